import { isoDate, type Column } from '../csv/index.js';
import type { ColumnReport } from './report.js';
import { numericSummary, round6 } from './stats.js';

/** A column of the cleaned table while it is being built: typed values of the kept rows. */
export type Values =
  | { readonly type: 'int' | 'date'; readonly values: Int32Array; readonly nulls: Uint8Array }
  | { readonly type: 'float'; readonly values: Float64Array; readonly nulls: Uint8Array }
  /** Dictionary-encoded: `dictionary[values[i]]`, -1 for null. */
  | { readonly type: 'string'; readonly values: Int32Array; readonly dictionary: readonly string[]; readonly nulls: Uint8Array };

/**
 * The values of `rows` (indices into the input) of one input column, in that order.
 *
 * @example
 * gather(data.column('Income')!, ledger.kept()); // { type: 'float', values: Float64Array, nulls }
 */
export function gather(column: Column, rows: Int32Array): Values {
  const nulls = new Uint8Array(rows.length);
  // a row's null without a missing marker is an unreadable field, and such rows are not kept:
  // a column without missing markers has no null to copy
  if (column.nullCount > 0) for (let i = 0; i < rows.length; i++) nulls[i] = column.nulls[rows[i]!]!;
  switch (column.type) {
    case 'string': {
      const values = pick32(column.codes, rows);
      for (let i = 0; i < rows.length; i++) if (nulls[i] === 1) values[i] = -1;
      return { type: 'string', values, dictionary: column.dictionary, nulls };
    }
    case 'float':
      return { type: 'float', values: pick64(column.values, rows), nulls };
    default:
      return { type: column.type, values: pick32(column.values, rows), nulls };
  }
}

// one loop per element type keeps each monomorphic
function pick32(source: Int32Array, rows: Int32Array): Int32Array {
  if (rows.length === source.length) return source.slice();
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = source[rows[i]!]!;
  return out;
}

function pick64(source: Float64Array, rows: Int32Array): Float64Array {
  if (rows.length === source.length) return source.slice();
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = source[rows[i]!]!;
  return out;
}

/** A computed column without nulls. */
export function derived(values: Int32Array): Values {
  return { type: 'int', values, nulls: new Uint8Array(values.length) };
}

/**
 * The array arquero gets for a cleaned column: typed arrays for numbers (so Parquet gets INT32
 * and DOUBLE), ISO strings for dates (each distinct day formatted once), strings as they are.
 *
 * @example
 * tableArray({ type: 'date', values: Int32Array.of(15587), nulls: Uint8Array.of(0) }); // ['2012-09-04']
 */
export function tableArray(column: Values): Int32Array | Float64Array | (string | null)[] {
  if (column.type === 'string') {
    const { values, dictionary } = column;
    const out = new Array<string | null>(values.length);
    for (let i = 0; i < out.length; i++) out[i] = values[i]! < 0 ? null : dictionary[values[i]!]!;
    return out;
  }
  if (column.type !== 'date') return column.values;
  const cache = new Map<number, string>();
  const out = new Array<string | null>(column.values.length);
  for (let i = 0; i < out.length; i++) {
    if (column.nulls[i] === 1) {
      out[i] = null;
      continue;
    }
    const day = column.values[i]!;
    let text = cache.get(day);
    if (text === undefined) cache.set(day, (text = isoDate(day)));
    out[i] = text;
  }
  return out;
}

/**
 * The report entry of a column: type, nulls before (from the input) and after, min, max, mean.
 *
 * @example
 * describeColumn(cleaned.Income, data.column('Income')!.nullCount); // { type: 'float', nullsBefore: 24, nullsAfter: 0, ... }
 */
export function describeColumn(column: Values, nullsBefore: number, flags: { dropped?: boolean; derived?: boolean } = {}): ColumnReport {
  const marks = { ...(flags.dropped ? { dropped: true as const } : {}), ...(flags.derived ? { derived: true as const } : {}) };
  if (column.type === 'string') {
    const seen = new Uint8Array(column.dictionary.length);
    let nulls = 0;
    let distinct = 0;
    for (const code of column.values) {
      if (code < 0) nulls++;
      else if (seen[code] === 0) {
        seen[code] = 1;
        distinct++;
      }
    }
    return { type: 'string', nullsBefore, nullsAfter: nulls, min: null, max: null, mean: null, distinct, ...marks };
  }
  const summary = numericSummary(column.values, column.nulls);
  if (column.type === 'date') {
    return {
      type: 'date',
      nullsBefore,
      nullsAfter: summary.nulls,
      min: summary.min === null ? null : isoDate(summary.min),
      max: summary.max === null ? null : isoDate(summary.max),
      mean: null,
      ...marks,
    };
  }
  return { type: column.type, nullsBefore, nullsAfter: summary.nulls, min: summary.min, max: summary.max, mean: round6(summary.mean), ...marks };
}

/**
 * Whether a column is constant: one value (missing counts as a value) over at least two rows.
 * With fewer rows nothing can be told apart, so no column is called constant.
 *
 * @example
 * isConstant(derived(Int32Array.of(3, 3, 3))); // true
 */
export function isConstant(column: Values): boolean {
  const n = column.nulls.length;
  if (n < 2) return false;
  for (let i = 1; i < n; i++) {
    if (column.nulls[i] !== column.nulls[0]) return false;
    if (column.nulls[i] === 0 && column.values[i] !== column.values[0]) return false;
  }
  return true;
}
