/**
 * Column kernels: grouping and aggregation over typed arrays in single passes, with no per-row
 * objects. Every analysis is built from these (see `columns.ts` for why not arquero's rollup).
 */
import { selectKth } from '../select.js';
import type { Categories, Numbers } from './columns.js';

const ranges = new WeakMap<Numbers, { readonly min: number; readonly max: number }>();

/**
 * The smallest and largest value of a column, kept with the column (like a Parquet column's
 * statistics): the analyses never change a column once it is in memory.
 *
 * @example
 * valueRange(Int32Array.of(3, -1, 7)); // { min: -1, max: 7 }
 */
export function valueRange(values: Numbers): { readonly min: number; readonly max: number } {
  let range = ranges.get(values);
  if (range === undefined) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      min = v < min ? v : min;
      max = v > max ? v : max;
    }
    ranges.set(values, (range = { min, max }));
  }
  return range;
}

/** Each row's group (`ids[row]` in 0..size-1) and the label of each group slot. */
export interface Grouping {
  readonly ids: Int32Array;
  readonly size: number;
  /** One label per group slot; slots may be empty (count 0). */
  readonly labels: readonly string[];
}

/**
 * Everything in one group.
 *
 * @example
 * single(3, 'all').ids; // Int32Array [0, 0, 0]
 */
export function single(rows: number, label: string): Grouping {
  return { ids: new Int32Array(rows), size: 1, labels: [label] };
}

/**
 * Groups by a dictionary-encoded column; slots follow the sorted labels.
 *
 * @example
 * byCategory({ codes: Int32Array.of(1, 0), labels: ['a', 'b'] }).labels; // ['a', 'b']
 */
export function byCategory(categories: Categories): Grouping {
  return { ids: categories.codes, size: categories.labels.length, labels: categories.labels };
}

/** Bands of a numeric column: band i holds values in [breaks[i-1], breaks[i]). */
export interface Bands {
  readonly breaks: readonly number[];
  /** One more label than breaks. */
  readonly labels: readonly string[];
}

/**
 * Groups by the band each value falls in.
 *
 * @example
 * byBands(Float64Array.of(5, 50), { breaks: [10], labels: ['<10', '10+'] }).ids; // Int32Array [0, 1]
 */
export function byBands(values: Numbers, bands: Bands): Grouping {
  const { breaks } = bands;
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let band = 0;
    while (band < breaks.length && value >= breaks[band]!) band++;
    ids[i] = band;
  }
  return { ids, size: breaks.length + 1, labels: bands.labels };
}

/**
 * Groups by the distinct values of an integer column, in ascending order (labels are the values).
 *
 * @example
 * byInteger(Int32Array.of(2, 0, 2)).labels; // ['0', '1', '2'] (slot '1' is empty)
 */
export function byInteger(values: Numbers): Grouping {
  const { min, max } = valueRange(values);
  if (values.length === 0) return { ids: new Int32Array(0), size: 0, labels: [] };
  if (!Number.isInteger(min) || !Number.isInteger(max) || max - min > 1_000_000) {
    throw new RangeError(`byInteger needs integers in a range of at most 1,000,000, got ${min}..${max}`);
  }
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) ids[i] = values[i]! - min;
  const size = max - min + 1;
  return { ids, size, labels: Array.from({ length: size }, (_, k) => String(min + k)) };
}

/**
 * The product of two groupings: slot `a * b.size + b`, labelled `'<a> / <b>'`.
 *
 * @example
 * cross(single(2, 'x'), single(2, 'y')).labels; // ['x / y']
 */
export function cross(a: Grouping, b: Grouping, separator = ' / '): Grouping {
  const ids = new Int32Array(a.ids.length);
  for (let i = 0; i < ids.length; i++) ids[i] = a.ids[i]! * b.size + b.ids[i]!;
  const labels: string[] = [];
  for (const left of a.labels) for (const right of b.labels) labels.push(`${left}${separator}${right}`);
  return { ids, size: a.size * b.size, labels };
}

/**
 * Rows per group slot.
 *
 * @example
 * counts(byInteger(Int32Array.of(0, 0, 1))); // Float64Array [2, 1]
 */
export function counts(grouping: Grouping): Float64Array {
  const out = new Float64Array(grouping.size);
  const { ids } = grouping;
  if (grouping.size === 1) {
    out[0] = ids.length;
    return out;
  }
  for (let i = 0; i < ids.length; i++) out[ids[i]!]++;
  return out;
}

