/**
 * Where the CDC function keeps things, all under the models area (one bucket, one IAM grant):
 *
 * ```
 * models/<name>/current.json                                   the merged model (If-Match)
 * models/<name>/versions/<n>.json                               every model version
 * models/<name>/state/<topic>/manifests/<partition>.json        a partition's statistics, offset, chunk index and journal refs (If-Match)
 * models/<name>/state/<topic>/partitions/<p>/index/<v>-<hash>.json            which chunk holds which key-hash prefix (immutable)
 * models/<name>/state/<topic>/partitions/<p>/chunks/p<bits>/<v>-<hash>.json   rows whose key hash starts with <bits> (immutable)
 * models/<name>/state/<topic>/partitions/<p>/journal/<v>-<hash>.json           rows changed since the last fold (immutable)
 * models/<name>/dead-letter/<topic>/<partition>/<offset>.json  a record that could not be used, with the reason
 * ```
 * Immutable objects are named by the state version that wrote them and a hash of their bytes, so a
 * replay writes the same key with the same bytes and a racing writer never overwrites an object a
 * committed manifest points to.
 */

/**
 * The object keys of one model's CDC state.
 *
 * @example
 * const keys = cdcKeys('response');
 * keys.manifest('customer_updates', 0); // 'models/response/state/customer_updates/manifests/0.json'
 */
export function cdcKeys(modelName: string) {
  const model = `models/${modelName}`;
  const state = (topic: string) => `${model}/state/${topic}`;
  const partition = (topic: string, p: number) => `${state(topic)}/partitions/${p}`;
  return {
    current: `${model}/current.json`,
    version: (n: number) => `${model}/versions/${n}.json`,
    manifests: (topic: string) => `${state(topic)}/manifests/`,
    manifest: (topic: string, p: number) => `${state(topic)}/manifests/${p}.json`,
    partitionPrefix: (topic: string, p: number) => `${partition(topic, p)}/`,
    chunk: (topic: string, p: number, bits: string, version: number, hash: string) => `${partition(topic, p)}/chunks/p${bits}/${version}-${hash}.json`,
    journal: (topic: string, p: number, version: number, hash: string) => `${partition(topic, p)}/journal/${version}-${hash}.json`,
    chunkIndex: (topic: string, p: number, version: number, hash: string) => `${partition(topic, p)}/index/${version}-${hash}.json`,
    deadLetter: (topic: string, p: number, offset: number) => `${model}/dead-letter/${topic}/${p}/${String(offset).padStart(20, '0')}.json`,
  } as const;
}

export type CdcKeys = ReturnType<typeof cdcKeys>;
