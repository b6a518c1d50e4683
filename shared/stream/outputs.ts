import { parseSourceName, sourceName } from '../names.js';
import { padOffset } from '../offsets.js';
import { aggregatePartition, DefaultLimits, DefaultTimeBounds, type BatchPartial, type DeadLetter, type Limits, type StreamInput, type TimeBounds } from './aggregate.js';

/** Where the streaming function writes, in the `results` area. */
export const StreamPrefixes = {
  partials: 'results/stream/partials/',
  deadLetters: 'results/stream/dead-letters/',
} as const;

/** The offset range of one batch of one topic-partition of one event log. */
export interface BatchRange {
  readonly topic: string;
  /** The event log's identity (shared/names.ts, `logIdOf`); undefined for results written before sources were recorded. */
  readonly log?: string | undefined;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

// the topic and log are checked (shared/names.ts) before they become a key segment
const rangePath = (r: BatchRange): string => `${sourceName({ topic: r.topic, log: r.log })}/${r.partition}/${padOffset(r.firstOffset)}-${padOffset(r.lastOffset)}.json`;

/**
 * The key of a batch's partial: `results/stream/partials/<topic>@<log>/<partition>/<first>-<last>.json`,
 * offsets padded to 20 digits so keys sort in offset order. Each event log (a Kafka cluster, an
 * in-process log) has its own folder, so results of different logs never mix.
 *
 * @example
 * partialKey({ topic: 'sensor_data', log: 'kafka.q1w2', partition: 0, firstOffset: 0, lastOffset: 99 });
 * // 'results/stream/partials/sensor_data@kafka.q1w2/0/00000000000000000000-00000000000000000099.json'
 */
export function partialKey(range: BatchRange): string {
  return `${StreamPrefixes.partials}${rangePath(range)}`;
}

/**
 * The key of a batch's dead letters, named like its partial under `results/stream/dead-letters/`.
 *
 * @example
 * deadLetterKey({ topic: 'sensor_data', partition: 0, firstOffset: 0, lastOffset: 99 });
 */
export function deadLetterKey(range: BatchRange): string {
  return `${StreamPrefixes.deadLetters}${rangePath(range)}`;
}

const keyShape = /^([^/]+)\/(\d+)\/(\d{20})-(\d{20})\.json$/;

/**
 * Reads the source, partition and offset range back from a partial's or dead-letter object's key,
 * or `undefined` for a key that is not one. A key written before sources were recorded
 * (`<topic>/<partition>/...`) reads with `log` undefined.
 *
 * @example
 * parseBatchKey('results/stream/partials/sensor_data@kafka.q1w2/2/00000000000000000100-00000000000000000199.json', StreamPrefixes.partials);
 * // { topic: 'sensor_data', log: 'kafka.q1w2', partition: 2, firstOffset: 100, lastOffset: 199 }
 */
export function parseBatchKey(key: string, prefix: string): BatchRange | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = keyShape.exec(key.slice(prefix.length));
  const source = m === null ? undefined : parseSourceName(m[1]!);
  if (m === null || source === undefined) return undefined;
  return { topic: source.topic, log: source.log, partition: Number(m[2]), firstOffset: Number(m[3]), lastOffset: Number(m[4]) };
}

/** The dead letters of one batch of one topic-partition, as written. */
export interface DeadLetterFile extends BatchRange {
  readonly version: 1;
  readonly deadLetters: readonly DeadLetter[];
}

/** An object to write: its key and its exact bytes (as text). */
export interface StreamObject {
  readonly key: string;
  readonly body: string;
}

/** What a batch held besides its readings, counted while its objects are made (for logs and metrics). */
export interface StreamObjectCounts {
  deadLetters: number;
  anomalies: number;
}

/** Where a batch's records came from, and which event times they may carry. */
export interface BatchContext {
  /** The event log's identity; every key the batch writes names it (see partialKey). */
  readonly log?: string | undefined;
  /** @default DefaultTimeBounds */
  readonly time?: TimeBounds;
}

/**
 * The objects a batch of `sensor_data` records writes: for each topic-partition in it, the dead
 * letters (when there are any) and then the partial, under the folder of the batch's source
 * (`<topic>@<log>`). Pure and deterministic: the same records always give the same keys and the
 * same bytes, so a replayed batch rewrites identical objects. `counts`, when given, is increased
 * by the batch's dead letters and anomalies.
 *
 * @example
 * for (const { key, body } of streamObjects(records, DefaultLimits, undefined, { log: 'kafka.q1w2' })) await store.put(key, body);
 */
export function streamObjects(records: readonly StreamInput[], limits: Limits = DefaultLimits, counts?: StreamObjectCounts, context: BatchContext = {}): StreamObject[] {
  const log = context.log;
  const objects: StreamObject[] = [];
  for (const members of byPartition(records).values()) {
    const { partial, deadLetters } = aggregatePartition(members, limits, context.time ?? DefaultTimeBounds);
    if (counts !== undefined) {
      counts.deadLetters += deadLetters.length;
      counts.anomalies += partial.anomalies.length;
    }
    const range = rangeOf(partial, log);
    if (deadLetters.length > 0) {
      const file: DeadLetterFile = { version: 1, ...range, deadLetters };
      objects.push({ key: deadLetterKey(range), body: `${JSON.stringify(file)}\n` });
    }
    objects.push({ key: partialKey(range), body: `${JSON.stringify(log === undefined ? partial : { ...partial, log })}\n` });
  }
  return objects;
}

/**
 * The records of each topic-partition, in the order they come. A function of its own: its loop
 * runs in code compiled while it first ran (on-stack replacement), which knows nothing of what
 * follows the loop and, in the caller, gave the rest up to the interpreter on every batch.
 */
function byPartition(records: readonly StreamInput[]): ReadonlyMap<string, StreamInput[]> {
  const groups = new Map<string, StreamInput[]>();
  let group: StreamInput[] | undefined;
  for (const record of records) {
    // records come grouped by partition: look the group up only when the partition changes
    if (group === undefined || group[0]!.partition !== record.partition || group[0]!.topic !== record.topic) {
      const id = `${record.topic}\u0000${record.partition}`;
      group = groups.get(id);
      if (group === undefined) groups.set(id, (group = []));
    }
    group.push(record);
  }
  return groups;
}

const rangeOf = (p: BatchPartial, log: string | undefined): BatchRange => ({ topic: p.topic, ...(log === undefined ? {} : { log }), partition: p.partition, firstOffset: p.firstOffset, lastOffset: p.lastOffset });
