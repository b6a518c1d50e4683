/**
 * The cleaned table as the analyses hold it in memory: the contract's columns (shared/preprocess/
 * features.ts), integers as Int32Array, Income as Float64Array, text as string arrays with their
 * dictionary codes computed once. Built from Parquet bytes or from any arquero table.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { InputError } from '../errors.js';
import { readParquet, textCodesOf } from '../parquet.js';
import { CLEANED_COLUMNS } from '../preprocess/features.js';
import { categories, seedCategories } from './columns.js';

/** The contract's text columns; every other column is numeric. */
export const TEXT_COLUMNS: ReadonlySet<string> = new Set(['Education', 'Marital_Status', 'Dt_Customer']);

/** An arquero column as arquero's Arrow import leaves it (a flechette column or a dictionary view). */
interface ImportedColumn {
  readonly length: number;
  readonly nullCount?: number;
  toArray?(): ArrayLike<unknown>;
  groups?(names: string[]): { keys: ArrayLike<number>; size: number; get: Array<(key: number) => unknown> };
}

/**
 * Turns a table in the cleaned-table shape into the analyses' in-memory form, checking it: every
 * contract column present, no missing values, numbers where numbers belong and text where text
 * belongs. A violation is an {@link InputError} naming `source`, the column and (when one applies)
 * the row. Columns outside the contract are dropped.
 *
 * @example
 * const table = prepareTable(aq.fromArrow(ipcBytes), 'processed/marketing/cleaned.parquet');
 */
export function prepareTable(input: ColumnTable, source: string): ColumnTable {
  const missing = CLEANED_COLUMNS.filter((name) => input.column(name) === undefined);
  if (missing.length > 0) throw new InputError(source, `is not a cleaned table: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const plain = input.isFiltered() || input.isOrdered() ? input.reify() : input;
  const columns: Record<string, Int32Array | Float64Array | string[]> = {};
  const seeds: Array<[string, { codes: ArrayLike<number>; labels: readonly string[] }]> = [];
  for (const name of CLEANED_COLUMNS) {
    const column = plain.column(name) as unknown as ImportedColumn;
    // an array column (the Parquet reader's) is used as it is: arquero's array() would copy it value by value
    const values = Array.isArray(column) || ArrayBuffer.isView(column) ? (column as unknown as ArrayLike<unknown>) : typeof column.toArray === 'function' ? column.toArray() : (plain.array(name) as ArrayLike<unknown>);
    // an Arrow column counts its nulls; a numeric column read as a plain array (the Parquet reader's, when it has nulls) is counted here
    let nulls = column.nullCount ?? 0;
    if (column.nullCount === undefined && !TEXT_COLUMNS.has(name) && !(values instanceof Int32Array || values instanceof Float64Array)) {
      for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) nulls++;
    }
    if (nulls > 0) {
      throw new InputError(source, `column '${name}' has ${nulls} missing value(s); the cleaned table has none`);
    }
    if (TEXT_COLUMNS.has(name)) {
      columns[name] = textColumn(values, name, source);
      const dictionary = column.groups?.([name]);
      const read = textCodesOf(values as object);
      if (dictionary) {
        seeds.push([name, { codes: dictionary.keys, labels: Array.from({ length: dictionary.size }, (_, k) => String(dictionary.get[0]!(k))) }]);
      } else if (read) {
        seeds.push([name, read]);
      }
    } else {
      columns[name] = numericColumn(values, name, source);
    }
  }
  const table = aq.table(columns);
  for (const [name, encoding] of seeds) seedCategories(table.column(name) as object, encoding);
  // the first scan of a text column happens here, on load, not in the first analysis run
  for (const name of TEXT_COLUMNS) categories(table, name);
  return table;
}

function textColumn(values: ArrayLike<unknown>, name: string, source: string): string[] {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string') throw new InputError(source, `column '${name}' has a non-text value (${JSON.stringify(value)}) at row ${i + 1}`);
    out[i] = value;
  }
  return out;
}

function numericColumn(values: ArrayLike<unknown>, name: string, source: string): Int32Array | Float64Array {
  // a view into a larger buffer (Arrow's) is copied, so the table keeps no reference to that buffer
  if (values instanceof Int32Array || values instanceof Float64Array) return values.byteLength === values.buffer.byteLength ? values : values.slice();
  const integers = name !== 'Income';
  const out = integers ? new Int32Array(values.length) : new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    const value = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || (integers && !Number.isInteger(value))) {
      throw new InputError(source, `column '${name}' has ${integers ? 'a non-integer' : 'a non-numeric'} value (${typeof raw === 'bigint' ? raw.toString() : JSON.stringify(raw)}) at row ${i + 1}`);
    }
    out[i] = value;
  }
  return out;
}

/**
 * Reads a cleaned table from Parquet bytes into memory (shared/parquet.ts: parquet-wasm, loaded on
 * first use) and prepares it with {@link prepareTable}. Bytes that are not Parquet are an
 * {@link InputError} naming `source`.
 *
 * @example
 * const table = await readCleanedParquet(bytes, 's3://pipeline/processed/marketing/cleaned.parquet');
 */
export async function readCleanedParquet(bytes: Uint8Array, source: string): Promise<ColumnTable> {
  let table: ColumnTable;
  try {
    table = (await readParquet(bytes)) as ColumnTable;
  } catch (error) {
    throw new InputError(source, `is not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return prepareTable(table, source);
}
