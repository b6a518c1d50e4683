/**
 * Small numeric helpers over typed arrays, shared by the schemas. All are deterministic: the same
 * values in the same order give the same bits.
 */
import { selectKth } from '../select.js';

/**
 * The median of `values` (the mean of the two middle values for an even count); NaN when empty.
 * Sorts a copy.
 *
 * @example
 * median(Float64Array.of(3, 1, 2, 10)); // 2.5
 */
export function median(values: Float64Array): number {
  if (values.length === 0) return NaN;
  // selection, not a sort: linear time on a copy (a 1M-value sort was most of the imputation's cost)
  const work = values.slice();
  const mid = work.length >> 1;
  const upper = selectKth(work, mid);
  if (work.length % 2 === 1) return upper;
  // after selecting `mid`, every value before it is at most it: the lower middle is their maximum
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (work[i]! > lower) lower = work[i]!;
  return (lower + upper) / 2;
}

/**
 * Mean and population standard deviation (two passes, for accuracy).
 *
 * @example
 * meanStd(Float64Array.of(1, 2, 3, 4)); // { mean: 2.5, std: 1.118... }
 */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  // the loops run over one array type only (Float64Array): shared by Int32Array and Float64Array
  // callers, they ran several times slower; the copy costs less than that
  const v = values instanceof Float64Array ? values : new Float64Array(values);
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i]! - mean;
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
  // the loop runs over one array type (Float64Array) and one mask (a column without nulls gets an
  // all-zero one): shared by Int32Array and Float64Array callers, with and without a mask, it ran
  // several times slower; the copies cost less than that
  const v = values instanceof Float64Array ? values : new Float64Array(values);
  return summarise(v, nulls ?? new Uint8Array(v.length));
}

function summarise(values: Float64Array, nulls: Uint8Array): { min: number | null; max: number | null; mean: number | null; nulls: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (nulls[i] === 1) continue;
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  return count === 0 ? { min: null, max: null, mean: null, nulls: n } : { min, max, mean: sum / count, nulls: n - count };
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
