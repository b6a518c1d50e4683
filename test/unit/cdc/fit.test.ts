import { describe, expect, it } from 'vitest';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';
import { evaluate, fitFromStats, metricsOf, scorer, scoreValues } from '../../../shared/cdc/fit.js';
import { encodeCustomer, featureValue, LAYOUT, type Row } from '../../../shared/cdc/layout.js';
import { choleskySolve } from '../../../shared/cdc/linear-algebra.js';
import { realFileMissing } from '../../helpers/real-data.js';
import { realCustomers } from './customers.js';

const rowsOf = (customers: Record<string, unknown>[]): Row[] =>
  customers.map((c) => {
    const e = encodeCustomer(c);
    if ('error' in e) throw new Error(e.error);
    return e.row;
  });

/**
 * The textbook fit, written independently: real values, two-pass means and population standard
 * deviations, Z, ZᵀZ + λI, Zᵀ(y - ȳ), Gauss-Jordan elimination with partial pivoting.
 */
function textbookFit(rows: readonly Row[], ridge: number) {
  const F = LAYOUT.width;
  const n = rows.length;
  const x = rows.map((r) => Array.from({ length: F }, (_, j) => featureValue(r, j)));
  const y = rows.map((r) => r[F]!);
  const mean = Array.from({ length: F }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const std = Array.from({ length: F }, (_, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  const active = [...Array(F).keys()].filter((j) => std[j]! > 1e-12);
  const z = x.map((r) => active.map((j) => (r[j]! - mean[j]!) / std[j]!));
  const ybar = y.reduce((s, v) => s + v, 0) / n;
  const p = active.length;
  const a = Array.from({ length: p }, (_, u) => [
    ...Array.from({ length: p }, (_, v) => z.reduce((s, r) => s + r[u]! * r[v]!, 0) + (u === v ? ridge : 0)),
    z.reduce((s, r, i) => s + r[u]! * (y[i]! - ybar), 0),
  ]);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= p; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const coefficients = new Array<number>(F).fill(0);
  active.forEach((j, u) => (coefficients[j] = a[u]![p]! / a[u]![u]!));
  return { intercept: ybar, coefficients, mean, std };
}

const close = (a: number, b: number, scale: number, tolerance: number) => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), scale);

describe.skipIf(realFileMissing('test/unit/cdc/fit.test.ts: fitFromStats on the real dataset'))('fitFromStats on the real dataset', () => {
  const rows = rowsOf(realCustomers() ?? []);

  it('agrees with an independent textbook ridge fit on standardised features', () => {
    const fit = fitFromStats(ExactStats.of(LAYOUT.width, rows));
    const book = textbookFit(rows, 1);
    const scale = Math.max(...book.coefficients.map(Math.abs));
    expect(fit.rows).toBe(rows.length);
    expect(fit.parameters.intercept).toBeCloseTo(book.intercept, 14);
    fit.parameters.coefficients.forEach((c, j) => expect(close(c, book.coefficients[j]!, scale, 1e-8), `${LAYOUT.features[j]!.name}: ${c} vs ${book.coefficients[j]}`).toBe(true));
    fit.standardisation.std.forEach((s, j) => expect(close(s, book.std[j]!, 0, 1e-12)).toBe(true));
  });

  it('ranks responders above non-responders far better than chance', () => {
    const fit = fitFromStats(ExactStats.of(LAYOUT.width, rows));
    const { auc, accuracy } = evaluate(fit, rows);
    expect(auc).toBeGreaterThan(0.85);
    expect(accuracy).toBeGreaterThan(0.85);
  });
});

describe('fitFromStats', () => {
  it('shrinks the one-feature regression slope by 1 + λ/n', () => {
    // only Income varies: beta = cov(x, y) / std(x) / (1 + λ/n)
    const base = new Array<number>(LAYOUT.width + 1).fill(0);
    const incomes = [10, 20, 30, 40];
    const labels = [0, 0, 1, 1];
    const rows = incomes.map((x, i) => Object.assign([...base], { 0: x * 100, [LAYOUT.width]: labels[i] }));
    const fit = fitFromStats(ExactStats.of(LAYOUT.width, rows), { ridge: 2 });
    const sd = Math.sqrt(125); // population sd of 10, 20, 30, 40
    const cov = (-15 * -0.5 + -5 * -0.5 + 5 * 0.5 + 15 * 0.5) / 4;
    expect(fit.parameters.coefficients[0]).toBeCloseTo(cov / sd / (1 + 2 / 4), 14);
    expect(fit.parameters.coefficients.slice(1).every((c) => c === 0)).toBe(true);
    expect(fit.standardisation.std.slice(1).every((s) => s === 0)).toBe(true);
    expect(fit.parameters.intercept).toBe(0.5);
  });

  it('fits an empty table to an all-zero model', () => {
    const fit = fitFromStats(new ExactStats(LAYOUT.width));
    expect(fit).toMatchObject({ rows: 0, parameters: { intercept: 0 } });
    expect(evaluate(fit, [])).toEqual({ auc: null, accuracy: null });
  });

  it('scores a row the same from the stored integers and from the named real values', () => {
    const rows = rowsOf(realCustomers()?.slice(0, 300) ?? []);
    if (rows.length === 0) return;
    const fit = fitFromStats(ExactStats.of(LAYOUT.width, rows));
    const score = scorer(fit);
    for (const row of rows.slice(0, 20)) {
      const values = Object.fromEntries(LAYOUT.features.map((f, j) => [f.name, featureValue(row, j)]));
      expect(scoreValues(fit, values)).toBeCloseTo(score(row), 12);
    }
  });
});

describe('metricsOf', () => {
  it('counts ties as half a win, as Mann-Whitney does', () => {
    expect(metricsOf(Float64Array.of(0.9, 0.5, 0.5, 0.1), Uint8Array.of(1, 1, 0, 0)).auc).toBe(0.875);
  });

  it('equals the AUC counted over every positive-negative pair', () => {
    const scores = Float64Array.from({ length: 300 }, (_, i) => Math.round(Math.sin(i * 7.3) * 20) / 20);
    const labels = Uint8Array.from({ length: 300 }, (_, i) => (Math.cos(i * 3.1) + scores[i]! > 0.3 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 300; i++) {
      for (let j = 0; j < 300; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(metricsOf(scores, labels).auc).toBeCloseTo(wins / pairs, 14);
  });

  it('has no AUC with one class only, and accuracy at the threshold', () => {
    expect(metricsOf(Float64Array.of(0.7, 0.2), Uint8Array.of(1, 1))).toEqual({ auc: null, accuracy: 0.5 });
  });
});

describe('choleskySolve', () => {
  it('solves a symmetric positive-definite system and refuses an indefinite one', () => {
    const x = choleskySolve(Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3), Float64Array.of(6, 8, 4));
    expect(Array.from(x).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 1, 1]);
    expect(() => choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1))).toThrow(/not positive definite/);
  });
});
