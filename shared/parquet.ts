/**
 * Parquet I/O for arquero tables through `parquet-wasm`, loaded on first use so that code paths
 * without Parquet (and cold starts) do not pay for the WebAssembly module.
 *
 * Column types are set explicitly, never inferred from values, so the same table shape always
 * gives the same Parquet schema: Int32Array -> INT32, Float64Array -> DOUBLE, strings -> UTF8
 * (plain, not dictionary-typed in Arrow), other numbers -> DOUBLE, booleans -> BOOLEAN.
 * Output bytes depend only on the table: no timestamps, a fixed `created_by`.
 */
import type { Table } from 'arquero';
import { ReadableStream } from 'node:stream/web';
import { batchType, bool, Column, columnFromArray, float64, int32, tableFromColumns, tableToIPC, utf8 } from '@uwdata/flechette';
import type * as ParquetWasmModule from 'parquet-wasm/node';

type ParquetWasm = typeof ParquetWasmModule;
let loading: Promise<ParquetWasm> | undefined;
const wasm = (): Promise<ParquetWasm> => (loading ??= import('parquet-wasm/node'));

/** Rows per row group, and per slice handed to the writer: bounds the working memory. */
const ROW_GROUP_ROWS = 128 * 1024;
const SAMPLE_ROWS = 2048;
const MAX_DICTIONARY = 256;

const encoder = new TextEncoder();

/** A table column as Arrow, one row range at a time. */
interface ArrowSource {
  readonly slice: (start: number, end: number) => Column<unknown>;
  /** Few distinct values in the first rows: worth a dictionary page (deterministic, no random sample). */
  readonly dictionary: boolean;
}

/**
 * How a table column is written (see the module comment). Typed arrays are passed without
 * copying; strings are encoded to UTF-8 once per distinct value.
 *
 * @example
 * arrowSource(aq.table({ name: ['a', null] }), 'name').slice(0, 2).type; // utf8
 */
export function arrowSource(table: Table, name: string): ArrowSource {
  const data = table.column(name) as unknown;
  const direct = !table.isFiltered() && !table.isOrdered();
  if (direct && (data instanceof Int32Array || data instanceof Float64Array)) {
    // with no rows, flechette's typed-array path makes no batch and so no type: name the type
    const type = data instanceof Int32Array ? int32() : float64();
    const slice = (start: number, end: number) => (end > start ? columnFromArray(data.subarray(start, end)) : columnFromArray(data.subarray(start, end), type));
    return { slice: slice as ArrowSource['slice'], dictionary: fewDistinct(data) };
  }
  const values = direct && Array.isArray(data) ? (data as unknown[]) : table.array(name);
  let sample: unknown = null;
  for (let i = 0; i < values.length && (sample === null || sample === undefined); i++) sample = values[i];
  if (typeof sample === 'number' || typeof sample === 'boolean') {
    const type = typeof sample === 'boolean' ? bool() : float64();
    return { slice: (start, end) => columnFromArray(values.slice(start, end), type) as Column<unknown>, dictionary: fewDistinct(values) };
  }
  const cache = new Map<string, Uint8Array>();
  return { slice: (start, end) => utf8Column(values as ReadonlyArray<string | null | undefined>, start, end, cache), dictionary: fewDistinct(values) };
}

function fewDistinct(values: ArrayLike<unknown>): boolean {
  const seen = new Set<unknown>();
  const n = Math.min(values.length, SAMPLE_ROWS);
  for (let i = 0; i < n; i++) if (seen.add(values[i]).size > MAX_DICTIONARY) return false;
  return true;
}

/** A UTF-8 Arrow column of `values[start, end)`, built straight into its offsets and bytes. */
function utf8Column(values: ReadonlyArray<string | null | undefined>, start: number, end: number, cache: Map<string, Uint8Array>): Column<unknown> {
  const n = end - start;
  const encoded: (Uint8Array | null)[] = new Array(n);
  let bytes = 0;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = values[start + i];
    if (v === null || v === undefined) {
      encoded[i] = null;
      nullCount++;
      continue;
    }
    let e = cache.get(v);
    if (e === undefined) {
      e = encoder.encode(String(v));
      if (cache.size < 65536) cache.set(v, e);
    }
    encoded[i] = e;
    bytes += e.length;
  }
  const offsets = new Int32Array(n + 1);
  const data = new Uint8Array(bytes);
  const validity = nullCount === 0 ? new Uint8Array(0) : new Uint8Array((n + 7) >> 3);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = encoded[i];
    if (e !== null && e !== undefined) {
      if (e.length < 16) for (let j = 0; j < e.length; j++) data[at + j] = e[j]!;
      else data.set(e, at);
      at += e.length;
      if (nullCount > 0) validity[i >> 3]! |= 1 << (i & 7);
    }
    offsets[i + 1] = at;
  }
  const type = utf8();
  const Batch = batchType(type);
  return new Column([new Batch({ length: n, nullCount, type, validity, offsets, values: data })]);
}

/**
 * Writes a table as Parquet bytes: Snappy pages, row groups of 128k rows, dictionary pages for
 * columns with few distinct values. The table goes to the writer one row group at a time, so the
 * WebAssembly heap holds a slice rather than the whole table.
 *
 * @example
 * const bytes = await writeParquet(aq.table({ id: Int32Array.of(1, 2) }));
 */
export async function writeParquet(table: Table): Promise<Uint8Array> {
  const pw = await wasm();
  const names = table.columnNames();
  const sources = names.map((name) => arrowSource(table, name));
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.SNAPPY)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setCreatedBy('serverless-data-pipeline')
    .setDictionaryEnabled(false);
  names.forEach((name, i) => {
    if (sources[i]!.dictionary) builder = builder.setColumnDictionaryEnabled(name, true);
  });
  const rows = table.numRows();
  const slice = (start: number) => {
    const end = Math.min(rows, start + ROW_GROUP_ROWS);
    const arrow = tableFromColumns(names.map((name, i) => [name, sources[i]!.slice(start, end)] as [string, Column<unknown>]));
    return pw.Table.fromIPCStream(tableToIPC(arrow, { format: 'stream' })!);
  };
  // one row group (or none: a table without rows still needs its schema) is written whole, without a stream
  if (rows <= ROW_GROUP_ROWS) return pw.writeParquet(slice(0), builder.build());
  let offset = 0;
  const batches = new ReadableStream({
    pull(controller) {
      if (offset >= rows) return controller.close();
      // the batches share the slice's buffers; freeing the table now (not at some later GC) keeps the wasm heap small
      const table = slice(offset);
      for (const batch of table.recordBatches()) controller.enqueue(batch);
      table.free();
      offset += ROW_GROUP_ROWS;
    },
  }, { highWaterMark: 0 });
  const chunks: Uint8Array[] = [];
  for await (const chunk of (await pw.transformParquetStream(batches as never, builder.build())) as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return concat(chunks);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Reads Parquet bytes into an arquero table.
 *
 * @example
 * const table = await readParquet(bytes);
 * table.numRows();
 */
export async function readParquet(bytes: Uint8Array): Promise<Table> {
  const [pw, aq] = await Promise.all([wasm(), import('arquero')]);
  // batches as large as the row groups: parquet-wasm's default (1,024 rows) makes 1M rows about
  // 1,000 record batches, several times slower to decode and to hand to arquero.
  // intoIPCStream consumes (and frees) the wasm table
  return aq.fromArrow(pw.readParquet(bytes, { batchSize: ROW_GROUP_ROWS }).intoIPCStream());
}
