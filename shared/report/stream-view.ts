/**
 * What the run report shows of the stream: per-sensor minute series (a few sensors: those with
 * anomalies first, then an even sample of the others; each series thinned to a few hundred
 * points), the records processed per second over the run, and the dead letters grouped by reason
 * with examples. Pure: the reading is in `collect.ts`.
 */
import type { DeadLetter } from '../stream/aggregate.js';
import { Measures, type Measure } from '../stream/measures.js';
import type { Anomaly, WindowSummary } from '../stream/stats.js';

export const StreamLimits = {
  /** Sensors drawn: at most this many... */
  sensors: 9,
  /** ...of which at most this many are chosen for their anomalies. */
  anomalousSensors: 6,
  /** Points per drawn series. */
  pointsPerSeries: 240,
  /** Anomalies marked per drawn series. */
  anomaliesPerSeries: 60,
  /** Rows of the per-sensor table. */
  sensorRows: 50,
  /** Time bins of the records-per-second chart. */
  throughputBins: 240,
  /** Reasons listed (the rest are summed as "other reasons") and examples per reason. */
  reasons: 12,
  examplesPerReason: 3,
} as const;

/** A point of a sensor's series: one or more consecutive minutes merged. */
export interface SeriesPoint {
  /** ISO start of the first minute. */
  readonly t: string;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

export interface MarkedAnomaly {
  readonly t: string;
  readonly value: number;
  readonly kind: Anomaly['kind'];
  readonly detail: string;
}

export interface SensorSeries {
  readonly sensorId: string;
  readonly metric: Measure;
  readonly points: readonly SeriesPoint[];
  /** Minutes merged into each point (1 when the series is drawn minute by minute). */
  readonly minutesPerPoint: number;
  readonly anomalies: readonly MarkedAnomaly[];
  /** Every anomaly of this sensor, of any metric. */
  readonly anomalyCount: number;
  readonly chosenFor: 'anomalies' | 'sample';
}

export interface SensorRow {
  readonly sensorId: string;
  readonly minutes: number;
  readonly readings: number;
  readonly anomalies: number;
  readonly first: string;
  readonly last: string;
}

export interface ThroughputPoint {
  readonly t: string;
  readonly perSecond: number;
}

export interface DeadLetterExample {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly reason: string;
}

export interface ReasonGroup {
  /** The reason with its particulars (a quoted value, a position) left out, so like reasons group. */
  readonly reason: string;
  readonly count: number;
  readonly examples: readonly DeadLetterExample[];
}

export interface DeadLetterView {
  readonly total: number;
  readonly reasons: readonly ReasonGroup[];
  /** Dead letters per topic-partition. */
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly count: number; readonly firstOffset: number; readonly lastOffset: number }>;
}

export interface StreamView {
  readonly location: string;
  readonly sensors: number;
  readonly windows: number;
  readonly validReadings: number;
  readonly anomalies: number;
  readonly anomalyKinds: Readonly<Record<Anomaly['kind'], number>>;
  readonly partials: { readonly used: number; readonly found: number };
  readonly series: readonly SensorSeries[];
  readonly sensorRows: readonly SensorRow[];
  readonly throughput?: { readonly points: readonly ThroughputPoint[]; readonly binMs: number; readonly records: number; readonly seconds: number };
  readonly deadLetters: DeadLetterView;
  /** Batches the event source gave up on (its on-failure records). */
  readonly onFailure: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Which sensors to draw: those with the most anomalies (up to `anomalous`), then an even sample
 * of the rest in id order, `total` in all. Deterministic.
 *
 * @example
 * chooseSensors(['s-1', 's-2', 's-3', 's-4'], new Map([['s-3', 2]]), 3, 1); // [{ id: 's-3', chosenFor: 'anomalies' }, { id: 's-1', ... }, { id: 's-4', ... }]
 */
export function chooseSensors(ids: readonly string[], anomalies: ReadonlyMap<string, number>, total: number, anomalous: number): Array<{ id: string; chosenFor: 'anomalies' | 'sample' }> {
  const sorted = [...new Set(ids)].sort(byText);
  const flagged = sorted
    .filter((id) => (anomalies.get(id) ?? 0) > 0)
    .sort((a, b) => anomalies.get(b)! - anomalies.get(a)! || byText(a, b))
    .slice(0, anomalous);
  const rest = sorted.filter((id) => !flagged.includes(id));
  const want = Math.min(rest.length, total - flagged.length);
  const sample = evenSample(rest, want);
  return [...flagged.map((id) => ({ id, chosenFor: 'anomalies' as const })), ...sample.map((id) => ({ id, chosenFor: 'sample' as const }))];
}

/**
 * `count` items spread evenly over `items`, first and last included when count > 1.
 *
 * @example
 * evenSample(['a', 'b', 'c', 'd', 'e'], 3); // ['a', 'c', 'e']
 */
export function evenSample<T>(items: readonly T[], count: number): T[] {
  if (count <= 0) return [];
  if (count >= items.length) return [...items];
  if (count === 1) return [items[0]!];
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!);
}

