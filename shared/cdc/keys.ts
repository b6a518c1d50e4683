/**
 * Where the CDC function keeps things, all under the models area (one bucket, one IAM grant), one
 * folder per source: a topic of one event log, `<source>` = `<topic>@<log>` (shared/names.ts), so
 * that the state and model of one log are never continued, read or deleted from another's:
 *
 * ```
 * models/<name>/current/<source>.json                                the model of the source (If-Match)
 * models/<name>/versions/<source>/<n>.json                            every model version
 * models/<name>/state/<source>/manifests/<partition>.json             a partition's statistics, offsets, gaps, chunk index and journal refs (If-Match)
 * models/<name>/state/<source>/partitions/<p>/index/<v>-<id>.json                which chunk holds which key-hash prefix (immutable)
 * models/<name>/state/<source>/partitions/<p>/chunks/p<bits>/<v>-<id>.bin       rows whose key hash starts with <bits> (immutable)
 * models/<name>/state/<source>/partitions/<p>/journal/<v>-<id>.bin               rows changed since the last fold (immutable)
 * models/<name>/state/<source>/partitions/<p>/key-offsets/<v>-<id>.json           while a gap is open: the offset of each key's last change above it (immutable)
 * models/<name>/dead-letter/<source>/<partition>/<offset>.json        a record that could not be used, with the reason
 * ```
 * Immutable objects are named by the state version that wrote them and 64 random bits, so racing
 * writers of one version never collide and none overwrites an object a committed manifest points
 * to; what the loser of a race wrote is never referenced, and is swept. The layout before sources were recorded (`models/<name>/current.json`,
 * `state/<topic>/...`) is left alone and read only by `model show` (see docs/cdc.md).
 */
import { padOffset } from '../offsets.js';
import { parseSourceName, sourceName, type Source } from '../names.js';
import type { ObjectStore } from '../ports/object-store.js';

/**
 * The object keys of one model's CDC state for the records of one event log.
 *
 * @example
 * const keys = cdcKeys('response', 'kafka.q1w2');
 * keys.manifest('customer_updates', 0); // 'models/response/state/customer_updates@kafka.q1w2/manifests/0.json'
 * keys.current('customer_updates'); // 'models/response/current/customer_updates@kafka.q1w2.json'
 */
export function cdcKeys(modelName: string, log: string) {
  const model = `models/${modelName}`;
  // the topic and log are checked before they become a key segment (sourceName throws on a bad one)
  const source = (topic: string) => sourceName({ topic, log });
  const state = (topic: string) => `${model}/state/${source(topic)}`;
  const partition = (topic: string, p: number) => `${state(topic)}/partitions/${p}`;
  return {
    model,
    log,
    current: (topic: string) => `${model}/current/${source(topic)}.json`,
    version: (topic: string, n: number) => `${model}/versions/${source(topic)}/${n}.json`,
    manifests: (topic: string) => `${state(topic)}/manifests/`,
    manifest: (topic: string, p: number) => `${state(topic)}/manifests/${p}.json`,
    partitionPrefix: (topic: string, p: number) => `${partition(topic, p)}/`,
    chunk: (topic: string, p: number, bits: string, version: number, id: string) => `${partition(topic, p)}/chunks/p${bits}/${version}-${id}.bin`,
    journal: (topic: string, p: number, version: number, id: string) => `${partition(topic, p)}/journal/${version}-${id}.bin`,
    chunkIndex: (topic: string, p: number, version: number, id: string) => `${partition(topic, p)}/index/${version}-${id}.json`,
    keyOffsets: (topic: string, p: number, version: number, id: string) => `${partition(topic, p)}/key-offsets/${version}-${id}.json`,
    deadLetters: (topic: string) => `${model}/dead-letter/${source(topic)}/`,
    deadLetter: (topic: string, p: number, offset: number) => `${model}/dead-letter/${source(topic)}/${p}/${padOffset(offset)}.json`,
  } as const;
}

export type CdcKeys = ReturnType<typeof cdcKeys>;

/**
 * The key of the model written before sources were recorded: one per model name, whatever log
 * its events came from. Read by `model show` only, never written.
 *
 * @example
 * legacyModelKey('response'); // 'models/response/current.json'
 */
export function legacyModelKey(modelName: string): string {
  return `models/${modelName}/current.json`;
}

/**
 * The sources a model has been published for, from the keys under `models/<name>/current/`.
 *
 * @example
 * modelSourceOf('response', 'models/response/current/customer_updates@kafka.q1w2.json'); // { topic: 'customer_updates', log: 'kafka.q1w2' }
 */
export function modelSourceOf(modelName: string, key: string): Source | undefined {
  const prefix = `models/${modelName}/current/`;
  if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
  const source = parseSourceName(key.slice(prefix.length, -'.json'.length));
  return source?.log === undefined ? undefined : source;
}

/** A source a model has been published for: the key of its current model and when it was written. */
export interface ModelSourceInfo {
  readonly source: Source;
  readonly key: string;
  readonly lastModified: Date | undefined;
}

/**
 * The sources (topic and event log) a model has been published for in `store`, in name order.
 *
 * @example
 * await modelSources(store, 'response'); // [{ source: { topic: 'customer_updates', log: 'kafka.q1w2' }, key: 'models/response/current/customer_updates@kafka.q1w2.json', ... }]
 */
export async function modelSources(store: ObjectStore, modelName: string): Promise<ModelSourceInfo[]> {
  const found: ModelSourceInfo[] = [];
  for (const object of await store.list(`models/${modelName}/current/`)) {
    const source = modelSourceOf(modelName, object.key);
    if (source !== undefined) found.push({ source, key: object.key, lastModified: object.lastModified });
  }
  return found;
}
