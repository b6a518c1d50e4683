import * as aq from 'arquero';
import { NOT_A_DATE, parseDateBytes, parseFloat64, parseInt32, type Column, type ColumnType, type CsvData, type StringColumn } from '../csv/index.js';
import { describeColumn, gather, isConstant, tableArray, type Values } from './columns.js';
import { buildFeatures } from './encode.js';
import type { CleanResult, ColumnReport } from './report.js';
import { markDuplicates, RowLedger } from './rows.js';
import { median } from './stats.js';

/** String columns with at most this many distinct values are one-hot encoded in the features; others (names, free text) are left out. */
export const MAX_ONE_HOT_LEVELS = 20;

const encoder = new TextEncoder();

/**
 * The narrowest type that reads every value of a string column: int, then float, then date,
 * else string. A column with no values at all stays string. Each distinct value is parsed once.
 * Rows in `skip` (unreadable rows, which are quarantined anyway) do not vote.
 *
 * @example
 * inferType(column); // 'float' when the values are '1', '2.5', '3'
 */
export function inferType(column: StringColumn, skip?: ReadonlyMap<number, unknown>): ColumnType {
  let int = true;
  let float = true;
  let date = true;
  let any = false;
  const used = usedCodes(column, skip);
  column.dictionary.forEach((text, code) => {
    if (used[code] === 0) return;
    any = true;
    const bytes = encoder.encode(text);
    if (int && Number.isNaN(parseInt32(bytes, 0, bytes.length))) int = false;
    if (float && Number.isNaN(parseFloat64(bytes, 0, bytes.length))) float = false;
    if (date && parseDateBytes(bytes, 0, bytes.length) === NOT_A_DATE) date = false;
  });
  if (!any) return 'string';
  return int ? 'int' : float ? 'float' : date ? 'date' : 'string';
}

/** Which dictionary entries some row (not in `skip`) uses. */
function usedCodes(column: StringColumn, skip?: ReadonlyMap<number, unknown>): Uint8Array {
  const used = new Uint8Array(column.dictionary.length);
  for (let r = 0; r < column.codes.length; r++) if (column.nulls[r] === 0 && !skip?.has(r)) used[column.codes[r]!] = 1;
  return used;
}

/**
 * Converts a string column to `type` (which {@link inferType} found reads every value), parsing
 * each distinct value once.
 *
 * @example
 * retype(column, 'int'); // { type: 'int', values: Int32Array [...], ... }
 */
export function retype(column: StringColumn, type: ColumnType): Column {
  if (type === 'string') return column;
  // a value that does not parse (only in a skipped row) becomes null: that row is quarantined anyway
  const parse = type === 'int' ? parseInt32 : type === 'float' ? parseFloat64 : parseDateBytes;
  const parsed = column.dictionary.map((text) => {
    const bytes = encoder.encode(text);
    return parse(bytes, 0, bytes.length);
  });
  const values = type === 'float' ? new Float64Array(column.codes.length) : new Int32Array(column.codes.length);
  const nulls = column.nulls.slice();
  for (let r = 0; r < values.length; r++) {
    if (nulls[r] === 1) continue;
    const v = parsed[column.codes[r]!]!;
    if (Number.isNaN(v) || v === NOT_A_DATE) nulls[r] = 1;
    else values[r] = v;
  }
  const base = { name: column.name, nulls, nullCount: column.nullCount };
  return type === 'float' ? { ...base, type, values: values as Float64Array } : { ...base, type, values: values as Int32Array };
}

/**
 * `--schema auto`, for any CSV read with every column as strings: infers each column's type,
 * quarantines unreadable rows, drops exact duplicate rows (the first stays), imputes missing
 * values (numeric and date columns: the median over the rows kept, the lower middle value for
 * whole numbers so they stay whole; string columns: the most frequent value, ties to the
 * smallest), drops constant columns, and builds the features table (numeric columns
 * standardised, string columns with at most {@link MAX_ONE_HOT_LEVELS} values one-hot encoded).
 *
 * @example
 * const data = readCsv(bytes, { source, otherColumns: 'string' });
 * const { table, report } = cleanAuto(data);
 */
