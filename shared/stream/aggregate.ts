import { Measures, type Measure } from './measures.js';
import { readingFromBytes } from './fast-reading.js';
import { parseReading, type SensorReading } from './schema.js';

/** Tumbling windows of event time, one minute long. */
export const WindowMs = 60_000;

/** Measure values are summed as integers of 1/Scale (0.001), exactly; see `schema.ts`. */
export const Scale = 1000;

/**
 * Mergeable statistics of one metric: count, exact sums of the value and of its square (in
 * units of 1/{@link Scale}, as decimal strings, since they outgrow 2^53), min and max.
 */
export interface MetricPartial {
  readonly count: number;
  readonly sum: string;
  readonly sumSquares: string;
  readonly min: number;
  readonly max: number;
}

/** One sensor's minute: how many valid readings, and each metric's statistics when present. */
export interface WindowPartial {
  readonly sensorId: string;
  /** Epoch milliseconds of the window's start (a multiple of {@link WindowMs}). */
  readonly windowStart: number;
  readonly readings: number;
  readonly metrics: Partial<Record<Measure, MetricPartial>>;
}

/** A hard limit crossed by one reading. */
export interface LimitAnomaly {
  readonly kind: 'limit';
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly sensorId: string;
  /** ISO-8601 event time. */
  readonly ts: string;
  readonly metric: Measure;
  readonly value: number;
  readonly bound: 'min' | 'max';
  readonly limit: number;
}

/**
 * A record that is not a valid reading, and why: the whole record, so that it can be looked at and
 * re-sent as it was (key and value as text when they are UTF-8, else as base64 in `keyBase64` /
 * `valueBase64` with the text field null; its log timestamp and headers when it had them).
 */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly reason: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly keyBase64?: string;
  readonly valueBase64?: string;
  /** The record's log timestamp, epoch ms. */
  readonly timestamp?: number;
  /** Header values, base64. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What one batch contributes for one topic-partition: named by its offset range. */
export interface BatchPartial {
  readonly version: 1;
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly scale: number;
  readonly records: number;
  readonly valid: number;
  readonly deadLetters: number;
  readonly windows: readonly WindowPartial[];
  readonly anomalies: readonly LimitAnomaly[];
}

/** Hard limits per metric: a reading outside [min, max] is flagged (and still counted). */
export type Limits = Partial<Record<Measure, { readonly min?: number; readonly max?: number }>>;

/**
 * Default hard limits: the operating range of common environmental sensors (-40 to 85 °C, 0 to
 * 100 %RH), the extremes of sea-level pressure ever recorded (870 to 1085 hPa), and a battery
 * below 10 %.
 */
export const DefaultLimits = {
  temperature: { min: -40, max: 85 },
  humidity: { min: 0, max: 100 },
  pressure: { min: 870, max: 1085 },
  battery: { min: 10, max: 100 },
} as const satisfies Limits;

/** One record as the core reads it: where it is in the log, and its bytes. */
export interface StreamInput {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** The record's log timestamp (epoch ms), which bounds how far ahead its reading may be. */
  readonly timestamp?: number;
  readonly headers?: Readonly<Record<string, Uint8Array>>;
}

/**
 * Which event times a reading may carry, beyond the schema's "a real instant": no fleet sends
 * readings from before `earliest`, nor from further ahead of the record that carries them than
 * `aheadOfRecordMs` (clock skew), or after `latest` when that is set. A reading outside is
 * dead-lettered with the window it missed. The bound follows the record's own log timestamp, not
 * the clock, so a batch delivered again is judged the same way.
 */
export interface TimeBounds {
  /** Epoch ms. @default 2000-01-01T00:00:00Z */
  readonly earliest?: number;
  /** Epoch ms; when set, replaces the bound relative to the record. */
  readonly latest?: number;
  /** @default one day */
  readonly aheadOfRecordMs?: number;
}

export const DefaultTimeBounds = { earliest: Date.UTC(2000, 0, 1), aheadOfRecordMs: 86_400_000 } as const satisfies TimeBounds;

/** The result of one topic-partition of a batch. */
export interface PartitionResult {
  readonly partial: BatchPartial;
  readonly deadLetters: readonly DeadLetter[];
}

const MaxSafe = Number.MAX_SAFE_INTEGER;