/**
 * Sum of `values` per group slot, in row order.
 *
 * @example
 * sums(byInteger(Int32Array.of(0, 0, 1)), Int32Array.of(1, 2, 3)); // Float64Array [3, 3]
 */
export function sums(grouping: Grouping, values: Numbers): Float64Array {
  const { ids, size } = grouping;
  const out = new Float64Array(size);
  if (size === 1) {
    // one group: a register sum, not a store per row
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    out[0] = sum;
    return out;
  }
  // four interleaved sets of sums: consecutive rows of the same group do not wait on each other
  const parts = new Float64Array(size * 4);
  const n = ids.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    parts[ids[i]! * 4] += values[i]!;
    parts[ids[i + 1]! * 4 + 1] += values[i + 1]!;
    parts[ids[i + 2]! * 4 + 2] += values[i + 2]!;
    parts[ids[i + 3]! * 4 + 3] += values[i + 3]!;
  }
  for (; i < n; i++) parts[ids[i]! * 4] += values[i]!;
  for (let g = 0; g < size; g++) out[g] = parts[g * 4]! + parts[g * 4 + 1]! + parts[g * 4 + 2]! + parts[g * 4 + 3]!;
  return out;
}

/**
 * Divides element-wise; a zero denominator gives null (the mean of an empty group).
 *
 * @example
 * ratio(3, 0); // null
 */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/**
 * Quantiles by linear interpolation between order statistics (type 7 of Hyndman and Fan: R's
 * default, numpy's `linear`, DuckDB's `quantile_cont`, arquero's `op.quantile`). Selects instead
 * of sorting: O(n) per quantile on a copy of the values.
 *
 * @example
 * quantiles(Float64Array.of(4, 1, 3, 2), [0.5]); // [2.5]
 */
