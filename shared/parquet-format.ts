/**
 * A small Parquet codec for flat tables of the pipeline's own column types, written by hand for
 * speed: both Parquet files of a 1M-row preprocessing run are written in a fraction of a second,
 * where parquet-wasm (through Arrow IPC and WebAssembly) and hyparquet-writer each took 1.5-2 s
 * per file, and a cleaned table is read back without WebAssembly, Arrow or copies per value. See
 * docs/benchmarks.md for the measurements behind the choice.
 *
 * What it writes (Parquet format 2, readable by DuckDB, Arrow, parquet-wasm, Spark):
 * - a flat schema, every column OPTIONAL: INT32, DOUBLE, BOOLEAN, or BYTE_ARRAY annotated UTF8;
 * - row groups of {@link ROW_GROUP_ROWS} rows, one uncompressed v1 data page per column chunk;
 * - a column chunk with few distinct values (at most {@link MAX_DICTIONARY}, and smaller that way)
 *   as a PLAIN dictionary page plus RLE_DICTIONARY indices, bit-packed: most columns of the
 *   cleaned table (counts, flags, categories) and every z-score of the features table take 1 to
 *   12 bits a row, which compresses better than Snappy over plain values and costs no codec;
 * - other chunks PLAIN (a Float64Array or Int32Array chunk is one copy of its bytes);
 * - no statistics, no timestamps, a fixed `created_by`: the bytes depend only on the table.
 *
 * What it reads: files of that shape (flat, uncompressed, v1 data pages, PLAIN or dictionary
 * encodings, those four types), from any writer. {@link decodeParquet} answers undefined for
 * anything else, and the caller falls back to a general reader.
 */
import { ByteBuffer } from './bytes.js';

/** Rows per row group: bounds a chunk's dictionary work and lets readers split a file. */
export const ROW_GROUP_ROWS = 128 * 1024;
/** The most distinct values a dictionary-encoded chunk may have (indices of at most 16 bits). */
export const MAX_DICTIONARY = 1 << 16;
const CREATED_BY = 'serverless-data-pipeline';

/** A column to write: its values and how they are typed in Parquet. */
export type ParquetColumn =
  | { readonly name: string; readonly type: 'INT32'; readonly values: Int32Array | ArrayLike<number | null | undefined> }
  | { readonly name: string; readonly type: 'DOUBLE'; readonly values: Float64Array | ArrayLike<number | null | undefined> }
  | { readonly name: string; readonly type: 'BOOLEAN'; readonly values: ArrayLike<boolean | null | undefined> }
  | { readonly name: string; readonly type: 'UTF8'; readonly values: ArrayLike<string | null | undefined> };

/** A column read back: typed arrays when it has no nulls, else an array with nulls. */
export type DecodedColumn = Int32Array | Float64Array | Array<number | string | boolean | null>;

// Parquet's enums (parquet.thrift)
const Type = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;
const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
const ConvertedType = { UTF8: 0 } as const;
const UNCOMPRESSED = 0;

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // 'PAR1'

// ---------------------------------------------------------------------------------------------
// Writing

/** A growing byte buffer with the integer encodings Parquet's pages and Thrift footers use. */
class ByteWriter extends ByteBuffer {
  varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  int32(value: number): void {
    this.ensure(4);
    this.buf[this.length++] = value & 0xff;
    this.buf[this.length++] = (value >>> 8) & 0xff;
    this.buf[this.length++] = (value >>> 16) & 0xff;
    this.buf[this.length++] = (value >>> 24) & 0xff;
  }

  bytesView(): Uint8Array {
    return this.view();
  }
}

/** Thrift compact protocol: just the writing of structs, lists, i32/i64 and strings used here. */
class ThriftWriter {
  private readonly out: ByteWriter;
  private readonly last: number[] = [0];

  constructor(out: ByteWriter) {
    this.out = out;
  }