/** Exact running sums: plain numbers while they stay exact integers, bigint beyond. */
class MetricAccumulator {
  count = 0;
  sum = 0;
  sumBig = 0n;
  squares = 0;
  squaresBig = 0n;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(reading: number): void {
    const value = reading + 0; // -0 becomes 0, so min and max do not depend on arrival order
    const q = Math.round(value * Scale);
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const sum = this.sum + q;
    if (sum <= MaxSafe && sum >= -MaxSafe) this.sum = sum;
    else {
      this.sumBig += BigInt(this.sum) + BigInt(q);
      this.sum = 0;
    }
    const square = q * q;
    if (square <= MaxSafe) {
      const squares = this.squares + square;
      if (squares <= MaxSafe) this.squares = squares;
      else {
        this.squaresBig += BigInt(this.squares) + BigInt(square);
        this.squares = 0;
      }
    } else {
      this.squaresBig += BigInt(q) * BigInt(q);
    }
  }

  partial(): MetricPartial {
    return {
      count: this.count,
      // a safe integer prints the same digits as its bigint, without making one
      sum: this.sumBig === 0n ? String(this.sum) : (this.sumBig + BigInt(this.sum)).toString(),
      sumSquares: this.squaresBig === 0n ? String(this.squares) : (this.squaresBig + BigInt(this.squares)).toString(),
      min: this.min,
      max: this.max,
    };
  }
}

class WindowAccumulator {
  readings = 0;
  readonly metrics: Array<MetricAccumulator | undefined> = Measures.map(() => undefined);

  constructor(
    readonly sensorId: string,
    readonly windowStart: number,
  ) {}

  add(reading: SensorReading): void {
    this.readings++;
    // the metrics by name, not in a loop over Measures: a property read by a varying name is a slow lookup
    const { metrics } = this;
    if (reading.temperature !== undefined) (metrics[0] ??= new MetricAccumulator()).add(reading.temperature);
    if (reading.humidity !== undefined) (metrics[1] ??= new MetricAccumulator()).add(reading.humidity);
    if (reading.pressure !== undefined) (metrics[2] ??= new MetricAccumulator()).add(reading.pressure);
    if (reading.battery !== undefined) (metrics[3] ??= new MetricAccumulator()).add(reading.battery);
  }

  partial(): WindowPartial {
    const metrics: Partial<Record<Measure, MetricPartial>> = {};
    Measures.forEach((name, i) => {
      const acc = this.metrics[i];
      if (acc !== undefined) metrics[name] = acc.partial();
    });
    return { sensorId: this.sensorId, windowStart: this.windowStart, readings: this.readings, metrics };
  }
}

/** Decodes UTF-8 strictly: invalid bytes are an error, never U+FFFD. */
const strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
};
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The whole of a record that is not a valid reading, with why. */
function deadLetter(record: StreamInput, reason: string, value: string | undefined): DeadLetter {
  const key = record.key === null ? null : utf8(record.key);
  const headers = record.headers === undefined || Object.keys(record.headers).length === 0 ? undefined : Object.fromEntries(Object.entries(record.headers).map(([name, bytes]) => [name, base64(bytes)]));
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    reason,
    key: key ?? null,
    value: record.value === null ? null : (value ?? null),
    ...(key === undefined && record.key !== null ? { keyBase64: base64(record.key) } : {}),
    ...(value === undefined && record.value !== null ? { valueBase64: base64(record.value) } : {}),
    ...(Number.isFinite(record.timestamp) ? { timestamp: record.timestamp } : {}),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** Why a reading's time is outside the bounds, or undefined when it is inside. */
function outsideWindow(ts: number, record: StreamInput, bounds: TimeBounds): string | undefined {
  const earliest = bounds.earliest ?? DefaultTimeBounds.earliest;
  const ahead = bounds.aheadOfRecordMs ?? DefaultTimeBounds.aheadOfRecordMs;
  const latest = bounds.latest ?? (Number.isFinite(record.timestamp) ? record.timestamp! + ahead : Number.POSITIVE_INFINITY);
  if (ts >= earliest && ts <= latest) return undefined;
  const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : String(t));
  const window = bounds.latest === undefined ? `${iso(earliest)} to ${ahead / 3_600_000} h after the record (${iso(latest)})` : `${iso(earliest)} to ${iso(latest)}`;
  return `ts: ${iso(ts)} is outside the accepted window, ${window}`;
}