/**
 * Thins a minute series to at most `max` points by merging runs of consecutive minutes: the mean
 * weighted by the readings, the min of the mins, the max of the maxes, so the band still spans
 * every reading.
 *
 * @example
 * thinSeries(points, 240); // { points: [...], minutesPerPoint: 15 } for 3,600 minutes
 */
export function thinSeries(points: readonly SeriesPoint[], max: number): { points: SeriesPoint[]; minutesPerPoint: number } {
  if (points.length <= max) return { points: [...points], minutesPerPoint: 1 };
  const per = Math.ceil(points.length / max);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < points.length; i += per) {
    const run = points.slice(i, i + per);
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const p of run) {
      count += p.count;
      sum += p.mean * p.count;
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
    }
    out.push({ t: run[0]!.t, mean: count === 0 ? NaN : sum / count, min, max, count });
  }
  return { points: out, minutesPerPoint: per };
}

const anomalyTime = (a: Anomaly) => (a.kind === 'limit' ? a.ts : a.windowStart);

function describeAnomaly(a: Anomaly): string {
  return a.kind === 'limit' ? `${a.metric} ${a.value} beyond the ${a.bound} limit ${a.limit} (offset ${a.partition}@${a.offset})` : `${a.metric} ${a.value}, z-score ${a.zScore}`;
}

/**
 * The per-sensor series to draw, and a table of every sensor (the most anomalous first, capped).
 *
 * @example
 * const { series, rows } = sensorSeries(stats.windows, stats.anomalies);
 */
export function sensorSeries(windows: readonly WindowSummary[], anomalies: readonly Anomaly[]): { series: SensorSeries[]; rows: SensorRow[] } {
  const bySensor = new Map<string, WindowSummary[]>();
  for (const w of windows) {
    const list = bySensor.get(w.sensorId);
    if (list === undefined) bySensor.set(w.sensorId, [w]);
    else list.push(w);
  }
  const anomaliesOf = new Map<string, Anomaly[]>();
  for (const a of anomalies) {
    const list = anomaliesOf.get(a.sensorId);
    if (list === undefined) anomaliesOf.set(a.sensorId, [a]);
    else list.push(a);
  }
  const counts = new Map([...anomaliesOf].map(([id, list]) => [id, list.length]));
  const chosen = chooseSensors([...bySensor.keys()], counts, StreamLimits.sensors, StreamLimits.anomalousSensors);
  const series = chosen.map(({ id, chosenFor }): SensorSeries => {
    const own = anomaliesOf.get(id) ?? [];
    const metric = mostFlagged(own) ?? Measures.find((m) => bySensor.get(id)!.some((w) => w[m] !== undefined)) ?? 'temperature';
    const minutes = bySensor
      .get(id)!
      .filter((w) => w[metric] !== undefined)
      .sort((a, b) => byText(a.windowStart, b.windowStart))
      .map((w) => ({ t: w.windowStart, mean: w[metric]!.mean, min: w[metric]!.min, max: w[metric]!.max, count: w[metric]!.count }));
    const thinned = thinSeries(minutes, StreamLimits.pointsPerSeries);
    const marked = evenSample(
      own.filter((a) => a.metric === metric).sort((a, b) => byText(anomalyTime(a), anomalyTime(b))),
      StreamLimits.anomaliesPerSeries,
    ).map((a) => ({ t: anomalyTime(a), value: a.value, kind: a.kind, detail: describeAnomaly(a) }));
    return { sensorId: id, metric, points: thinned.points, minutesPerPoint: thinned.minutesPerPoint, anomalies: marked, anomalyCount: own.length, chosenFor };
  });
  const rows = [...bySensor]
    .map(([sensorId, list]) => {
      const starts = list.map((w) => w.windowStart).sort(byText);
      return { sensorId, minutes: list.length, readings: list.reduce((s, w) => s + w.readings, 0), anomalies: counts.get(sensorId) ?? 0, first: starts[0]!, last: starts.at(-1)! };
    })
    .sort((a, b) => b.anomalies - a.anomalies || byText(a.sensorId, b.sensorId))
    .slice(0, StreamLimits.sensorRows);
  return { series, rows };
}