export function cleanAuto(data: CsvData): CleanResult {
  const ledger = new RowLedger(data);
  ledger.quarantineUnreadable();
  const columns = data.columns.map((c) => (c.type === 'string' ? retype(c, inferType(c, data.errors)) : c));
  markDuplicates(ledger, columns);

  const kept = ledger.kept();
  const cleaned = columns.map((c) => ({ name: c.name, values: gather(c, kept), nullsBefore: c.nullCount }));
  const imputed: Record<string, number> = {};
  for (const { name, values } of cleaned) {
    const filled = imputeMiddle(values);
    if (filled > 0) imputed[name] = filled;
  }
  const droppedColumns = cleaned.filter((c) => isConstant(c.values)).map((c) => c.name);
  const output = cleaned.filter((c) => !droppedColumns.includes(c.name));
  const table = aq.table(new Map(output.map((c) => [c.name, tableArray(c.values)])));

  const features = buildFeatures({
    rows: kept.length,
    numeric: output.filter((c) => c.values.type === 'int' || c.values.type === 'float').map((c) => ({ name: c.name, values: c.values.values as ArrayLike<number> })),
    categorical: output.flatMap((c) => {
      if (c.values.type !== 'string') return [];
      const { values, dictionary } = c.values;
      const levels = new Set<number>();
      for (const code of values) if (levels.add(code).size > MAX_ONE_HOT_LEVELS) return [];
      return [{ name: c.name, codes: values, dictionary }];
    }),
  });

  const report: Record<string, ColumnReport> = {};
  for (const { name, values, nullsBefore } of cleaned) report[name] = describeColumn(values, nullsBefore, { dropped: droppedColumns.includes(name) });
  return {
    schema: 'auto',
    table,
    features: features.table,
    rejects: ledger.rejects(),
    report: {
      rowsIn: ledger.rowsIn,
      rowsOut: kept.length,
      duplicatesRemoved: ledger.duplicates,
      quarantined: ledger.quarantined,
      quarantinedByReason: ledger.quarantinedByReason,
      imputed,
      droppedColumns,
      constantColumnsKept: [],
      columns: report,
      features: features.report,
    },
  };
}

/**
 * Fills a column's nulls in place: numbers and dates with the median (lower middle for whole
 * numbers and dates), strings with the mode. Returns how many were filled; 0 when the column has
 * no values to take a middle from.
 *
 * @example
 * imputeMiddle({ type: 'int', values: Int32Array.of(1, 0, 4, 9), nulls: Uint8Array.of(0, 1, 0, 0) }); // 1, values[1] = 4
 */
export function imputeMiddle(column: Values): number {
  const { nulls } = column;
  let present = 0;
  for (let i = 0; i < nulls.length; i++) if (nulls[i] === 0) present++;
  if (present === 0 || present === nulls.length) return 0;
  let fill: number;
  if (column.type === 'string') {
    const counts = new Int32Array(column.dictionary.length);
    for (let i = 0; i < nulls.length; i++) if (nulls[i] === 0) counts[column.values[i]!]!++;
    let best = -1;
    counts.forEach((count, code) => {
      if (count === 0) return;
      if (best < 0 || count > counts[best]! || (count === counts[best] && column.dictionary[code]! < column.dictionary[best]!)) best = code;
    });
    fill = best;
  } else {
    const values = new Float64Array(present);
    let j = 0;
    for (let i = 0; i < nulls.length; i++) if (nulls[i] === 0) values[j++] = column.values[i]!;
    if (column.type === 'float') fill = median(values);
    else {
      values.sort();
      fill = values[(present - 1) >> 1]!;
    }
  }
  for (let i = 0; i < nulls.length; i++) {
    if (nulls[i] === 0) continue;
    column.values[i] = fill;
    nulls[i] = 0;
  }
  return nulls.length - present;
}
