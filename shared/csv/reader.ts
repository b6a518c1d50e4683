import { InputError } from '../errors.js';
import { NOT_A_DATE, parseDateBytes } from './dates.js';
import { checkText, detectDelimiter, type Delimiter } from './sniff.js';
import { MISSING_MARKERS, RowErrorCodes, type Column, type ColumnType, type CsvData, type RowError } from './types.js';

export interface ReadOptions {
  /** Names the input in errors: a path or an s3:// URL. */
  readonly source: string;
  /** Type of each named column; other columns are read as `otherColumns`. */
  readonly types?: Readonly<Record<string, ColumnType>>;
  /** Type of columns not named in `types` (default `string`). */
  readonly otherColumns?: ColumnType;
  /** Forces a delimiter instead of detecting it. */
  readonly delimiter?: Delimiter;
  /** Called now and then with the number of bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  /** Bounds on the file's shape; a file beyond them is refused with the bound it crosses. @default CsvLimits */
  readonly limits?: Partial<typeof CsvLimits>;
}

/**
 * What a CSV the pipeline cleans may hold: far above any real table's shape (the marketing file
 * has 29 columns, a 300-byte header and fields of a few bytes; wide exports have a few hundred
 * columns), and far below what would take the function's memory (2 GB) before a row is read: a
 * 50 MB line with no line break, or a header of a million columns, is refused with the bound it
 * crosses instead of being taken as column names.
 */
export const CsvLimits = {
  /** Columns in the header. */
  maxColumns: 2_000,
  /** Bytes of the header line. */
  maxHeaderBytes: 256 * 1024,
  /** Bytes of one field (quoted fields may span lines). */
  maxFieldBytes: 1024 * 1024,
} as const;

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const KIND = { int: 1, float: 2, date: 3, string: 4 } as const;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const STRICT_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MISSING_BYTES = MISSING_MARKERS.filter((m) => m !== '').map((m) => Uint8Array.from(m, (ch) => ch.charCodeAt(0)));
/** 1 for each byte a missing marker starts with: one lookup settles almost every field. */
const MARKER_FIRST = new Uint8Array(256);
for (const marker of MISSING_BYTES) MARKER_FIRST[marker[0]!] = 1;
const MARKER_MAX = Math.max(...MISSING_BYTES.map((m) => m.length));
const PROGRESS_STEP = 4 * 1024 * 1024;

/**
 * Reads CSV bytes into typed columns in one pass over the bytes, without building a string per
 * field: numbers go straight into Int32Array/Float64Array, dates into day numbers, strings into a
 * dictionary (each distinct value decoded once).
 *
 * Accepts: a UTF-8 BOM; tab, comma or semicolon (detected); CRLF, LF or CR line endings; quoted
 * fields with `""` escapes and embedded delimiters or line breaks; blank lines (skipped); values
 * and header names padded with spaces (trimmed); missing markers `''`, `NA`, `NaN`, `null`.
 * A row that cannot be read (wrong field count, a non-number in a number column, an impossible
 * date, broken quoting) is kept with an entry in `errors`; a file that is not CSV text at all
 * (empty, binary, not UTF-8, no header) is an {@link InputError}.
 *
 * @example
 * const data = readCsv(bytes, { source: 'raw/a.csv', types: { ID: 'int', Income: 'float' } });
 * data.column('ID'); // { type: 'int', values: Int32Array [...], nulls, nullCount }
 */