function mostFlagged(anomalies: readonly Anomaly[]): Measure | undefined {
  const counts = new Map<Measure, number>();
  for (const a of anomalies) counts.set(a.metric, (counts.get(a.metric) ?? 0) + 1);
  let best: Measure | undefined;
  for (const metric of Measures) if ((counts.get(metric) ?? 0) > (best === undefined ? 0 : counts.get(best)!)) best = metric;
  return best;
}

/** A batch the stream function finished: its record count and when its partial was written. */
export interface BatchWritten {
  readonly records: number;
  readonly at: Date | undefined;
}

/** Bin widths the rate is drawn with, in ms: the narrowest that keeps the bins few. */
const BIN_WIDTHS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/**
 * Records processed per second over the run, from when each batch's partial was written: binned
 * into at most `bins` bins of a round width (a tenth of a second up). Undefined when the store
 * keeps no write times.
 *
 * @example
 * throughput([{ records: 100, at: new Date(0) }, { records: 100, at: new Date(50) }]); // { points: [{ t: '1970-01-01T00:00:00.000Z', perSecond: 2000 }], binMs: 100, ... }
 */
export function throughput(batches: readonly BatchWritten[], bins: number = StreamLimits.throughputBins): StreamView['throughput'] {
  if (batches.length === 0 || batches.some((b) => b.at === undefined)) return undefined;
  const times = batches.map((b) => b.at!.getTime());
  const earliest = times.reduce((m, t) => Math.min(m, t), Infinity);
  const last = times.reduce((m, t) => Math.max(m, t), -Infinity);
  const binMs = BIN_WIDTHS.find((w) => (last - Math.floor(earliest / w) * w) / w < bins) ?? Math.ceil((last - earliest + 1) / bins / 1000) * 1000;
  const first = Math.floor(earliest / binMs) * binMs;
  const totals = new Map<number, number>();
  let records = 0;
  batches.forEach((b, i) => {
    const bin = first + Math.floor((times[i]! - first) / binMs) * binMs;
    totals.set(bin, (totals.get(bin) ?? 0) + b.records);
    records += b.records;
  });
  const points: ThroughputPoint[] = [];
  for (let t = first; t <= last; t += binMs) points.push({ t: new Date(t).toISOString(), perSecond: ((totals.get(t) ?? 0) * 1000) / binMs });
  return { points, binMs, records, seconds: (points.length * binMs) / 1000 };
}

/**
 * A dead letter's reason without its particulars, so that alike reasons group: the value after
 * `got`, a JSON position, quoted text.
 *
 * @example
 * reasonClass('ts: must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z), got "yesterday"'); // 'ts: must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z)'
 * reasonClass('not JSON: Unterminated string in JSON at position 22'); // 'not JSON: Unterminated string in JSON'
 */
