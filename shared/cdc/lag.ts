/**
 * How long change events took to reach the model: for each event a published version includes,
 * the time from the event's timestamp on the log to the publish. A version keeps a small digest
 * of its events' lags (not every lag), and digests merge, so the run report can give the p50 and
 * p99 over any range of versions without reading the events again.
 *
 * The digest is a histogram over logarithmic buckets, each 2% wider than the one before: a
 * quantile read from it is within 2% of the exact one, and a version's digest holds one entry per
 * distinct bucket (a batch's events arrive close together, so a handful), whatever the batch size.
 */

/** A mergeable summary of lags in milliseconds. */
export interface LagDigest {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** Events per bucket, as `[bucket, count]` pairs in bucket order; see {@link lagBucket}. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
}

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

/**
 * The bucket of a lag: 0 holds lags up to 1 ms, bucket k > 0 those in (1.02^(k-1), 1.02^k] ms.
 * A negative lag (clocks apart) counts as 0.
 *
 * @example
 * lagBucket(0.4); // 0
 * lagBucket(100); // 233
 */
export function lagBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / LOG_GROWTH - 1e-9);
}

/** The largest lag a bucket holds. */
const upperBound = (bucket: number): number => (bucket === 0 ? 1 : GROWTH ** bucket);

/**
 * The digest of a list of lags, or undefined for none.
 *
 * @example
 * lagDigest([120, 80, 95]); // { count: 3, min: 80, max: 120, buckets: [[222, 1], [230, 1], [242, 1]] }
 */
export function lagDigest(lags: readonly number[]): LagDigest | undefined {
  if (lags.length === 0) return undefined;
  const counts = new Map<number, number>();
  let min = Infinity;
  let max = -Infinity;
  for (const raw of lags) {
    const ms = Math.max(0, raw);
    if (ms < min) min = ms;
    if (ms > max) max = ms;
    const bucket = lagBucket(ms);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return { count: lags.length, min, max, buckets: [...counts].sort((a, b) => a[0] - b[0]) };
}

/**
 * Two digests as one, as if their lags had been digested together.
 *
 * @example
 * mergeLag(lagDigest([10])!, lagDigest([20, 30])!).count; // 3
 */
export function mergeLag(a: LagDigest, b: LagDigest): LagDigest {
  const counts = new Map<number, number>(a.buckets.map(([bucket, n]) => [bucket, n]));
  for (const [bucket, n] of b.buckets) counts.set(bucket, (counts.get(bucket) ?? 0) + n);
  return { count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), buckets: [...counts].sort((x, y) => x[0] - y[0]) };
}

/**
 * The lag below which a share `q` (0 to 1) of the events fall: the nearest-rank quantile, read as
 * the upper bound of its bucket and kept within the digest's min and max (so within 2% of the
 * exact value).
 *
 * @example
 * lagQuantile(lagDigest([10, 20, 30, 40])!, 0.5); // about 20
 */
export function lagQuantile(digest: LagDigest, q: number): number {
  const rank = Math.max(1, Math.ceil(q * digest.count));
  let seen = 0;
  for (const [bucket, n] of digest.buckets) {
    seen += n;
    if (seen >= rank) return Math.min(digest.max, Math.max(digest.min, upperBound(bucket)));
  }
  return digest.max;
}