/**
 * Aggregates the records of ONE topic-partition (in offset order) into its partial: per sensor and
 * minute of event time, the count, exact sums, min and max of each metric; the readings outside
 * the hard limits; and a dead letter for each record that is not a valid reading. Pure: the same
 * records always give the same result.
 *
 * @example
 * const { partial, deadLetters } = aggregatePartition(records, DefaultLimits);
 * partial.windows[0]; // { sensorId: 's-1', windowStart: 1714564800000, readings: 12, metrics: { temperature: {...} } }
 */
export function aggregatePartition(records: readonly StreamInput[], limits: Limits = DefaultLimits, bounds: TimeBounds = DefaultTimeBounds): PartitionResult {
  if (records.length === 0) throw new RangeError('aggregatePartition needs at least one record');
  const batch = new PartitionAccumulator(records[0]!, limits, bounds);
  addAll(batch, records);
  return batch.result(records.length);
}

/**
 * The loop over a batch's records, alone in its function with nothing after it: the loop runs in
 * code compiled while it first ran (on-stack replacement), which has no type feedback for what
 * follows a loop, and code after it gave every batch up to the interpreter there (node
 * --trace-deopt: one deoptimisation per call).
 */
function addAll(batch: PartitionAccumulator, records: readonly StreamInput[]): void {
  for (const record of records) batch.add(record);
}