export function readCsv(bytes: Uint8Array, options: ReadOptions): CsvData {
  const { source } = options;
  const layout = checkText(bytes, source);
  const delimiter = options.delimiter ?? detectDelimiter(bytes, layout.start);
  const tok = new Tokenizer(bytes, delimiter.charCodeAt(0), layout.start);

  tok.skipBlankLines();
  const headerLine = tok.line;
  const limits = { ...CsvLimits, ...options.limits };
  const header = readHeader(tok, source, headerLine, limits);
  const ncols = header.length;
  const maxField = limits.maxFieldBytes;

  const capacity = maxRows(bytes, tok.pos);
  const lines = new Int32Array(capacity);
  const starts = new Float64Array(capacity);
  const ends = new Float64Array(capacity);
  const builders = header.map((name) => new ColumnBuilder(name, options.types?.[name] ?? options.otherColumns ?? 'string', capacity));
  const errors = new Map<number, RowError>();
  const onProgress = options.onProgress;
  let nextProgress = tok.pos + PROGRESS_STEP;

  let row = 0;
  while (tok.skipBlankLines()) {
    lines[row] = tok.line;
    starts[row] = tok.pos;
    let field = 0;
    let more = true;
    while (more) {
      more = tok.field();
      if (tok.end - tok.start > maxField) throw tooLong(source, lines[row]!, `field ${field + 1}`, tok.end - tok.start, maxField);
      if (tok.bad && !errors.has(row)) {
        errors.set(row, { code: RowErrorCodes.badQuoting, message: `field ${field + 1}${field < ncols ? ` (${header[field]})` : ''} has broken quoting` });
      }
      if (field < ncols) {
        const error = builders[field]!.add(row, tok.buf, tok.start, tok.end);
        if (error !== undefined && !errors.has(row)) errors.set(row, error);
      }
      field++;
    }
    ends[row] = tok.rowEnd;
    if (field !== ncols) {
      // misaligned fields make any other complaint about this row meaningless
      errors.set(row, { code: RowErrorCodes.columnCount, message: `expected ${ncols} fields, found ${field}` });
      for (let f = field; f < ncols; f++) builders[f]!.nulls[row] = 1;
    }
    row++;
    if (onProgress !== undefined && tok.pos >= nextProgress) {
      onProgress(tok.pos);
      nextProgress = tok.pos + PROGRESS_STEP;
    }
  }
  onProgress?.(bytes.length);

  const columns = builders.map((b) => b.finish(row));
  const byName = new Map(columns.map((c) => [c.name, c]));
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    source,
    delimiter,
    bom: layout.bom,
    lineEnding: layout.lineEnding,
    header,
    rowCount: row,
    columns,
    lines: lines.subarray(0, row),
    errors,
    rawText: (r) => text.toString('utf8', starts[r], ends[r]),
    column: (name) => byName.get(name),
  };
}

/**
 * Reads only the header: the column names and the delimiter, with the same checks as
 * {@link readCsv} (so a file that fails here would fail there, with the same reason).
 *
 * @example
 * peekHeader(bytes, { source: 'raw/a.csv' }); // { header: ['ID', 'Year_Birth', ...], delimiter: '\t' }
 */
export function peekHeader(bytes: Uint8Array, options: Pick<ReadOptions, 'source' | 'delimiter'>): { header: string[]; delimiter: Delimiter } {
  const layout = checkText(bytes, options.source);
  const delimiter = options.delimiter ?? detectDelimiter(bytes, layout.start);
  const tok = new Tokenizer(bytes, delimiter.charCodeAt(0), layout.start);
  tok.skipBlankLines();
  return { header: readHeader(tok, options.source, tok.line, CsvLimits), delimiter };
}

function tooLong(source: string, line: number, what: string, bytes: number, limit: number): InputError {
  return new InputError(source, `${what} is ${bytes.toLocaleString('en')} bytes, over the limit of ${limit.toLocaleString('en')}`, { line });
}

/** An upper bound on the number of rows: one per line ending (LF, CRLF or a lone CR), plus one. */
function maxRows(bytes: Uint8Array, from: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 1;
  for (let i = view.indexOf(LF, from); i >= 0; i = view.indexOf(LF, i + 1)) count++;
  for (let i = view.indexOf(CR, from); i >= 0; i = view.indexOf(CR, i + 1)) if (bytes[i + 1] !== LF) count++;
  return count;
}