  private header(field: number, type: number): void {
    const delta = field - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.zigzag(field);
    }
    this.last[this.last.length - 1] = field;
  }

  private zigzag(value: number): void {
    // values here are small enough (< 2^52) for plain arithmetic
    this.out.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  i32(field: number, value: number): this {
    this.header(field, 5);
    this.zigzag(value);
    return this;
  }

  i64(field: number, value: number): this {
    this.header(field, 6);
    this.zigzag(value);
    return this;
  }

  string(field: number, value: string): this {
    this.header(field, 8);
    const bytes = encoder.encode(value);
    this.out.varint(bytes.length);
    this.out.bytes(bytes);
    return this;
  }

  struct(field: number, body: (t: this) => void): this {
    this.header(field, 12);
    this.last.push(0);
    body(this);
    this.out.byte(0);
    this.last.pop();
    return this;
  }

  /** A list of structs (each written by `body`) or of i32 / strings. */
  list<T>(field: number, kind: 'struct' | 'i32' | 'string', items: readonly T[], body?: (t: this, item: T) => void): this {
    this.header(field, 9);
    const type = kind === 'struct' ? 12 : kind === 'i32' ? 5 : 8;
    if (items.length < 15) this.out.byte((items.length << 4) | type);
    else {
      this.out.byte(0xf0 | type);
      this.out.varint(items.length);
    }
    for (const item of items) {
      if (kind === 'struct') {
        this.last.push(0);
        body!(this, item);
        this.out.byte(0);
        this.last.pop();
      } else if (kind === 'i32') this.zigzag(item as number);
      else {
        const bytes = encoder.encode(item as string);
        this.out.varint(bytes.length);
        this.out.bytes(bytes);
      }
    }
    return this;
  }

  /** Ends the top-level struct. */
  end(): void {
    this.out.byte(0);
  }
}

const encoder = new TextEncoder();

/** Bit width of indices below `count`. */
const bitWidth = (count: number): number => (count <= 1 ? 0 : 32 - Math.clz32(count - 1));

