import { mapLimit } from '../concurrency.js';
import { InputError } from '../errors.js';
import { sourceName, type Source } from '../names.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { BatchPartial } from './aggregate.js';
import { chooseCover } from './cover.js';
import { parseBatchKey, StreamPrefixes, type BatchRange, type DeadLetterFile } from './outputs.js';
import { summarize, type StreamStats, type SummaryOptions } from './stats.js';

export interface StreamReadResult extends StreamStats {
  /** Partial objects read (one cover per partition) and found in all. */
  readonly partials: { readonly used: number; readonly found: number };
  /** Offset ranges no cover could include: each would count some records twice; reported, not counted. */
  readonly uncovered: readonly string[];
  /** Every partial object found, with its range and when it was written (the run report draws them). */
  readonly listed: ReadonlyArray<{ readonly range: BatchRange; readonly lastModified: Date | undefined }>;
  /** The dead-letter files read, whole. */
  readonly deadLetterFiles: readonly DeadLetterFile[];
}

/** A source with stream results in a store: its topic and event log, and how many partials it has. */
export interface StreamSourceInfo {
  readonly source: Source;
  readonly partials: number;
  /** When its newest partial was written, where the store says. */
  readonly lastModified: Date | undefined;
}

/**
 * The sources (topic and event log) the streaming function has written results for in `store`,
 * in name order; results written before sources were recorded show as sources without a log.
 *
 * @example
 * await streamSources(store); // [{ source: { topic: 'sensor_data', log: 'kafka.q1w2' }, partials: 412, lastModified }]
 */
export async function streamSources(store: ObjectStore): Promise<StreamSourceInfo[]> {
  const bySource = new Map<string, { source: Source; partials: number; lastModified: Date | undefined }>();
  for (const object of await store.list(StreamPrefixes.partials)) {
    const range = parseBatchKey(object.key, StreamPrefixes.partials);
    if (range === undefined) continue;
    const source = { topic: range.topic, log: range.log };
    const name = sourceName(source);
    const seen = bySource.get(name) ?? { source, partials: 0, lastModified: undefined };
    seen.partials++;
    if (object.lastModified !== undefined && !(seen.lastModified !== undefined && seen.lastModified >= object.lastModified)) seen.lastModified = object.lastModified;
    bySource.set(name, seen);
  }
  return [...bySource.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, info]) => info);
}

/**
 * Reads the streaming function's outputs of one source (a topic of one event log) from `store`
 * and merges them into the stream's statistics: per partition, a set of partials that counts each
 * record exactly once (see `chooseCover`), merged per sensor and minute; the dead letters counted
 * by distinct offset. Other sources' results are never read: two logs' offsets name different
 * records.
 *
 * @example
 * const stats = await readStreamStats(openStore(config, 'results'), { topic: 'sensor_data', log: 'kafka.q1w2' }, { sensor: 's-001' });
 */
export async function readStreamStats(store: ObjectStore, source: Source, options: SummaryOptions = {}): Promise<StreamReadResult> {
  const within = `${sourceName(source)}/`;
  const found = (await store.list(`${StreamPrefixes.partials}${within}`))
    .map((o) => ({ key: o.key, range: parseBatchKey(o.key, StreamPrefixes.partials), lastModified: o.lastModified }))
    .filter((o): o is { key: string; range: BatchRange; lastModified: Date | undefined } => o.range !== undefined);
  const byPartition = new Map<string, Array<BatchRange & { key: string }>>();
  for (const { key, range } of found) {
    const id = `${range.topic}/${range.partition}`;
    byPartition.set(id, [...(byPartition.get(id) ?? []), { ...range, key }]);
  }
  const chosen: string[] = [];
  const uncovered: string[] = [];
  for (const ranges of byPartition.values()) {
    const cover = chooseCover(ranges);
    chosen.push(...cover.chosen.map((r) => r.key));
    uncovered.push(...cover.uncovered.map((r) => r.key));
  }
  const partials = await mapLimit(chosen, 16, async (key) => readJson<BatchPartial>(store, key));

  const deadLetterKeys = (await store.list(`${StreamPrefixes.deadLetters}${within}`)).map((o) => o.key).filter((k) => parseBatchKey(k, StreamPrefixes.deadLetters));
  const files = await mapLimit(deadLetterKeys, 16, async (key) => readJson<DeadLetterFile>(store, key));
  const deadOffsets = new Set<string>();
  for (const file of files) for (const d of file.deadLetters) deadOffsets.add(`${d.partition}/${d.offset}`);

  const stats = summarize(
    partials.flatMap((p) => p.windows),
    partials.flatMap((p) => p.anomalies),
    deadOffsets.size,
    options,
  );
  return {
    ...stats,
    partials: { used: chosen.length, found: found.length },
    uncovered,
    listed: found.map(({ range, lastModified }) => ({ range, lastModified })),
    deadLetterFiles: files,
  };
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  const { body } = await store.get(key);
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as T;
  } catch (error) {
    throw new InputError(`${store.name}/${key}`, `is not JSON: ${(error as Error).message}`, { cause: error });
  }
}