export function quantiles(values: Numbers, ps: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return ps.map(() => NaN);
  const wanted = ps.map((p) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1], got ${p}`);
    return (n - 1) * p;
  });
  const orderStatistic = values instanceof Int32Array ? countedOrderStatistics(values) : undefined;
  if (orderStatistic) {
    return wanted.map((h) => {
      const lo = Math.floor(h);
      const low = orderStatistic(lo);
      return h === lo ? low : low + (h - lo) * (orderStatistic(lo + 1) - low);
    });
  }
  const work = Float64Array.from(values);
  // select the needed order statistics in increasing order; each selection leaves everything
  // right of its position >= it, so the next one searches only from there
  const needed = [...new Set(wanted.flatMap((h) => [Math.floor(h), Math.min(n - 1, Math.floor(h) + 1)]))].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let left = 0;
  for (const k of needed) {
    selectKth(work, k, left, n - 1);
    at.set(k, work[k]!);
    left = k;
  }
  return wanted.map((h) => {
    const lo = Math.floor(h);
    const low = at.get(lo)!;
    return h === lo ? low : low + (h - lo) * (at.get(lo + 1)! - low);
  });
}

/**
 * Order statistics of integers by counting (two passes, no copy), when their range is small
 * enough for a histogram; undefined otherwise.
 */
function countedOrderStatistics(values: Int32Array): ((k: number) => number) | undefined {
  const { min, max } = valueRange(values);
  if (max - min > 4 * values.length + 1024) return undefined;
  const cumulative = new Float64Array(max - min + 1);
  for (let i = 0; i < values.length; i++) cumulative[values[i]! - min]++;
  for (let v = 1; v < cumulative.length; v++) cumulative[v] += cumulative[v - 1]!;
  // the k-th smallest (0-based) is the first value whose cumulative count exceeds k
  return (k) => {
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > k) hi = mid;
      else lo = mid + 1;
    }
    return min + lo;
  };
}

/**
 * For each row, how many of `cuts` (ascending) its value exceeds: 0..cuts.length. Integers in a
 * small range go through a lookup table, with no branch per row (a comparison per cut mispredicts
 * on shuffled data and costs ~35 ns a row).
 *
 * @example
 * countAbove(Int32Array.of(5, 25, 45), [10, 20, 30, 40]); // Uint8Array [0, 2, 4]
 */
export function countAbove(values: Numbers, cuts: readonly number[]): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  if (n === 0) return out;
  const above = (v: number) => {
    let k = 0;
    for (const cut of cuts) if (v > cut) k++;
    return k;
  };
  if (values instanceof Int32Array) {
    const { min, max } = valueRange(values);
    if (max - min <= 1 << 20) {
      const lookup = Uint8Array.from({ length: max - min + 1 }, (_, k) => above(min + k));
      for (let i = 0; i < n; i++) out[i] = lookup[values[i]! - min]!;
      return out;
    }
  }
  for (let i = 0; i < n; i++) out[i] = above(values[i]!);
  return out;
}

/**
 * The rows of the `k` largest values, largest first; ties go to the smaller `tieBreak` (an ID).
 * One pass with a sorted buffer of k rows.
 *
 * @example
 * topRows(Int32Array.of(5, 9, 9), Int32Array.of(1, 3, 2), 2); // [2, 1]
 */
export function topRows(values: Numbers, tieBreak: Numbers, k: number): number[] {
  const best: number[] = [];
  const better = (a: number, b: number): boolean =>
    values[a]! > values[b]! || (values[a] === values[b] && tieBreak[a]! < tieBreak[b]!);
  for (let row = 0; row < values.length; row++) {
    if (best.length === k && !better(row, best[k - 1]!)) continue;
    let position = best.length === k ? k - 1 : best.length;
    while (position > 0 && better(row, best[position - 1]!)) position--;
    best.splice(position, 0, row);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Pearson correlation of every pair of columns, in one pass over the rows.
 * A constant column correlates as null.
 *
 * @example
 * correlationMatrix([Float64Array.of(1, 2, 3), Float64Array.of(2, 4, 7)])[0][1]; // 0.993...
 */
export function correlationMatrix(columns: readonly Numbers[]): (number | null)[][] {
  const m = columns.length;
  const n = m === 0 ? 0 : columns[0]!.length;
  // One pass. Values are shifted by the mean of the first rows (close to the true mean, so the
  // sums stay small), and the centred products are recovered exactly as P_ab - S_a * S_b / n.
  // Rows go in blocks: each column's shifted values for a block sit in a small Float64 buffer that
  // stays in cache, and every pair's products are summed from the buffers.
  const shifts = columns.map((column) => {
    const size = Math.min(n, BLOCK);
    let sum = 0;
    for (let i = 0; i < size; i++) sum += column[i]!;
    return size === 0 ? 0 : sum / size;
  });
  const block = new Float64Array(m * BLOCK);
  const sums = new Float64Array(m);
  const products = new Float64Array(m * m);
  for (let start = 0; start < n; start += BLOCK) {
    const size = Math.min(BLOCK, n - start);
    for (let a = 0; a < m; a++) sums[a] += shiftInto(block, a * BLOCK, columns[a]!, start, size, shifts[a]!);
    for (let a = 0; a < m; a++) {
      for (let b = a; b < m; b++) products[a * m + b] += dot(block, a * BLOCK, b * BLOCK, size);
    }
  }
  const centred = (a: number, b: number) => products[a * m + b]! - (sums[a]! * sums[b]!) / n;
  return Array.from({ length: m }, (_, a) =>
    Array.from({ length: m }, (_, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const xx = centred(lo, lo);
      const yy = centred(hi, hi);
      // a constant column: its centred square sum is 0 up to rounding of the shifted sums
      if (!(xx > 1e-12 * products[lo * m + lo]! && yy > 1e-12 * products[hi * m + hi]!)) return null;
      return a === b ? 1 : Math.max(-1, Math.min(1, centred(lo, hi) / Math.sqrt(xx * yy)));
    }),
  );
}

/** Rows per block of {@link correlationMatrix}: six columns of it fit in L2 cache. */
const BLOCK = 4096;

/** Writes `values[start..start+size) - shift` at `out[at..]`, zero-padded to a multiple of 4; returns their sum. */
function shiftInto(out: Float64Array, at: number, values: Numbers, start: number, size: number, shift: number): number {
  let sum = 0;
  for (let i = 0; i < size; i++) sum += out[at + i] = values[start + i]! - shift;
  out.fill(0, at + size, at + roundUp4(size));
  return sum;
}

const roundUp4 = (n: number) => (n + 3) & ~3;

/** Sum of products over a multiple of 4 values (the buffers are zero-padded: no tail loop to deoptimise on). */
function dot(buffer: Float64Array, a: number, b: number, size: number): number {
  // four partial sums: independent additions instead of one chain
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = roundUp4(size);
  for (let i = 0; i < end; i += 4) {
    s0 += buffer[a + i]! * buffer[b + i]!;
    s1 += buffer[a + i + 1]! * buffer[b + i + 1]!;
    s2 += buffer[a + i + 2]! * buffer[b + i + 2]!;
    s3 += buffer[a + i + 3]! * buffer[b + i + 3]!;
  }
  return s0 + s1 + s2 + s3;
}
