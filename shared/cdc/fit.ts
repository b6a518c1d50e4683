/**
 * The model: a ridge classifier of the label (0/1) on standardised features, derived
 * deterministically from exact sufficient statistics, so the model maintained change by change is
 * the model fitted from scratch on the same table: same sums in, same arithmetic, same numbers out.
 *
 * With `z_j = (x_j - mean_j) / std_j` (population standard deviation) it minimises
 * `Σ (y - b0 - zᵀβ)² + λ‖β‖²`: `b0 = ȳ` and `(R + λ/n·I) β = r`, where R is the correlation matrix of
 * the features and `r_j = cov(x_j, y) / std_j`. Both come from the exact centred sums
 * `M_jk = n·Σq_j q_k - Σq_j·Σq_k` (BigInt, no cancellation), each rounded once to float64. A
 * constant feature (M_jj = 0) gets std 0 and coefficient 0. A row scores `b0 + zᵀβ` (a linear
 * probability); it is classed 1 when the score reaches `threshold` (0.5).
 */
import type { ExactStats } from './exact-stats.js';
import { choleskySolve } from './linear-algebra.js';
import { LAYOUT, type Layout, type Row } from './layout.js';

/** Fitting options; the defaults are the model's definition. */
export interface FitOptions {
  /** Ridge penalty λ on the standardised coefficients (scikit-learn's `alpha`). @default 1 */
  readonly ridge?: number;
  /** Score at or above which a row is classed 1. @default 0.5 */
  readonly threshold?: number;
}

export const FIT_DEFAULTS = { ridge: 1, threshold: 0.5 } as const;

/** The fitted model's numbers. */
export interface Fit {
  readonly kind: 'ridge-classifier';
  /** Customers the model reflects. */
  readonly rows: number;
  /** Of which with label 1. */
  readonly positives: number;
  readonly label: string;
  readonly features: readonly string[];
  readonly ridge: number;
  readonly threshold: number;
  /** Population mean and standard deviation of each feature (0 for a constant one). */
  readonly standardisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Intercept and one coefficient per feature, on the standardised scale. */
  readonly parameters: { readonly intercept: number; readonly coefficients: readonly number[] };
}

/** Accuracy at the threshold and ROC AUC on a table; null where undefined (no rows, one class). */
export interface Metrics {
  readonly auc: number | null;
  readonly accuracy: number | null;
}

/**
 * Derives the model from exact sufficient statistics.
 *
 * @example
 * const fit = fitFromStats(ExactStats.of(LAYOUT.width, rows));
 * fit.parameters.coefficients.length; // LAYOUT.width
 */
export function fitFromStats(stats: ExactStats, options: FitOptions = {}, layout: Layout = LAYOUT): Fit {
  const ridge = options.ridge ?? FIT_DEFAULTS.ridge;
  const threshold = options.threshold ?? FIT_DEFAULTS.threshold;
  if (!(ridge > 0)) throw new RangeError(`ridge must be positive, got ${ridge}`);
  if (stats.features !== layout.width) throw new RangeError(`statistics of ${stats.features} features for a layout of ${layout.width}`);
  const F = layout.width;
  const y = F + 1;
  const m = stats.matrix();
  const n = m[0]![0]!;
  const rows = Number(n);
  const mean = new Array<number>(F).fill(0);
  const std = new Array<number>(F).fill(0);
  const coefficients = new Array<number>(F).fill(0);
  const base = {
    kind: 'ridge-classifier' as const,
    rows,
    positives: Number(m[0]![y]!),
    label: layout.label,
    features: layout.features.map((f) => f.name),
    ridge,
    threshold,
  };
  if (rows === 0) return { ...base, standardisation: { mean, std }, parameters: { intercept: 0, coefficients } };

  const centred = (j: number, k: number): bigint => n * m[j]![k]! - m[0]![j]! * m[0]![k]!;
  const active: number[] = [];
  const spread: number[] = [];
  for (let j = 1; j <= F; j++) {
    const f = layout.features[j - 1]!;
    const mjj = centred(j, j);
    mean[j - 1] = Number(m[0]![j]!) / rows / f.scale;
    if (mjj > 0n) {
      const root = Math.sqrt(Number(mjj));
      std[j - 1] = root / rows / f.scale;
      active.push(j);
      spread.push(root);
    }
  }
  const p = active.length;
  const a = new Float64Array(p * p);
  const r = new Float64Array(p);
  for (let u = 0; u < p; u++) {
    for (let v = u; v < p; v++) {
      const value = u === v ? 1 + ridge / rows : Number(centred(active[u]!, active[v]!)) / (spread[u]! * spread[v]!);
      a[u * p + v] = value;
      a[v * p + u] = value;
    }
    r[u] = Number(centred(active[u]!, y)) / (rows * spread[u]!);
  }
  const beta = p === 0 ? r : choleskySolve(a, r);
  active.forEach((j, u) => (coefficients[j - 1] = beta[u]!));
  return { ...base, standardisation: { mean, std }, parameters: { intercept: Number(m[0]![y]!) / rows, coefficients } };
}