/** One topic-partition's batch as its records are added: windows per sensor, anomalies, dead letters, offset range. */
class PartitionAccumulator {
  readonly topic: string;
  readonly partition: number;
  first: number;
  last: number;
  readonly sensors = new Map<string, { last: WindowAccumulator | undefined; windows: Map<number, WindowAccumulator> }>();
  readonly anomalies: LimitAnomaly[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly checks: ReadonlyArray<{ readonly min: number; readonly max: number } | undefined>;

  constructor(
    head: StreamInput,
    limits: Limits,
    private readonly bounds: TimeBounds,
  ) {
    this.topic = head.topic;
    this.partition = head.partition;
    this.first = this.last = head.offset;
    this.checks = Measures.map((m) => limits[m]).map((l) => (l === undefined ? undefined : { min: l.min ?? -Infinity, max: l.max ?? Infinity }));
  }

  add(record: StreamInput): void {
    const { topic, partition, checks, anomalies } = this;
    if (record.topic !== topic || record.partition !== partition) {
      throw new RangeError(`aggregatePartition got ${record.topic}-${record.partition} among ${topic}-${partition}`);
    }
    if (record.offset < this.first) this.first = record.offset;
    if (record.offset > this.last) this.last = record.offset;
    // the common reading straight from its bytes; anything else decoded, parsed and checked by the schema
    const bytes = record.value;
    let reading = bytes === null ? undefined : readingFromBytes(bytes);
    if (reading === undefined) {
      const value = bytes === null ? null : utf8(bytes);
      const parsed =
        value === null ? ({ ok: false, reason: 'no value (a null record)' } as const) : value === undefined ? ({ ok: false, reason: 'the value is not UTF-8 text' } as const) : parseReading(value);
      if (!parsed.ok) {
        this.deadLetters.push(deadLetter(record, parsed.reason, value ?? undefined));
        return;
      }
      reading = parsed.reading;
    }
    const outside = outsideWindow(reading.ts, record, this.bounds);
    if (outside !== undefined) {
      this.deadLetters.push(deadLetter(record, outside, bytes === null ? undefined : utf8(bytes)));
      return;
    }
    const windowStart = Math.floor(reading.ts / WindowMs) * WindowMs;
    // a sensor's readings mostly fall in the window of its previous one: look there first
    let sensor = this.sensors.get(reading.sensorId);
    let window = sensor?.last;
    if (window === undefined || window.windowStart !== windowStart) {
      if (sensor === undefined) this.sensors.set(reading.sensorId, (sensor = { last: undefined, windows: new Map() }));
      window = sensor.windows.get(windowStart);
      if (window === undefined) sensor.windows.set(windowStart, (window = new WindowAccumulator(reading.sensorId, windowStart)));
      sensor.last = window;
    }
    window.add(reading);
    // each metric read by name (see WindowAccumulator.add), in Measures order
    if (checks[0] !== undefined) flagOutside(anomalies, checks[0], 0, reading.temperature, record.offset, reading, topic, partition);
    if (checks[1] !== undefined) flagOutside(anomalies, checks[1], 1, reading.humidity, record.offset, reading, topic, partition);
    if (checks[2] !== undefined) flagOutside(anomalies, checks[2], 2, reading.pressure, record.offset, reading, topic, partition);
    if (checks[3] !== undefined) flagOutside(anomalies, checks[3], 3, reading.battery, record.offset, reading, topic, partition);
  }

  result(records: number): PartitionResult {
    const { anomalies, deadLetters } = this;
    const partials = [...this.sensors.values()].flatMap((sensor) => [...sensor.windows.values()].map((w) => w.partial())).sort(byWindow);
    anomalies.sort((a, b) => a.offset - b.offset || Measures.indexOf(a.metric) - Measures.indexOf(b.metric));
    deadLetters.sort((a, b) => a.offset - b.offset);
    return {
      partial: {
        version: 1,
        topic: this.topic,
        partition: this.partition,
        firstOffset: this.first,
        lastOffset: this.last,
        scale: Scale,
        records,
        valid: records - deadLetters.length,
        deadLetters: deadLetters.length,
        windows: partials,
        anomalies,
      },
      deadLetters,
    };
  }
}

/** Records an anomaly when metric `i`'s value `v` is outside its limits. */
function flagOutside(anomalies: LimitAnomaly[], check: { min: number; max: number }, i: number, v: number | undefined, offset: number, reading: SensorReading, topic: string, partition: number): void {
  if (v === undefined || (v >= check.min && v <= check.max)) return;
  const bound = v < check.min ? 'min' : 'max';
  anomalies.push({
    kind: 'limit',
    topic,
    partition,
    offset,
    sensorId: reading.sensorId,
    ts: new Date(reading.ts).toISOString(),
    metric: Measures[i]!,
    value: v,
    bound,
    limit: bound === 'min' ? check.min : check.max,
  });
}

/** Orders windows by sensor, then time: the order of every output. */
export function byWindow(a: { sensorId: string; windowStart: number }, b: { sensorId: string; windowStart: number }): number {
  return a.sensorId < b.sensorId ? -1 : a.sensorId > b.sensorId ? 1 : a.windowStart - b.windowStart;
}

/**
 * Merges two statistics of the same metric. Associative and commutative, exactly: sums are
 * integers, min and max are order-free.
 *
 * @example
 * mergeMetric({ count: 1, sum: '1000', sumSquares: '1000000', min: 1, max: 1 }, { count: 1, sum: '3000', sumSquares: '9000000', min: 3, max: 3 });
 * // { count: 2, sum: '4000', sumSquares: '10000000', min: 1, max: 3 }
 */
export function mergeMetric(a: MetricPartial, b: MetricPartial): MetricPartial {
  return {
    count: a.count + b.count,
    sum: (BigInt(a.sum) + BigInt(b.sum)).toString(),
    sumSquares: (BigInt(a.sumSquares) + BigInt(b.sumSquares)).toString(),
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
  };
}

/**
 * Merges two partials of the same sensor and window (associative and commutative).
 *
 * @example
 * mergeWindow(w1, w2).readings === w1.readings + w2.readings; // true
 */
export function mergeWindow(a: WindowPartial, b: WindowPartial): WindowPartial {
  if (a.sensorId !== b.sensorId || a.windowStart !== b.windowStart) throw new RangeError('mergeWindow needs the same sensor and window');
  const metrics: Partial<Record<Measure, MetricPartial>> = {};
  for (const name of Measures) {
    const x = a.metrics[name];
    const y = b.metrics[name];
    const merged = x && y ? mergeMetric(x, y) : (x ?? y);
    if (merged) metrics[name] = merged;
  }
  return { sensorId: a.sensorId, windowStart: a.windowStart, readings: a.readings + b.readings, metrics };
}

/**
 * Merges any number of window partials into one per sensor and window, in output order. The
 * result does not depend on the order or grouping of the input.
 *
 * @example
 * mergeWindows([...partialA.windows, ...partialB.windows]);
 */
export function mergeWindows(windows: Iterable<WindowPartial>): WindowPartial[] {
  const merged = new Map<string, WindowPartial>();
  for (const w of windows) {
    const id = `${w.windowStart}|${w.sensorId}`;
    const seen = merged.get(id);
    merged.set(id, seen === undefined ? w : mergeWindow(seen, w));
  }
  return [...merged.values()].sort(byWindow);
}