export function reasonClass(reason: string): string {
  return reason
    .replace(/,? got .*$/s, '')
    .replace(/ (in JSON )?at position \d+.*$/s, (_, inJson: string | undefined) => (inJson ? ' in JSON' : ''))
    .replace(/ \(line \d+ column \d+\)/g, '')
    .replace(/'[^']*'|"[^"]*"/g, '…')
    .trim();
}

/**
 * Dead letters grouped by {@link reasonClass}, most frequent first, with the first few examples of
 * each (in topic, partition, offset order), and counted per topic-partition. A record
 * dead-lettered twice (a redelivered batch) counts once.
 *
 * @example
 * deadLetterView(files.flatMap((f) => f.deadLetters)).reasons[0]; // { reason: 'sensorId: Invalid input: expected string, received undefined', count: 42, examples: [...] }
 */
export function deadLetterView(letters: readonly DeadLetterExample[]): DeadLetterView {
  const unique = new Map<string, DeadLetterExample>();
  for (const letter of letters) unique.set(`${letter.topic}\u0000${letter.partition}\u0000${letter.offset}`, letter);
  const sorted = [...unique.values()].sort((a, b) => byText(a.topic, b.topic) || a.partition - b.partition || a.offset - b.offset);
  const groups = new Map<string, DeadLetterExample[]>();
  const partitions = new Map<string, { topic: string; partition: number; count: number; firstOffset: number; lastOffset: number }>();
  for (const letter of sorted) {
    const reason = reasonClass(letter.reason);
    const list = groups.get(reason);
    if (list === undefined) groups.set(reason, [letter]);
    else list.push(letter);
    const id = `${letter.topic}\u0000${letter.partition}`;
    const p = partitions.get(id);
    if (p === undefined) partitions.set(id, { topic: letter.topic, partition: letter.partition, count: 1, firstOffset: letter.offset, lastOffset: letter.offset });
    else {
      p.count++;
      p.lastOffset = letter.offset;
    }
  }
  const ranked = [...groups].sort((a, b) => b[1].length - a[1].length || byText(a[0], b[0]));
  const reasons: ReasonGroup[] = ranked.slice(0, StreamLimits.reasons).map(([reason, list]) => ({ reason, count: list.length, examples: list.slice(0, StreamLimits.examplesPerReason) }));
  const rest = ranked.slice(StreamLimits.reasons);
  if (rest.length > 0) {
    reasons.push({ reason: `${rest.length} other reasons`, count: rest.reduce((s, [, list]) => s + list.length, 0), examples: rest.slice(0, StreamLimits.examplesPerReason).map(([, list]) => list[0]!) });
  }
  return { total: unique.size, reasons, partitions: [...partitions.values()] };
}

/**
 * The stream's view from its merged statistics, the batches written, and the dead letters.
 *
 * @example
 * streamView({ location, stats, batches, deadLetters, onFailure: 0 });
 */
export function streamView(input: {
  location: string;
  stats: { windows: readonly WindowSummary[]; anomalies: readonly Anomaly[]; partials: { used: number; found: number } };
  batches: readonly BatchWritten[];
  deadLetters: readonly DeadLetter[];
  onFailure: number;
}): StreamView {
  const { windows, anomalies } = input.stats;
  const { series, rows } = sensorSeries(windows, anomalies);
  const kinds = { limit: 0, zscore: 0 };
  for (const a of anomalies) kinds[a.kind]++;
  const flow = throughput(input.batches);
  return {
    location: input.location,
    sensors: new Set(windows.map((w) => w.sensorId)).size,
    windows: windows.length,
    validReadings: windows.reduce((s, w) => s + w.readings, 0),
    anomalies: anomalies.length,
    anomalyKinds: kinds,
    partials: input.stats.partials,
    series,
    sensorRows: rows,
    ...(flow === undefined ? {} : { throughput: flow }),
    deadLetters: deadLetterView(input.deadLetters),
    onFailure: input.onFailure,
  };
}