/**
 * A scoring function for stored rows: `b0 + Σ β_j (x_j - mean_j) / std_j`, folded into one
 * linear form over the stored integers for speed.
 *
 * @example
 * const score = scorer(fit);
 * score(row) >= fit.threshold; // predicted 1
 */
export function scorer(fit: Fit, layout: Layout = LAYOUT): (row: Row) => number {
  const F = layout.width;
  const w = new Float64Array(F);
  let c = fit.parameters.intercept;
  for (let j = 0; j < F; j++) {
    const beta = fit.parameters.coefficients[j]!;
    const sd = fit.standardisation.std[j]!;
    if (beta === 0 || sd === 0) continue;
    w[j] = beta / sd / layout.features[j]!.scale;
    c -= (beta * fit.standardisation.mean[j]!) / sd;
  }
  return (row) => {
    let s = c;
    for (let j = 0; j < F; j++) s += w[j]! * row[j]!;
    return s;
  };
}

/**
 * Scores a customer given as real feature values by name (one-hot columns 0/1), straight from the
 * model document's numbers: what `model predict` does with a model read back from JSON.
 *
 * @example
 * scoreValues(fit, { Income: 58138, 'Education=PhD': 1, ... });
 */
export function scoreValues(fit: Pick<Fit, 'features' | 'standardisation' | 'parameters'>, values: Readonly<Record<string, number>>): number {
  let s = fit.parameters.intercept;
  fit.features.forEach((name, j) => {
    const sd = fit.standardisation.std[j]!;
    if (sd !== 0) s += (fit.parameters.coefficients[j]! * ((values[name] ?? 0) - fit.standardisation.mean[j]!)) / sd;
  });
  return s;
}

/**
 * Accuracy at the threshold and the exact ROC AUC (Mann-Whitney, ties counted half) of `scores`
 * against `labels`. Sorts each class's scores once: O(n log n), ~0.2 s for a million rows.
 *
 * @example
 * metricsOf(Float64Array.of(0.9, 0.2, 0.6), Uint8Array.of(1, 0, 0), 0.5); // { auc: 1, accuracy: 2/3 }
 */
export function metricsOf(scores: Float64Array, labels: Uint8Array, threshold: number = FIT_DEFAULTS.threshold): Metrics {
  const n = scores.length;
  if (n === 0) return { auc: null, accuracy: null };
  let positives = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    positives += labels[i]!;
    if ((scores[i]! >= threshold ? 1 : 0) === labels[i]) correct++;
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, ip = 0, ineg = 0; i < n; i++) {
    if (labels[i] === 1) pos[ip++] = scores[i]!;
    else neg[ineg++] = scores[i]!;
  }
  if (pos.length === 0 || neg.length === 0) return { auc: null, accuracy: correct / n };
  pos.sort();
  neg.sort();
  // for each positive: negatives strictly below it, plus half of those equal to it
  let below = 0;
  let equalEnd = 0;
  let wins = 0;
  for (let i = 0; i < pos.length; i++) {
    const s = pos[i]!;
    while (below < neg.length && neg[below]! < s) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < neg.length && neg[equalEnd]! === s) equalEnd++;
    wins += below + (equalEnd - below) / 2;
  }
  return { auc: wins / (pos.length * neg.length), accuracy: correct / n };
}

/**
 * Scores every row and measures the model on them.
 *
 * @example
 * const { auc, accuracy } = evaluate(fit, rows);
 */
export function evaluate(fit: Fit, rows: Iterable<Row>, layout: Layout = LAYOUT): Metrics {
  const score = scorer(fit, layout);
  const list = Array.isArray(rows) ? (rows as readonly Row[]) : [...rows];
  const scores = new Float64Array(list.length);
  const labels = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) {
    scores[i] = score(list[i]!);
    labels[i] = list[i]![layout.width]!;
  }
  return metricsOf(scores, labels, fit.threshold);
}