function readHeader(tok: Tokenizer, source: string, line: number, limits: typeof CsvLimits): string[] {
  const names: string[] = [];
  const start = tok.pos;
  let more = true;
  while (more) {
    more = tok.field();
    if (tok.bad) throw new InputError(source, `the header has broken quoting in column ${names.length + 1}`, { line });
    if (tok.pos - start > limits.maxHeaderBytes) throw tooLong(source, line, 'the header', tok.pos - start, limits.maxHeaderBytes);
    if (names.length === limits.maxColumns) throw new InputError(source, `the header has more than ${limits.maxColumns.toLocaleString('en')} columns, the limit`, { line });
    names.push(decode(tok.buf, tok.start, tok.end));
  }
  const seen = new Set<string>();
  const named = names.map((name, i) => (name === '' ? `column${i + 1}` : name));
  for (const name of named) {
    if (seen.has(name)) throw new InputError(source, `the header names column '${name}' twice`, { line });
    seen.add(name);
  }
  // column names are words: a first line that is mostly numbers and dates is a data row
  const valueLike = names.filter((name) => STRICT_NUMBER.test(name) || /^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}$/.test(name)).length;
  if (valueLike * 2 > names.length || names.every((name) => name === '')) {
    throw new InputError(source, `no header: the first line holds values (${names.slice(0, 3).join(', ')}...), not column names`, { line });
  }
  return named;
}

const decoder = new TextDecoder('utf-8');
function decode(buf: Uint8Array, start: number, end: number): string {
  return decoder.decode(buf.subarray(start, end));
}

/**
 * Splits bytes into fields. `field()` reads one field at `pos` and leaves its trimmed content in
 * `buf[start, end)` (`buf` is the input, or a scratch buffer when `""` escapes had to be undone).
 */
class Tokenizer {
  pos: number;
  /** 1-based physical line of `pos`. */
  line = 1;
  buf: Uint8Array;
  start = 0;
  end = 0;
  /** The field's quoting is broken (text after the closing quote, or no closing quote). */
  bad = false;
  /** Where the last row ended, before its line ending. */
  rowEnd = 0;
  private readonly bytes: Uint8Array;
  private readonly n: number;
  private readonly delim: number;
  /** Tabs are padding unless they are the delimiter. */
  private readonly tabPads: boolean;
  private scratch = new Uint8Array(256);

  constructor(bytes: Uint8Array, delim: number, start: number) {
    this.bytes = bytes;
    this.buf = bytes;
    this.n = bytes.length;
    this.delim = delim;
    this.tabPads = delim !== TAB;
    this.pos = start;
  }

  /** Skips blank (or all-space) lines; false at the end of the input. */
  skipBlankLines(): boolean {
    const b = this.bytes;
    const n = this.n;
    for (;;) {
      let p = this.pos;
      while (p < n && (b[p] === SPACE || (this.tabPads && b[p] === TAB))) p++;
      if (p >= n) {
        this.pos = n;
        return false;
      }
      const c = b[p];
      if (c === LF) {
        this.pos = p + 1;
        this.line++;
      } else if (c === CR) {
        this.pos = b[p + 1] === LF ? p + 2 : p + 1;
        this.line++;
      } else {
        return true;
      }
    }
  }

  /** Reads one field; true when a delimiter follows (more fields in this row), false at the row's end. */
  field(): boolean {
    const b = this.bytes;
    const n = this.n;
    const d = this.delim;
    let p = this.pos;
    this.bad = false;
    while (p < n && (b[p] === SPACE || (this.tabPads && b[p] === TAB))) p++;
    if (p < n && b[p] === QUOTE) {
      p = this.quoted(p + 1);
      // only padding may follow the closing quote
      while (p < n && (b[p] === SPACE || (this.tabPads && b[p] === TAB))) p++;
      if (p < n && b[p] !== d && b[p] !== LF && b[p] !== CR) {
        this.bad = true;
        while (p < n && b[p] !== d && b[p] !== LF && b[p] !== CR) p++;
      }
    } else {
      const s = p;
      while (p < n) {
        const c = b[p];
        if (c === d || c === LF || c === CR) break;
        p++;
      }
      this.buf = b;
      this.start = s;
      this.end = p;
    }
    this.trim();
    if (p < n && b[p] === d) {
      this.pos = p + 1;
      return true;
    }
    this.rowEnd = p;
    if (p < n) {
      p += b[p] === CR && b[p + 1] === LF ? 2 : 1;
      this.line++;
    }
    this.pos = p;
    return false;
  }

