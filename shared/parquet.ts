/**
 * Parquet I/O for arquero tables. Writing goes through the pipeline's own codec
 * (`parquet-format.ts`); reading too when the file is of the shape it writes, else through
 * `parquet-wasm`, loaded on first use so that code paths without such files (and cold starts) do
 * not pay for the WebAssembly module.
 *
 * Column types are set explicitly, never inferred from values, so the same table shape always
 * gives the same Parquet schema: Int32Array -> INT32, Float64Array -> DOUBLE, strings -> UTF8,
 * other numbers -> DOUBLE, booleans -> BOOLEAN; every column OPTIONAL.
 * Output bytes depend only on the table: no timestamps, a fixed `created_by`.
 */
import type { Table } from 'arquero';
import type * as ParquetWasmModule from 'parquet-wasm/node';
import { decodeParquet, encodeParquet, ROW_GROUP_ROWS, type ParquetColumn, type TextCodes } from './parquet-format.js';

type ParquetWasm = typeof ParquetWasmModule;
let loading: Promise<ParquetWasm> | undefined;
const wasm = (): Promise<ParquetWasm> => (loading ??= import('parquet-wasm/node'));

/**
 * How a table column is written (see the module comment). Typed arrays are passed without copying.
 *
 * @example
 * parquetColumn(aq.table({ name: ['a', null] }), 'name'); // { name: 'name', type: 'UTF8', values: ['a', null] }
 */
export function parquetColumn(table: Table, name: string): ParquetColumn {
  const data = table.column(name) as unknown;
  const direct = !table.isFiltered() && !table.isOrdered();
  if (direct && data instanceof Int32Array) return { name, type: 'INT32', values: data };
  if (direct && data instanceof Float64Array) return { name, type: 'DOUBLE', values: data };
  const values = direct && Array.isArray(data) ? (data as unknown[]) : (table.array(name) as ArrayLike<unknown>);
  if (values instanceof Int32Array) return { name, type: 'INT32', values };
  if (values instanceof Float64Array) return { name, type: 'DOUBLE', values };
  let sample: unknown = null;
  for (let i = 0; i < values.length && (sample === null || sample === undefined); i++) sample = values[i];
  if (typeof sample === 'number') return { name, type: 'DOUBLE', values: values as ArrayLike<number | null> };
  if (typeof sample === 'boolean') return { name, type: 'BOOLEAN', values: values as ArrayLike<boolean | null> };
  return { name, type: 'UTF8', values: values as ArrayLike<string | null> };
}

/**
 * Writes a table as Parquet bytes: row groups of 128k rows, dictionary-encoded columns where few
 * values repeat, others plain, uncompressed (see `parquet-format.ts` for why).
 *
 * @example
 * const bytes = await writeParquet(aq.table({ id: Int32Array.of(1, 2) }));
 */
export async function writeParquet(table: Table): Promise<Uint8Array> {
  return encodeParquet(table.columnNames().map((name) => parquetColumn(table, name)));
}

/** The dictionary codes of text columns {@link readParquet} returned, by column array. */
const readCodes = new WeakMap<object, TextCodes>();

/**
 * The dictionary encoding a text column of a table from {@link readParquet} came with, if any:
 * `labels[codes[row]]` is the row's value.
 *
 * @example
 * const codes = textCodesOf(table.column('Education') as object); // { codes: Int32Array, labels: ['Basic', ...] }
 */
export function textCodesOf(column: object): TextCodes | undefined {
  return readCodes.get(column);
}

/**
 * Reads Parquet bytes into an arquero table: numbers without nulls as Int32Array or Float64Array,
 * other columns as arrays (text columns with their dictionary codes, {@link textCodesOf}).
 *
 * @example
 * const table = await readParquet(bytes);
 * table.numRows();
 */
export async function readParquet(bytes: Uint8Array): Promise<Table> {
  const aq = await import('arquero');
  const decoded = decodeParquet(bytes);
  if (decoded !== undefined) {
    for (const [name, column] of decoded.columns) {
      const codes = decoded.textCodes.get(name);
      if (codes !== undefined) readCodes.set(column, codes);
    }
    return aq.table(new Map(decoded.columns));
  }
  const pw = await wasm();
  // batches as large as the row groups: parquet-wasm's default (1,024 rows) makes 1M rows about
  // 1,000 record batches, several times slower to decode and to hand to arquero.
  // intoIPCStream consumes (and frees) the wasm table
  return aq.fromArrow(pw.readParquet(bytes, { batchSize: ROW_GROUP_ROWS }).intoIPCStream());
}
