import { ByteBuffer } from '../bytes.js';
import type { Table } from 'arquero';

export interface WriteOptions {
  /** Default `,`. */
  readonly delimiter?: string;
  /** `needed` (default): quote only values holding the delimiter, a quote, a line break or edge spaces; `all`: quote every value. */
  readonly quote?: 'needed' | 'all';
  /** Default `\n`. */
  readonly lineEnding?: '\n' | '\r\n' | '\r';
  /** Start with a UTF-8 byte-order mark (default false). */
  readonly bom?: boolean;
  /**
   * Text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
   * carriage return): `keep` it as it is (default), or `quote` it with a leading `'`, which makes
   * a spreadsheet show it as text (OWASP's advice against CSV injection). Only text cells and
   * header names are touched: numbers, negative ones included, are written as numbers.
   */
  readonly formulas?: 'keep' | 'quote';
}

const encoder = new TextEncoder();
const STRING_CACHE_LIMIT = 4096;

/**
 * Writes a table as CSV bytes: a header, then one line per row, every line (the last too) ended
 * by `lineEnding`. null, undefined and NaN are written as empty fields. Numbers use JavaScript's
 * shortest round-trip form, so a reader gets the same doubles back.
 *
 * @example
 * writeCsv(aq.table({ id: [1, 2], name: ['a', 'b,c'] })); // bytes of 'id,name\n1,a\n2,"b,c"\n'
 */
export function writeCsv(table: Table, options: WriteOptions = {}): Uint8Array {
  const names = table.columnNames();
  const direct = !table.isFiltered() && !table.isOrdered();
  const columns = names.map((name) => (direct ? (table.column(name) as unknown as ArrayLike<unknown>) : table.array(name)));
  const sink = new ByteSink(Math.max(1024, table.numRows() * names.length * 4));
  const delimiter = options.delimiter ?? ',';
  const format = new FieldFormat(delimiter, options.quote === 'all', options.formulas === 'quote');
  const delim = encoder.encode(delimiter);
  const eol = encoder.encode(options.lineEnding ?? '\n');
  if (options.bom) sink.bytes(Uint8Array.of(0xef, 0xbb, 0xbf));

  names.forEach((name, i) => {
    if (i > 0) sink.bytes(delim);
    sink.bytes(format.text(name));
  });
  sink.bytes(eol);
  const rows = table.numRows();
  const width = names.length;
  const writers = columns.map((values) => format.columnWriter(sink, values));
  // a one-column row with no value would be a blank line, which readers skip: write "" instead
  if (width === 1) {
    const write = writers[0]!;
    const values = columns[0]!;
    const empty = encoder.encode('""');
    writers[0] = (r) => (values[r] === null || values[r] === undefined || Number.isNaN(values[r]) ? sink.bytes(empty) : write(r));
  }
  const single = delim.length === 1 ? delim[0]! : -1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      if (c > 0) {
        if (single >= 0) sink.byte(single);
        else sink.bytes(delim);
      }
      writers[c]!(r);
    }
    sink.bytes(eol);
  }
  return sink.result();
}

/** Formats single values, quoting as configured; remembers the encoding of repeated strings. */
class FieldFormat {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly delimiter: string;
  private readonly all: boolean;
  private readonly quoteFormulas: boolean;

  constructor(delimiter: string, all: boolean, quoteFormulas: boolean) {
    this.delimiter = delimiter;
    this.all = all;
    this.quoteFormulas = quoteFormulas;
  }

  /** A writer of one column's values, specialised on its array type (each stays monomorphic). */
  columnWriter(sink: ByteSink, values: ArrayLike<unknown>): (row: number) => void {
    if (values instanceof Int32Array && !this.all) return (r) => sink.int(values[r]!);
    if (values instanceof Float64Array && !this.all) {
      return (r) => {
        const v = values[r]!;
        if ((v | 0) === v && !Object.is(v, -0)) sink.int(v);
        else if (v === v) sink.bytes(this.string(String(v)));
      };
    }
    return (r) => this.value(sink, values[r]);
  }

  value(sink: ByteSink, value: unknown): void {
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) return;
    if (typeof value === 'number' && !this.all && (value | 0) === value && !Object.is(value, -0)) {
      sink.int(value);
      return;
    }
    sink.bytes(typeof value === 'string' ? this.text(value) : this.string(String(value)));
  }

  /** A text cell: {@link string}, with a formula quoted when asked (see WriteOptions.formulas). */
  text(text: string): Uint8Array {
    return this.string(this.quoteFormulas && startsFormula(text) ? `'${text}` : text);
  }

  string(text: string): Uint8Array {
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const quoted = this.all || this.needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
    const bytes = encoder.encode(quoted);
    if (this.cache.size < STRING_CACHE_LIMIT) this.cache.set(text, bytes);
    return bytes;
  }

  private needsQuotes(text: string): boolean {
    if (text === '') return false;
    const first = text.charCodeAt(0);
    const last = text.charCodeAt(text.length - 1);
    return (
      text.includes(this.delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r') || first === 32 || first === 9 || last === 32 || last === 9
    );
  }
}

/**
 * Whether a spreadsheet would take `text` for a formula: it starts with `=`, `+`, `-`, `@`, a tab or
 * a carriage return (the characters OWASP's CSV-injection guidance lists).
 *
 * @example
 * startsFormula('=HYPERLINK("http://x")'); // true
 * startsFormula('Graduation'); // false
 */
export function startsFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** The decimal digits of 0..9999, four bytes a number, and how many of them each uses. */
const SMALL = 10_000;
const SMALL_DIGITS = new Uint8Array(SMALL * 4);
const SMALL_LENGTH = new Uint8Array(SMALL);
for (let v = 0; v < SMALL; v++) {
  const text = String(v);
  SMALL_LENGTH[v] = text.length;
  for (let i = 0; i < text.length; i++) SMALL_DIGITS[v * 4 + i] = text.charCodeAt(i);
}

/** A growing byte buffer with a fast path for small integers. */
class ByteSink extends ByteBuffer {
  constructor(initial: number) {
    // 1.5x growth: the cleaned CSV of a million rows is about 100 MB, and doubling costs memory
    super(initial, 1.5);
  }

  /** Writes a 32-bit integer in decimal. */
  int(value: number): void {
    this.ensure(11);
    const buf = this.buf;
    let at = this.length;
    let v = value;
    if (v < 0) {
      buf[at++] = 45;
      v = -v;
    }
    if (v < 10) {
      buf[at] = 48 + v;
      this.length = at + 1;
      return;
    }
    if (v < SMALL) {
      // most values of a cleaned table are small counts and amounts: their digits are looked up
      const length = SMALL_LENGTH[v]!;
      const from = v * 4;
      for (let i = 0; i < length; i++) buf[at + i] = SMALL_DIGITS[from + i]!;
      this.length = at + length;
      return;
    }
    // digits counted by comparison and written with 32-bit unsigned division: Math.floor on doubles was most of the cost
    const digits = v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
    let end = at + digits;
    this.length = end;
    do {
      const q = (v / 10) >>> 0;
      buf[--end] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  result(): Uint8Array {
    return this.view();
  }
}