  /** Reads a quoted field's content from `p` (after the opening quote); returns the offset after the closing quote. */
  private quoted(p: number): number {
    const b = this.bytes;
    const n = this.n;
    let segment = p;
    let copied = -1; // bytes already in scratch, or -1 while the content is a plain slice of the input
    for (;;) {
      if (p >= n) {
        this.bad = true;
        break;
      }
      const c = b[p];
      if (c === QUOTE) {
        if (b[p + 1] !== QUOTE) break;
        copied = this.copy(segment, p + 1, copied);
        p += 2;
        segment = p;
        continue;
      }
      if (c === LF || (c === CR && b[p + 1] !== LF)) this.line++;
      p++;
    }
    if (copied < 0) {
      this.buf = b;
      this.start = segment;
      this.end = p;
    } else {
      copied = this.copy(segment, p, copied);
      this.buf = this.scratch;
      this.start = 0;
      this.end = copied;
    }
    return p < n ? p + 1 : p;
  }

  private copy(from: number, to: number, at: number): number {
    const at0 = Math.max(at, 0);
    const need = at0 + (to - from);
    if (need > this.scratch.length) {
      const grown = new Uint8Array(Math.max(need, this.scratch.length * 2));
      grown.set(this.scratch.subarray(0, at0));
      this.scratch = grown;
    }
    this.scratch.set(this.bytes.subarray(from, to), at0);
    return need;
  }

  private trim(): void {
    const b = this.buf;
    let s = this.start;
    let e = this.end;
    while (s < e && (b[s] === SPACE || (this.tabPads && b[s] === TAB))) s++;
    while (e > s && (b[e - 1] === SPACE || (this.tabPads && b[e - 1] === TAB))) e--;
    this.start = s;
    this.end = e;
  }
}

function isMissing(b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len === 0) return true;
  if (len > MARKER_MAX || MARKER_FIRST[b[s]!] === 0) return false;
  outer: for (const marker of MISSING_BYTES) {
    if (marker.length !== len) continue;
    for (let i = 0; i < len; i++) if (b[s + i] !== marker[i]) continue outer;
    return true;
  }
  return false;
}

/**
 * Parses `[+-]digits` within the 32-bit range; NaN for anything else.
 *
 * @example
 * parseInt32(new TextEncoder().encode('-42'), 0, 3); // -42
 */
export function parseInt32(b: Uint8Array, s: number, e: number): number {
  let p = s;
  let negative = false;
  if (b[p] === 45 || b[p] === 43) {
    negative = b[p] === 45;
    p++;
  }
  if (p === e) return NaN;
  let v = 0;
  for (; p < e; p++) {
    const digit = b[p]! - 48;
    if (digit < 0 || digit > 9) return NaN;
    v = v * 10 + digit;
    if (v > 2147483648) return NaN;
  }
  v = negative ? -v : v;
  return v > 2147483647 ? NaN : v;
}

/**
 * Parses a decimal number. Up to 15 significant digits with an optional point takes the exact
 * fast path (an integer below 2^53 divided by an exact power of ten rounds correctly); anything
 * else (exponents, longer numbers) goes through `Number` after a strict shape check. NaN when the
 * bytes are not a decimal number.
 *
 * @example
 * parseFloat64(new TextEncoder().encode('1.5e3'), 0, 5); // 1500
 */
export function parseFloat64(b: Uint8Array, s: number, e: number): number {
  let p = s;
  let negative = false;
  if (b[p] === 45 || b[p] === 43) {
    negative = b[p] === 45;
    p++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; p < e; p++) {
    const c = b[p]!;
    const digit = c - 48;
    if (digit >= 0 && digit <= 9) {
      m = m * 10 + digit;
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return slowNumber(b, s, e);
    }
  }
  if (digits === 0) return NaN;
  if (digits > 15) return slowNumber(b, s, e);
  const v = frac === 0 ? m : m / POW10[frac]!;
  return negative ? -v : v;
}

function slowNumber(b: Uint8Array, s: number, e: number): number {
  const text = decode(b, s, e);
  return STRICT_NUMBER.test(text) ? Number(text) : NaN;
}

const shown = (b: Uint8Array, s: number, e: number): string => {
  const text = decode(b, s, Math.min(e, s + 40));
  return e - s > 40 ? `${text}...` : text;
};

/** Collects one column's values while the rows are read. */
class ColumnBuilder {
  readonly name: string;
  readonly kind: number;
  readonly type: ColumnType;
  readonly nulls: Uint8Array;
  nullCount = 0;
  private readonly numbers: Int32Array | Float64Array;
  private readonly interner: Interner | undefined;

