import { mergeMetric, mergeWindows, Scale, WindowMs, type LimitAnomaly, type MetricPartial, type WindowPartial } from './aggregate.js';
import { Measures, type Measure } from './measures.js';

/** A metric over one window, as `stream stats` reports it. `stddev` is the population standard deviation. */
export interface MetricSummary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly stddev: number;
}

export type WindowSummary = {
  readonly sensorId: string;
  /** ISO-8601 start of the minute. */
  readonly windowStart: string;
  readonly readings: number;
} & Partial<Record<Measure, MetricSummary>>;

/** A window whose extreme lies `zScore` standard deviations from the sensor's mean. */
export interface ZScoreAnomaly {
  readonly kind: 'zscore';
  readonly sensorId: string;
  readonly windowStart: string;
  readonly metric: Measure;
  /** The window's max (or min) that stands out. */
  readonly value: number;
  readonly zScore: number;
  /** The sensor's mean and standard deviation of the metric, over all its readings. */
  readonly mean: number;
  readonly stddev: number;
}

export type Anomaly = LimitAnomaly | ZScoreAnomaly;

export interface StreamStats {
  readonly windows: WindowSummary[];
  readonly anomalies: Anomaly[];
  /** Records dead-lettered as malformed (distinct topic, partition and offset). */
  readonly deadLetters: number;
}

export interface SummaryOptions {
  /** Only this sensor. */
  readonly sensor?: string;
  /** Only windows ending after this instant (epoch ms), and anomalies from then on. */
  readonly since?: number;
  /** Flag a window whose max or min lies this many standard deviations from the sensor's mean. @default 4 */
  readonly zScore?: number;
  /** A sensor needs this many readings of a metric before its z-scores mean anything. @default 30 */
  readonly minCount?: number;
}

export const DefaultZScore = 4;

/**
 * Mean and population standard deviation of exact partial statistics, computed in integers
 * until the final division.
 *
 * @example
 * summarizeMetric({ count: 2, sum: '4000', sumSquares: '10000000', min: 1, max: 3 }); // { count: 2, mean: 2, min: 1, max: 3, stddev: 1 }
 */
export function summarizeMetric(m: MetricPartial): MetricSummary {
  const count = BigInt(m.count);
  const sum = BigInt(m.sum);
  const variance = Number(count * BigInt(m.sumSquares) - sum * sum) / Number(count * count) / (Scale * Scale);
  return { count: m.count, mean: Number(sum) / m.count / Scale, min: m.min, max: m.max, stddev: Math.sqrt(Math.max(0, variance)) };
}

/**
 * The stream's statistics from the windows of a set of partials that count each record once
 * (see `chooseCover`), their limit anomalies, and the number of dead letters: per sensor and
 * minute, each metric's count, mean, min, max and standard deviation; anomalies by hard limit
 * (flagged per reading by the function) and by z-score (a window whose max or min lies `zScore`
 * standard deviations from the sensor's mean over all its readings; computed here, where the
 * sensor's whole statistics are known, so the result does not depend on how batches were cut).
 *
 * @example
 * const stats = summarize(partials.flatMap((p) => p.windows), partials.flatMap((p) => p.anomalies), deadLetterCount);
 * stats.windows[0]; // { sensorId: 's-001', windowStart: '2024-05-01T12:00:00.000Z', readings: 60, temperature: { count: 60, mean: 21.4, ... } }
 */
export function summarize(
  windows: Iterable<WindowPartial>,
  limitAnomalies: Iterable<LimitAnomaly>,
  deadLetters: number,
  options: SummaryOptions = {},
): StreamStats {
  const threshold = options.zScore ?? DefaultZScore;
  const minCount = options.minCount ?? 30;
  const since = options.since ?? Number.NEGATIVE_INFINITY;
  const merged = mergeWindows(options.sensor === undefined ? windows : [...windows].filter((w) => w.sensorId === options.sensor));

  // each sensor's statistics over all its windows, then the windows that stand out from them
  const perSensor = new Map<string, Partial<Record<Measure, MetricSummary>>>();
  for (const [sensorId, ws] of groupBy(merged, (w) => w.sensorId)) {
    const totals: Partial<Record<Measure, MetricSummary>> = {};
    for (const metric of Measures) {
      const parts = ws.map((w) => w.metrics[metric]).filter((m): m is MetricPartial => m !== undefined);
      if (parts.length > 0) totals[metric] = summarizeMetric(parts.reduce(mergeMetric));
    }
    perSensor.set(sensorId, totals);
  }

  const anomalies: Anomaly[] = [];
  const summaries: WindowSummary[] = [];
  for (const w of merged) {
    if (w.windowStart + WindowMs <= since) continue;
    const windowStart = new Date(w.windowStart).toISOString();
    const summary: Record<string, unknown> = { sensorId: w.sensorId, windowStart, readings: w.readings };
    for (const metric of Measures) {
      const m = w.metrics[metric];
      if (m === undefined) continue;
      summary[metric] = summarizeMetric(m);
      const total = perSensor.get(w.sensorId)![metric]!;
      if (total.count < minCount || !(total.stddev > 0)) continue;
      const high = (m.max - total.mean) / total.stddev;
      const low = (total.mean - m.min) / total.stddev;
      if (high >= threshold || low >= threshold) {
        const value = high >= low ? m.max : m.min;
        anomalies.push({
          kind: 'zscore',
          sensorId: w.sensorId,
          windowStart,
          metric,
          value,
          zScore: Math.round(((value - total.mean) / total.stddev) * 100) / 100,
          mean: total.mean,
          stddev: total.stddev,
        });
      }
    }
    summaries.push(summary as WindowSummary);
  }
  for (const a of limitAnomalies) {
    if ((options.sensor === undefined || a.sensorId === options.sensor) && Date.parse(a.ts) >= since) anomalies.push(a);
  }
  anomalies.sort((a, b) => timeOf(a) - timeOf(b) || (a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : 0) || Measures.indexOf(a.metric) - Measures.indexOf(b.metric));
  return { windows: summaries, anomalies, deadLetters };
}

const timeOf = (a: Anomaly): number => Date.parse(a.kind === 'limit' ? a.ts : a.windowStart);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}