/** Appends `codes[0, n)` as one bit-packed run of the RLE/bit-packing hybrid, `width` bits each. */
function bitPack(out: ByteWriter, codes: Int32Array, n: number, width: number): void {
  const groups = Math.ceil(n / 8);
  out.varint(groups * 2 + 1);
  if (width === 0) return;
  out.ensure(groups * width);
  const buf = out.buf;
  let at = out.length;
  // eight values fill exactly `width` bytes: up to 8 bits wide they fit two 32-bit words, gathered
  // and then written byte by byte (no loop per byte per value); wider ones go the general way below
  if (width <= 8) {
    for (let g = 0; g < groups; g++) {
      const base = g * 8;
      let lo = 0;
      let hi = 0;
      for (let k = 0; k < 8; k++) {
        const i = base + k;
        const v = i < n ? codes[i]! : 0;
        const bit = k * width;
        if (bit < 32) {
          lo |= v << bit;
          if (bit + width > 32) hi |= v >>> (32 - bit);
        } else {
          hi |= v << (bit - 32);
        }
      }
      for (let b = 0; b < width; b++) buf[at++] = (b < 4 ? lo >>> (8 * b) : hi >>> (8 * (b - 4))) & 0xff;
    }
    out.length = at;
    return;
  }
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < groups * 8; i++) {
    acc |= (i < n ? codes[i]! : 0) << bits;
    bits += width;
    while (bits >= 8) {
      buf[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  out.length = at;
}

/** One column chunk's values as the page writer needs them: present values only, and where the nulls are. */
interface ChunkValues {
  readonly rows: number;
  /** 1 where the row has a value; undefined when every row has one. */
  readonly present: Uint8Array | undefined;
  /** Dictionary indices of the present values, and the dictionary page's PLAIN body. */
  readonly dictionary?: { readonly codes: Int32Array; readonly count: number; readonly plain: Uint8Array };
  /** Otherwise the PLAIN body of the present values. */
  readonly plain?: Uint8Array;
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

function presentOf(values: ArrayLike<unknown>, start: number, end: number): { present: Uint8Array | undefined; count: number } {
  if (values instanceof Int32Array || values instanceof Float64Array) return { present: undefined, count: end - start };
  let nulls = 0;
  for (let i = start; i < end; i++) if (isNull(values[i])) nulls++;
  if (nulls === 0) return { present: undefined, count: end - start };
  const present = new Uint8Array(end - start);
  for (let i = start; i < end; i++) present[i - start] = isNull(values[i]) ? 0 : 1;
  return { present, count: end - start - nulls };
}

/** The present values of an int column chunk as an Int32Array (a view when it has no nulls). */
function ints(values: ArrayLike<number | null | undefined>, start: number, end: number, count: number): Int32Array {
  if (values instanceof Int32Array) return values.subarray(start, end);
  const out = new Int32Array(count);
  let j = 0;
  for (let i = start; i < end; i++) if (!isNull(values[i])) out[j++] = values[i] as number;
  return out;
}

function doubles(values: ArrayLike<number | null | undefined>, start: number, end: number, count: number): Float64Array {
  if (values instanceof Float64Array) return values.subarray(start, end);
  const out = new Float64Array(count);
  let j = 0;
  for (let i = start; i < end; i++) if (!isNull(values[i])) out[j++] = values[i] as number;
  return out;
}

const asBytes = (view: Int32Array | Float64Array): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

/** Worth a dictionary: few distinct values, and fewer bytes than PLAIN. */
const dictionaryPays = (distinct: number, valueBytes: number, count: number): boolean =>
  distinct <= MAX_DICTIONARY && distinct * valueBytes + (count * bitWidth(distinct)) / 8 < (count * valueBytes) * 0.8;

function intChunk(v: Int32Array): Pick<ChunkValues, 'dictionary' | 'plain'> {
  const n = v.length;
  let min = 0;
  let max = -1;
  if (n > 0) {
    min = v[0]!;
    max = v[0]!;
    for (let i = 1; i < n; i++) {
      const x = v[i]!;
      if (x < min) min = x;
      else if (x > max) max = x;
    }
  }
  const range = max - min + 1;
  // a direct map over the values' range: no hashing, and the dictionary comes out sorted
  if (n > 0 && range <= 4 * MAX_DICTIONARY && range <= 2 * n) {
    const slot = new Int32Array(range);
    for (let i = 0; i < n; i++) slot[v[i]! - min] = 1;
    let distinct = 0;
    for (let k = 0; k < range; k++) if (slot[k] === 1) slot[k] = ++distinct;
    if (dictionaryPays(distinct, 4, n)) {
      const dictionary = new Int32Array(distinct);
      for (let k = 0; k < range; k++) if (slot[k]! > 0) dictionary[slot[k]! - 1] = k + min;
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = slot[v[i]! - min]! - 1;
      return { dictionary: { codes, count: distinct, plain: asBytes(dictionary) } };
    }
  }
  return { plain: asBytes(v) };
}

function doubleChunk(v: Float64Array): Pick<ChunkValues, 'dictionary' | 'plain'> {
  const n = v.length;
  // an open-addressing table on the values' bits; given up as soon as there are too many
  const limit = Math.min(MAX_DICTIONARY, n >> 2);
  const words = new Int32Array(v.buffer, v.byteOffset, n * 2);
  let size = 64;
  while (size < limit * 2) size *= 2;
  const slots = new Int32Array(size).fill(-1);
  const mask = size - 1;
  const firsts: number[] = [];
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    let slot = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 7) & mask;
    for (;;) {
      const code = slots[slot]!;
      if (code === -1) {
        if (firsts.length >= limit) return { plain: asBytes(v) };
        slots[slot] = firsts.length;
        codes[i] = firsts.length;
        firsts.push(i);
        break;
      }
      const j = firsts[code]!;
      if (words[2 * j] === lo && words[2 * j + 1] === hi) {
        codes[i] = code;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  if (!dictionaryPays(firsts.length, 8, n)) return { plain: asBytes(v) };
  const dictionary = new Float64Array(firsts.length);
  firsts.forEach((row, code) => (dictionary[code] = v[row]!));
  return { dictionary: { codes, count: firsts.length, plain: asBytes(dictionary) } };
}

function stringChunk(values: ArrayLike<string | null | undefined>, start: number, end: number, count: number): Pick<ChunkValues, 'dictionary' | 'plain'> {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const codes = new Int32Array(count);
  let j = 0;
  let tooMany = false;
  for (let i = start; i < end && !tooMany; i++) {
    const raw = values[i];
    if (isNull(raw)) continue;
    const text = typeof raw === 'string' ? raw : String(raw);
    let code = index.get(text);
    if (code === undefined) {
      code = distinct.length;
      if (code >= MAX_DICTIONARY || code > count >> 1) tooMany = true;
      index.set(text, code);
      distinct.push(text);
    }
    codes[j++] = code;
  }
  const plainOf = (texts: Iterable<string>): Uint8Array => {
    const out = new ByteWriter(1024);
    for (const text of texts) {
      const bytes = encoder.encode(text);
      out.int32(bytes.length);
      out.bytes(bytes);
    }
    return out.bytesView();
  };
  if (tooMany) {
    return {
      plain: plainOf(
        (function* () {
          for (let i = start; i < end; i++) if (!isNull(values[i])) yield typeof values[i] === 'string' ? (values[i] as string) : String(values[i]);
        })(),
      ),
    };
  }
  return { dictionary: { codes, count: distinct.length, plain: plainOf(distinct) } };
}

function booleanChunk(values: ArrayLike<boolean | null | undefined>, start: number, end: number, count: number): Pick<ChunkValues, 'plain'> {
  const out = new Uint8Array(Math.ceil(count / 8));
  let j = 0;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (isNull(v)) continue;
    if (v) out[j >> 3]! |= 1 << (j & 7);
    j++;
  }
  return { plain: out };
}

function chunkOf(column: ParquetColumn, start: number, end: number): ChunkValues {
  const { present, count } = presentOf(column.values, start, end);
  const rows = end - start;
  switch (column.type) {
    case 'INT32':
      return { rows, present, ...intChunk(ints(column.values, start, end, count)) };
    case 'DOUBLE':
      return { rows, present, ...doubleChunk(doubles(column.values, start, end, count)) };
    case 'BOOLEAN':
      return { rows, present, ...booleanChunk(column.values, start, end, count) };
    case 'UTF8':
      return { rows, present, ...stringChunk(column.values, start, end, count) };
  }
}

/** A page: its header (thrift) then its body. */
function writePage(out: ByteWriter, header: (t: ThriftWriter) => void, body: Uint8Array): void {
  const t = new ThriftWriter(out);
  header(t);
  t.end();
  out.bytes(body);
}

/** The definition levels (bit width 1) of an OPTIONAL column, length-prefixed as data page v1 has them. */
function definitionLevels(out: ByteWriter, rows: number, present: Uint8Array | undefined): void {
  const levels = new ByteWriter(16);
  if (present === undefined) {
    levels.varint(rows * 2); // one RLE run of 1s
    levels.byte(1);
  } else {
    bitPack(levels, Int32Array.from(present), rows, 1);
  }
  out.int32(levels.length);
  out.bytes(levels.bytesView());
}

interface ChunkMeta {
  readonly column: ParquetColumn;
  readonly rows: number;
  readonly start: number;
  readonly dataOffset: number;
  readonly dictionaryOffset: number | undefined;
  readonly size: number;
}

function writeChunk(out: ByteWriter, column: ParquetColumn, start: number, end: number): ChunkMeta {
  const chunk = chunkOf(column, start, end);
  const chunkStart = out.length;
  let dictionaryOffset: number | undefined;
  const body = new ByteWriter(64);
  definitionLevels(body, chunk.rows, chunk.present);
  if (chunk.dictionary) {
    dictionaryOffset = out.length;
    const { plain, count } = chunk.dictionary;
    writePage(out, (t) => t.i32(1, PageType.DICTIONARY_PAGE).i32(2, plain.length).i32(3, plain.length).struct(7, (d) => d.i32(1, count).i32(2, Encoding.PLAIN)), plain);
    const width = bitWidth(count);
    body.byte(width);
    bitPack(body, chunk.dictionary.codes, chunk.dictionary.codes.length, width);
  } else {
    body.bytes(chunk.plain!);
  }
  const dataOffset = out.length;
  const encoding = chunk.dictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN;
  const page = body.bytesView();
  writePage(
    out,
    (t) => t.i32(1, PageType.DATA_PAGE).i32(2, page.length).i32(3, page.length).struct(5, (d) => d.i32(1, chunk.rows).i32(2, encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE)),
    page,
  );
  return { column, rows: chunk.rows, start, dataOffset, dictionaryOffset, size: out.length - chunkStart };
}

const physical = (column: ParquetColumn): number =>
  column.type === 'INT32' ? Type.INT32 : column.type === 'DOUBLE' ? Type.DOUBLE : column.type === 'BOOLEAN' ? Type.BOOLEAN : Type.BYTE_ARRAY;

/**
 * Writes columns of equal length as Parquet bytes (see the module comment for the layout).
 *
 * @example
 * const bytes = encodeParquet([{ name: 'id', type: 'INT32', values: Int32Array.of(1, 2) }, { name: 'name', type: 'UTF8', values: ['a', null] }]);
 */
export function encodeParquet(columns: readonly ParquetColumn[]): Uint8Array {
  const rows = columns.length === 0 ? 0 : columns[0]!.values.length;
  for (const column of columns) {
    if (column.values.length !== rows) throw new RangeError(`column '${column.name}' has ${column.values.length} values, not ${rows}`);
  }
  // the bytes of one chunk are about a row's share of the values; doubles and plain ints the most
  const out = new ByteWriter(Math.max(1024, rows * columns.length * 2));
  out.bytes(MAGIC);
  const groups: ChunkMeta[][] = [];
  for (let start = 0; start < rows; start += ROW_GROUP_ROWS) {
    const end = Math.min(rows, start + ROW_GROUP_ROWS);
    groups.push(columns.map((column) => writeChunk(out, column, start, end)));
  }
  const footerStart = out.length;
  const t = new ThriftWriter(out);
  t.i32(1, 2)
    .list(2, 'struct', [undefined, ...columns], (s, column) => {
      if (column === undefined) s.string(4, 'schema').i32(5, columns.length);
      else {
        s.i32(1, physical(column)).i32(3, Repetition.OPTIONAL).string(4, column.name);
        if (column.type === 'UTF8') s.i32(6, ConvertedType.UTF8).struct(10, (l) => l.struct(1, () => {}));
      }
    })
    .i64(3, rows)
    .list(4, 'struct', groups, (g, chunks) => {
      g.list(1, 'struct', chunks, (c, chunk) => {
        c.i64(2, chunk.dataOffset).struct(3, (m) => {
          m.i32(1, physical(chunk.column))
            .list(2, 'i32', chunk.dictionaryOffset === undefined ? [Encoding.PLAIN, Encoding.RLE] : [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY])
            .list(3, 'string', [chunk.column.name])
            .i32(4, UNCOMPRESSED)
            .i64(5, chunk.rows)
            .i64(6, chunk.size)
            .i64(7, chunk.size)
            .i64(9, chunk.dataOffset);
          if (chunk.dictionaryOffset !== undefined) m.i64(11, chunk.dictionaryOffset);
        });
      })
        .i64(2, chunks.reduce((sum, c) => sum + c.size, 0))
        .i64(3, chunks[0]!.rows);
    })
    .string(6, CREATED_BY)
    .end();
  out.int32(out.length - footerStart);
  out.bytes(MAGIC);
  return out.bytesView();
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A decoded thrift struct: field id to value (numbers, strings as bytes, lists, structs). */
type Struct = Map<number, unknown>;

/** Thrift compact protocol, decoding any struct into {@link Struct} maps. */
class ThriftReader {
  at: number;
  private readonly b: Uint8Array;

  constructor(bytes: Uint8Array, at: number) {
    this.b = bytes;
    this.at = at;
  }

  private varint(): number {
    let result = 0;
    let factor = 1;
    for (;;) {
      const byte = this.b[this.at++];
      if (byte === undefined) throw new RangeError('truncated thrift data');
      result += (byte & 0x7f) * factor;
      if (byte < 0x80) return result;
      factor *= 0x80;
    }
  }

  private zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  private value(type: number): unknown {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return this.b[this.at++];
      case 4:
      case 5:
      case 6:
        return this.zigzag();
      case 7:
        this.at += 8;
        return 0;
      case 8: {
        const length = this.varint();
        const bytes = this.b.subarray(this.at, this.at + length);
        this.at += length;
        return bytes;
      }
      case 9:
      case 10: {
        const header = this.b[this.at++]!;
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const element = header & 0x0f;
        const items: unknown[] = [];
        for (let i = 0; i < size; i++) items.push(element === 1 || element === 2 ? this.b[this.at++] === 1 : this.value(element));
        return items;
      }
      case 12:
        return this.struct();
      default:
        throw new RangeError(`thrift type ${type} is not read here`);
    }
  }

  struct(): Struct {
    const fields: Struct = new Map();
    let last = 0;
    for (;;) {
      const header = this.b[this.at++];
      if (header === undefined) throw new RangeError('truncated thrift data');
      if (header === 0) return fields;
      const delta = header >> 4;
      const type = header & 0x0f;
      const field = delta === 0 ? this.zigzag() : last + delta;
      fields.set(field, this.value(type));
      last = field;
    }
  }
}

const decoder = new TextDecoder();
const num = (s: Struct | undefined, field: number): number | undefined => s?.get(field) as number | undefined;

/** Decodes `count` values of the RLE/bit-packing hybrid from `b[at, end)` into `out` (from 0). */
function readHybrid(b: Uint8Array, at: number, end: number, width: number, count: number, out: Int32Array): void {
  let i = 0;
  let p = at;
  const bytesPerValue = (width + 7) >> 3;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  while (i < count && p < end) {
    let header = 0;
    let shift = 0;
    for (;;) {
      const byte = b[p++]!;
      header += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    if (header % 2 === 0) {
      const run = header / 2;
      let value = 0;
      for (let k = 0; k < bytesPerValue; k++) value |= b[p++]! << (8 * k);
      const stop = Math.min(count, i + run);
      out.fill(value, i, stop);
      i = stop;
    } else {
      const values = ((header - 1) / 2) * 8;
      const stop = Math.min(count, i + values);
      if (width === 0) {
        out.fill(0, i, stop);
      } else {
        // each value read at its own bit position (no state carried from one to the next, which
        // the CPU overlaps well); four bytes cover any width up to 24 at any shift
        const base = p * 8;
        for (let k = i; k < stop; k++) {
          const bit = base + (k - i) * width;
          const q = bit >>> 3;
          const word = (b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16) | (b[q + 3]! << 24)) >>> (bit & 7);
          out[k] = word & mask;
        }
      }
      p += (values * width) / 8;
      i = stop;
    }
  }
  if (i < count) throw new RangeError('truncated RLE/bit-packed data');
}

/** PLAIN values of one type: a typed array for numbers, an array for strings and booleans. */
function readPlain(type: number, b: Uint8Array, at: number, count: number): { values: Int32Array | Float64Array | unknown[]; end: number } {
  if (type === Type.INT32) {
    const values = new Int32Array(count);
    new Uint8Array(values.buffer).set(b.subarray(at, at + 4 * count));
    return { values, end: at + 4 * count };
  }
  if (type === Type.DOUBLE) {
    const values = new Float64Array(count);
    new Uint8Array(values.buffer).set(b.subarray(at, at + 8 * count));
    return { values, end: at + 8 * count };
  }
  if (type === Type.BOOLEAN) {
    const values: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = ((b[at + (i >> 3)]! >> (i & 7)) & 1) === 1;
    return { values, end: at + Math.ceil(count / 8) };
  }
  const values: string[] = new Array(count);
  let p = at;
  for (let i = 0; i < count; i++) {
    const length = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
    values[i] = decoder.decode(b.subarray(p + 4, p + 4 + length));
    p += 4 + length;
  }
  return { values, end: p };
}

/** A column being filled: typed while it has no nulls. */
interface Sink {
  typed: Int32Array | Float64Array | undefined;
  items: Array<number | string | boolean | null> | undefined;
  /** A text column's codes into `labels`, while every page so far was dictionary-encoded without nulls. */
  codes: Int32Array | undefined;
  labels: string[];
  labelIndex: Map<string, number>;
}

/** A text column's dictionary encoding, as read: `labels[codes[row]]` is the row's value. */
export interface TextCodes {
  readonly codes: Int32Array;
  readonly labels: readonly string[];
}

/**
 * Reads Parquet bytes of the shape {@link encodeParquet} writes (from any writer): flat,
 * uncompressed, v1 data pages, PLAIN or dictionary-encoded INT32, DOUBLE, BOOLEAN or UTF8 columns.
 * A text column dictionary-encoded throughout, without nulls, also comes with its codes
 * (`textCodes`), so a reader that groups by it need not hash its strings again. Answers undefined
 * for any other file, for a general reader to take over; throws on bytes that are not Parquet.
 *
 * @example
 * const decoded = decodeParquet(bytes); // { rows: 2, columns: [['id', Int32Array [1, 2]], ['name', ['a', null]]] }
 */
export function decodeParquet(input: Uint8Array): { rows: number; columns: Array<[string, DecodedColumn]>; textCodes: Map<string, TextCodes> } | undefined {
  // a plain Uint8Array view (not a Buffer), so every byte read below sees one array type
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const n = bytes.length;
  if (n < 12 || !MAGIC.every((m, i) => bytes[i] === m && bytes[n - 4 + i] === m)) throw new RangeError('not a Parquet file (no PAR1 magic)');
  const footerLength = bytes[n - 8]! | (bytes[n - 7]! << 8) | (bytes[n - 6]! << 16) | (bytes[n - 5]! << 24);
  const meta = new ThriftReader(bytes, n - 8 - footerLength).struct();
  const schema = meta.get(2) as Struct[];
  const rows = Number(meta.get(3));
  const leaves = schema.slice(1);
  if (num(schema[0], 5) !== leaves.length) return undefined;
  const supported: number[] = [Type.INT32, Type.DOUBLE, Type.BOOLEAN, Type.BYTE_ARRAY];
  for (const leaf of leaves) {
    if (leaf.has(5) || !supported.includes(num(leaf, 1)!)) return undefined;
    // BYTE_ARRAY only as text (UTF8 converted type, or the STRING logical type)
    if (num(leaf, 1) === Type.BYTE_ARRAY && num(leaf, 6) !== ConvertedType.UTF8 && !(leaf.get(10) as Struct | undefined)?.has(1)) return undefined;
    if (num(leaf, 3) === 2) return undefined; // REPEATED
  }
  const sinks: Sink[] = leaves.map((leaf) => {
    const type = num(leaf, 1);
    const text = type === Type.BYTE_ARRAY;
    return {
      typed: type === Type.INT32 ? new Int32Array(rows) : type === Type.DOUBLE ? new Float64Array(rows) : undefined,
      items: type === Type.INT32 || type === Type.DOUBLE ? undefined : new Array(rows),
      codes: text ? new Int32Array(rows) : undefined,
      labels: [],
      labelIndex: new Map(),
    };
  });
  let rowStart = 0;
  for (const group of (meta.get(4) as Struct[] | undefined) ?? []) {
    const chunks = group.get(1) as Struct[];
    const groupRows = Number(group.get(3));
    for (let c = 0; c < leaves.length; c++) {
      const metaData = chunks[c]!.get(3) as Struct;
      if (num(metaData, 4) !== UNCOMPRESSED) return undefined;
      const optional = num(leaves[c], 3) === Repetition.OPTIONAL;
      if (!readChunk(bytes, metaData, num(leaves[c], 1)!, optional, groupRows, rowStart, sinks[c]!)) return undefined;
    }
    rowStart += groupRows;
  }
  const columns = leaves.map((leaf, c): [string, DecodedColumn] => [decoder.decode(leaf.get(4) as Uint8Array), sinks[c]!.typed ?? sinks[c]!.items!]);
  const textCodes = new Map<string, TextCodes>();
  sinks.forEach((sink, c) => sink.codes && textCodes.set(columns[c]![0], { codes: sink.codes, labels: sink.labels }));
  return { rows, columns, textCodes };
}

function readChunk(b: Uint8Array, metaData: Struct, type: number, optional: boolean, rows: number, rowStart: number, sink: Sink): boolean {
  let at = Number(metaData.get(11) ?? metaData.get(9));
  let dictionary: Int32Array | Float64Array | unknown[] | undefined;
  let done = 0;
  const levels = new Int32Array(optional ? rows : 0);
  const indices = new Int32Array(rows);
  while (done < rows) {
    const reader = new ThriftReader(b, at);
    const header = reader.struct();
    const bodyStart = reader.at;
    const size = num(header, 3)!;
    const pageType = num(header, 1);
    if (num(header, 2) !== size) return false;
    if (pageType === PageType.DICTIONARY_PAGE) {
      const d = header.get(7) as Struct;
      dictionary = readPlain(type, b, bodyStart, num(d, 1)!).values;
    } else if (pageType === PageType.DATA_PAGE) {
      const d = header.get(5) as Struct;
      const count = num(d, 1)!;
      const encoding = num(d, 2);
      let p = bodyStart;
      let present = count;
      if (optional) {
        const length = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
        // the usual page has no nulls: its levels are one run of 1s, nothing to expand
        if (!(length === varintLength(count * 2) + 1 && readVarint(b, p + 4) === count * 2 && b[p + 4 + length - 1] === 1)) {
          readHybrid(b, p + 4, p + 4 + length, 1, count, levels);
          present = 0;
          for (let i = 0; i < count; i++) present += levels[i]!;
        }
        p += 4 + length;
      }
      const nulls = present < count ? levels : undefined;
      let values: Int32Array | Float64Array | unknown[];
      if (encoding === Encoding.PLAIN) {
        values = readPlain(type, b, p, present).values;
      } else if ((encoding === Encoding.RLE_DICTIONARY || encoding === Encoding.PLAIN_DICTIONARY) && dictionary !== undefined) {
        const width = b[p]!;
        if (width > 24) return false;
        readHybrid(b, p + 1, bodyStart + size, width, present, indices);
        if (nulls === undefined && sink.typed !== undefined && dictionary instanceof (sink.typed.constructor as typeof Int32Array | typeof Float64Array)) {
          // straight into the column: no page-sized array in between
          gatherInto(dictionary as Int32Array | Float64Array, indices, present, sink.typed, rowStart + done);
          done += count;
          at = bodyStart + size;
          continue;
        }
        values = gatherDictionary(dictionary, indices, present);
        if (sink.codes !== undefined && nulls === undefined) recordCodes(sink, dictionary as string[], indices, present, rowStart + done);
        else sink.codes = undefined;
      } else {
        return false;
      }
      if (encoding === Encoding.PLAIN) sink.codes = undefined;
      place(sink, rowStart + done, count, nulls, values);
      done += count;
    } else {
      return false;
    }
    at = bodyStart + size;
  }
  return true;
}

function readVarint(b: Uint8Array, at: number): number {
  let result = 0;
  let factor = 1;
  for (let p = at; ; p++) {
    result += (b[p]! & 0x7f) * factor;
    if (b[p]! < 0x80) return result;
    factor *= 0x80;
  }
}

const varintLength = (value: number): number => {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) length++;
  return length;
};

function gatherInto(dictionary: Int32Array | Float64Array, indices: Int32Array, count: number, out: Int32Array | Float64Array, at: number): void {
  if (dictionary instanceof Int32Array) {
    const target = out as Int32Array;
    for (let i = 0; i < count; i++) target[at + i] = dictionary[indices[i]!]!;
  } else {
    const target = out as Float64Array;
    for (let i = 0; i < count; i++) target[at + i] = dictionary[indices[i]!]!;
  }
}

/** Records a page's dictionary indices as codes into the column's labels (a chunk's dictionary is its own). */
function recordCodes(sink: Sink, dictionary: readonly string[], indices: Int32Array, count: number, at: number): void {
  const remap = dictionary.map((label) => {
    let code = sink.labelIndex.get(label);
    if (code === undefined) {
      code = sink.labels.length;
      sink.labels.push(label);
      sink.labelIndex.set(label, code);
    }
    return code;
  });
  const codes = sink.codes!;
  for (let i = 0; i < count; i++) codes[at + i] = remap[indices[i]!]!;
}

function gatherDictionary(dictionary: Int32Array | Float64Array | unknown[], indices: Int32Array, count: number): Int32Array | Float64Array | unknown[] {
  if (dictionary instanceof Int32Array) {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = dictionary[indices[i]!]!;
    return out;
  }
  if (dictionary instanceof Float64Array) {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = dictionary[indices[i]!]!;
    return out;
  }
  const out: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = dictionary[indices[i]!];
  return out;
}

/** Puts a page's values at `start` of the column; nulls turn a typed column into an array. */
function place(sink: Sink, start: number, count: number, levels: Int32Array | undefined, values: Int32Array | Float64Array | unknown[]): void {
  if (levels !== undefined && sink.typed !== undefined) {
    sink.items = Array.from(sink.typed);
    sink.typed = undefined;
  }
  if (sink.typed !== undefined) {
    sink.typed.set(values as Int32Array | Float64Array, start);
    return;
  }
  const items = sink.items!;
  let j = 0;
  for (let i = 0; i < count; i++) items[start + i] = levels === undefined || levels[i] === 1 ? (values[j++] as number | string | boolean) : null;
}