  constructor(name: string, type: ColumnType, capacity: number) {
    this.name = name;
    this.type = type;
    this.kind = KIND[type];
    this.nulls = new Uint8Array(capacity);
    this.numbers = type === 'float' ? new Float64Array(capacity) : new Int32Array(capacity);
    this.interner = type === 'string' ? new Interner() : undefined;
  }

  /** Stores the field of `row`; returns the row's error when the field is not of the column's type. */
  add(row: number, b: Uint8Array, s: number, e: number): RowError | undefined {
    if (isMissing(b, s, e)) {
      this.nulls[row] = 1;
      this.nullCount++;
      if (this.kind === KIND.string) this.numbers[row] = -1;
      return undefined;
    }
    switch (this.kind) {
      case KIND.int: {
        const v = parseInt32(b, s, e);
        if (v === v) {
          this.numbers[row] = v;
          return undefined;
        }
        return this.intError(row, b, s, e);
      }
      case KIND.float: {
        const v = parseFloat64(b, s, e);
        if (v === v) {
          this.numbers[row] = v;
          return undefined;
        }
        this.nulls[row] = 1;
        return { code: RowErrorCodes.notANumber, message: `${this.name}: '${shown(b, s, e)}' is not a number` };
      }
      case KIND.date: {
        const v = parseDateBytes(b, s, e);
        if (v !== NOT_A_DATE) {
          this.numbers[row] = v;
          return undefined;
        }
        this.nulls[row] = 1;
        return { code: RowErrorCodes.invalidDate, message: `${this.name}: '${shown(b, s, e)}' is not a date (dd-mm-yyyy, yyyy-mm-dd or dd/mm/yyyy)` };
      }
      default:
        this.numbers[row] = this.interner!.intern(b, s, e);
        return undefined;
    }
  }

  /** An int column also takes `3.0` or `1e3`; other numbers and non-numbers are errors. */
  private intError(row: number, b: Uint8Array, s: number, e: number): RowError | undefined {
    const v = slowNumber(b, s, e);
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
      this.numbers[row] = v;
      return undefined;
    }
    this.nulls[row] = 1;
    if (v === v) return { code: RowErrorCodes.notAnInteger, message: `${this.name}: '${shown(b, s, e)}' is not a whole number in the 32-bit range` };
    return { code: RowErrorCodes.notANumber, message: `${this.name}: '${shown(b, s, e)}' is not a number` };
  }

  finish(rows: number): Column {
    const base = { name: this.name, nulls: this.nulls.subarray(0, rows), nullCount: this.nullCount };
    switch (this.type) {
      case 'int':
        return { ...base, type: 'int', values: (this.numbers as Int32Array).subarray(0, rows) };
      case 'date':
        return { ...base, type: 'date', values: (this.numbers as Int32Array).subarray(0, rows) };
      case 'float':
        return { ...base, type: 'float', values: (this.numbers as Float64Array).subarray(0, rows) };
      default:
        return { ...base, type: 'string', codes: (this.numbers as Int32Array).subarray(0, rows), dictionary: this.interner!.dictionary };
    }
  }
}

/** Maps byte strings to small integer codes, decoding each distinct value once. */
class Interner {
  readonly dictionary: string[] = [];
  private readonly keys: Uint8Array[] = [];
  private readonly hashes: number[] = [];
  private slots = new Int32Array(64);

  intern(b: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 16777619);
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) {
        const code = this.dictionary.length;
        this.keys.push(b.slice(s, e));
        this.hashes.push(h);
        this.dictionary.push(decode(b, s, e));
        this.slots[slot] = code + 1;
        if (this.dictionary.length * 2 > this.slots.length) this.grow();
        return code;
      }
      const code = entry - 1;
      if (this.hashes[code] === h && sameBytes(this.keys[code]!, b, s, e)) return code;
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let code = 0; code < this.hashes.length; code++) {
      let slot = this.hashes[code]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = code + 1;
    }
    this.slots = slots;
  }
}

function sameBytes(key: Uint8Array, b: Uint8Array, s: number, e: number): boolean {
  if (key.length !== e - s) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== b[s + i]) return false;
  return true;
}
