import { padOffset } from '../offsets.js';
import { aggregatePartition, DefaultLimits, type BatchPartial, type DeadLetter, type Limits, type StreamInput } from './aggregate.js';

/** Where the streaming function writes, in the `results` area. */
export const StreamPrefixes = {
  partials: 'results/stream/partials/',
  deadLetters: 'results/stream/dead-letters/',
} as const;

/** The offset range of one batch of one topic-partition. */
export interface BatchRange {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

const rangePath = (r: BatchRange): string => `${r.topic}/${r.partition}/${padOffset(r.firstOffset)}-${padOffset(r.lastOffset)}.json`;

/**
 * The key of a batch's partial: `results/stream/partials/<topic>/<partition>/<first>-<last>.json`,
 * offsets padded to 20 digits so keys sort in offset order.
 *
 * @example
 * partialKey({ topic: 'sensor_data', partition: 0, firstOffset: 0, lastOffset: 99 });
 * // 'results/stream/partials/sensor_data/0/00000000000000000000-00000000000000000099.json'
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

const keyShape = /^(.+)\/(\d+)\/(\d{20})-(\d{20})\.json$/;

/**
 * Reads the topic, partition and offset range back from a partial's or dead-letter object's key,
 * or `undefined` for a key that is not one.
 *
 * @example
 * parseBatchKey('results/stream/partials/sensor_data/2/00000000000000000100-00000000000000000199.json', StreamPrefixes.partials);
 * // { topic: 'sensor_data', partition: 2, firstOffset: 100, lastOffset: 199 }
 */
export function parseBatchKey(key: string, prefix: string): BatchRange | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = keyShape.exec(key.slice(prefix.length));
  if (m === null) return undefined;
  return { topic: m[1]!, partition: Number(m[2]), firstOffset: Number(m[3]), lastOffset: Number(m[4]) };
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

/**
 * The objects a batch of `sensor_data` records writes: for each topic-partition in it, the dead
 * letters (when there are any) and then the partial. Pure and deterministic: the same records
 * always give the same keys and the same bytes, so a replayed batch rewrites identical objects.
 * `counts`, when given, is increased by the batch's dead letters and anomalies.
 *
 * @example
 * for (const { key, body } of streamObjects(records)) await store.put(key, body);
 */
export function streamObjects(records: readonly StreamInput[], limits: Limits = DefaultLimits, counts?: StreamObjectCounts): StreamObject[] {
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
  const objects: StreamObject[] = [];
  for (const members of groups.values()) {
    const { partial, deadLetters } = aggregatePartition(members, limits);
    if (counts !== undefined) {
      counts.deadLetters += deadLetters.length;
      counts.anomalies += partial.anomalies.length;
    }
    if (deadLetters.length > 0) {
      const file: DeadLetterFile = { version: 1, ...rangeOf(partial), deadLetters };
      objects.push({ key: deadLetterKey(partial), body: `${JSON.stringify(file)}\n` });
    }
    objects.push({ key: partialKey(partial), body: `${JSON.stringify(partial)}\n` });
  }
  return objects;
}

const rangeOf = (p: BatchPartial): BatchRange => ({ topic: p.topic, partition: p.partition, firstOffset: p.firstOffset, lastOffset: p.lastOffset });
