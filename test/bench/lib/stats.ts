/** Small statistics for benchmark repeats. */

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @example
 * median([3, 1, 2]); // 2
 * median([4, 1, 3, 2]); // 2.5
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `ours / theirs`, or null when either is missing or `theirs` is not positive (a ratio column
 * then shows '-' rather than Infinity).
 *
 * @example
 * ratio(5.5, 11); // 0.5  (half the peer's time)
 * ratio(5.5, undefined); // null
 */
export function ratio(ours: number | null | undefined, theirs: number | null | undefined): number | null {
  if (ours === null || ours === undefined || theirs === null || theirs === undefined) return null;
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs <= 0) return null;
  return ours / theirs;
}

/**
 * How far repeated runs spread around their median: `(max - min) / median`, or null for fewer
 * than two values.
 *
 * @example
 * spread([9, 10, 12]); // 0.3  (printed as ±15%)
 * spread([10]); // null
 */
export function spread(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mid = median(values);
  return mid > 0 ? (Math.max(...values) - Math.min(...values)) / mid : null;
}

/**
 * A median with its spread, for tables: `10.3 s ±4%` (half the spread either side).
 *
 * @example
 * withSpread([9.9, 10.3, 10.7], (v) => `${v} s`); // '10.3 s ±4%'
 */
export function withSpread(values: readonly number[], format: (value: number) => string): string {
  const s = spread(values);
  return `${format(median(values))}${s === null ? '' : ` ±${Math.round((s / 2) * 100)}%`}`;
}

/**
 * The first and third quartiles (the middle half of the values lies between them), by the same
 * midpoint rule as {@link median} applied to each half; a noisy machine's outliers do not move them.
 *
 * @example
 * quartiles([1, 2, 3, 4, 100]); // [1.5, 52]
 * quartiles([1, 2, 3, 4, 5, 6, 7, 8]); // [2.5, 6.5]
 */
export function quartiles(values: readonly number[]): [number, number] {
  if (values.length === 0) throw new RangeError('quartiles of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  if (half === 0) return [sorted[0]!, sorted[0]!];
  return [median(sorted.slice(0, half)), median(sorted.slice(sorted.length - half))];
}
