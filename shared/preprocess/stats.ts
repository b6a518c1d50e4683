/**
 * Small numeric helpers over typed arrays, shared by the schemas. All are deterministic: the same
 * values in the same order give the same bits.
 */

/**
 * The median of `values` (the mean of the two middle values for an even count); NaN when empty.
 * Sorts a copy.
 *
 * @example
 * median(Float64Array.of(3, 1, 2, 10)); // 2.5
 */
export function median(values: Float64Array): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Mean and population standard deviation (two passes, for accuracy).
 *
 * @example
 * meanStd(Float64Array.of(1, 2, 3, 4)); // { mean: 2.5, std: 1.118... }
 */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / n) };
}

/**
 * Minimum, maximum and mean of the non-null values (`nulls[i] === 1` marks a null); nulls
 * counted. All null when there are no values.
 *
 * @example
 * numericSummary(Int32Array.of(1, 5, 0), Uint8Array.of(0, 0, 1)); // { min: 1, max: 5, mean: 3, nulls: 1 }
 */
export function numericSummary(values: ArrayLike<number>, nulls?: Uint8Array): { min: number | null; max: number | null; mean: number | null; nulls: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (nulls !== undefined && nulls[i] === 1) continue;
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  return count === 0 ? { min: null, max: null, mean: null, nulls: values.length } : { min, max, mean: sum / count, nulls: values.length - count };
}

/**
 * Rounds for reports: 6 decimals keep report.json readable and stable.
 *
 * @example
 * round6(1 / 3); // 0.333333
 */
export function round6(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Number.isInteger(value) ? value : Math.round(value * 1e6) / 1e6;
}
