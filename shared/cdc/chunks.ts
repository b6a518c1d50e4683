/**
 * The partition table in pieces: rows by key in chunks (extendible hashing on a 32-bit hash of
 * the key: a chunk holds the keys whose hash starts with its bit string and splits in two when it
 * outgrows its size), and their encoding. Pure encoding and
 * placement; reading and writing them is `state-store.ts`.
 */
import type { Row } from './layout.js';

/**
 * A chunk of a partition's table: keys in placement order (by their 32-bit {@link keyHash}, then
 * by the key itself for the rare equal hashes), rows packed into one Int32Array. A lookup is a
 * binary search over the hashes, numbers in one Uint32Array.
 *
 * A chunk lives in its stored form (see {@link encodeChunk}): the rows are a view of its bytes,
 * and the keys are not JavaScript strings but their characters in its header, found by offset.
 * Why: at a million customers the keys as strings were a million objects that the collector
 * marked again on every major collection (most of the CPU the collector's threads spent), and
 * comparing a key read two scattered objects (the list's slot, then the string); a fold wrote
 * each chunk's bytes from them once more.
 */
export class Chunk {
  private constructor(
    /** `keyHash` of each key, ascending. */
    readonly hashes: Uint32Array,
    /**
     * Where key i's characters (as JSON writes them between its quotes) start in `stored`; key i
     * ends 3 bytes (`","`) before key i + 1 starts, and entry `size` is where one more would.
     */
    private readonly keyStarts: Uint32Array,
    /** `size * width` stored integers, row after row: a view of `stored`. */
    readonly data: Int32Array,
    readonly width: number,
    /** The chunk as stored. */
    readonly stored: Buffer,
  ) {}

  /** A chunk of no rows. */
  static empty(width: number): Chunk {
    return Chunk.build(width, new Uint32Array(0), () => 0, () => undefined);
  }

  get size(): number {
    return this.hashes.length;
  }

  /** Key `i` (made as a string when asked for). */
  key(i: number): string {
    const { stored } = this;
    const start = this.keyStarts[i]!;
    const end = this.keyEnd(i);
    for (let p = start; p < end; p++) {
      // an escape or a character beyond ASCII: read as JSON reads it
      if (stored[p] === BACKSLASH || stored[p]! >= 0x80) return JSON.parse(`"${stored.toString('utf8', start, end)}"`) as string;
    }
    return stored.toString('latin1', start, end);
  }

  /** Every key, in placement order (made when asked for). */
  get keys(): string[] {
    return Array.from({ length: this.size }, (_, i) => this.key(i));
  }

  /** The row of `key` (whose hash is `hash`, when the caller has it), or undefined. */
  get(key: string, hash = keyHash(key)): Row | undefined {
    const { hashes } = this;
    const n = hashes.length;
    // the first index whose hash is not below `hash` lies in [lo, hi]
    let lo = 0;
    let hi = n;
    if (n > INTERPOLATE_ABOVE) {
      // the hashes spread evenly over the chunk's range: two probes around where the hash would
      // sit narrow the search to a few cache lines (the whole search touched several, each a miss
      // in a table of a million rows); a guess off the mark only leaves that side wide
      const first = hashes[0]!;
      const span = hashes[n - 1]! - first;
      const guess = span <= 0 ? 0 : Math.floor(((hash - first) / span) * (n - 1));
      const left = Math.min(n - 1, Math.max(0, guess - WINDOW));
      const right = Math.min(n - 1, Math.max(0, guess + WINDOW));
      if (hashes[left]! < hash) lo = left + 1;
      if (hashes[right]! >= hash) hi = right;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n && hashes[i] === hash; i++) if (this.keyIs(i, key)) return this.row(i);
    return undefined;
  }

  /** Row `i` (a view into the packed data). */
  row(i: number): Row {
    return this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Every `[key, row]`, in placement order. */
  *entries(): IterableIterator<[string, Row]> {
    for (let i = 0; i < this.size; i++) yield [this.key(i), this.row(i)];
  }

  /**
   * This chunk with `changes` applied (a key given a row is set, one given -1 removed), by one
   * merge in placement order (no map of the whole chunk, no sort of it), written straight into
   * the new chunk's stored form: a fold makes each chunk's bytes once, copying the unchanged keys
   * and rows as bytes.
   *
   * @example
   * chunk.merge({ keys: ['7'], hashes: Uint32Array.of(keyHash('7')), at: Int32Array.of(-1), rows: new Int32Array(0) }).get('7'); // undefined
   */
  merge(changes: ChangedRows): Chunk {
    const { keys: changed, hashes: changedHashes, at, rows } = changes;
    const order = placementOrder(changed, changedHashes);
    const { width, size } = this;
    // first the order: where each key and row comes from (an old row's index, or -1 - c for
    // changed key c), so that the new chunk is allocated once at its final size
    const hashes = new Uint32Array(size + changed.length);
    const from = new Int32Array(size + changed.length);
    let count = 0;
    let i = 0;
    for (const c of order) {
      const key = changed[c]!;
      const hash = changedHashes[c]!;
      // (keys are compared only on equal hashes, which are rare)
      while (i < size && (this.hashes[i]! < hash || (this.hashes[i] === hash && this.key(i) < key))) {
        from[count] = i;
        hashes[count++] = this.hashes[i++]!;
      }
      if (i < size && this.hashes[i] === hash && this.keyIs(i, key)) i++;
      if (at[c]! < 0) continue;
      from[count] = -1 - c;
      hashes[count++] = hash;
    }
    while (i < size) {
      from[count] = i;
      hashes[count++] = this.hashes[i++]!;
    }
    const merged = Chunk.build(
      width,
      hashes.slice(0, count),
      (k) => (from[k]! >= 0 ? this.keyLength(from[k]!) : encodedLength(changed[-1 - from[k]!]!)),
      (out, p, k) => (from[k]! >= 0 ? this.copyKey(from[k]!, out, p) : writeKey(changed[-1 - from[k]!]!, out, p)),
    );
    const { data } = merged;
    const old = this.data;
    for (let out = 0; out < count; ) {
      const source = from[out]!;
      if (source < 0) {
        copyRow(rows, at[-1 - source]! * width, data, out * width, width);
        out++;
        continue;
      }
      // a run of unchanged rows: a short one copied value by value, a long one at once
      let end = out + 1;
      while (end < count && from[end] === from[end - 1]! + 1) end++;
      if (end - out <= SHORT_RUN) {
        for (let r = out; r < end; r++) copyRow(old, (source + r - out) * width, data, r * width, width);
      } else {
        data.set(old.subarray(source * width, (source + end - out) * width), out * width);
      }
      out = end;
    }
    return merged;
  }

  /**
   * A chunk holding `rows` (any order; stored in placement order, so the same rows give the same bytes).
   *
   * @example
   * Chunk.of(new Map([['7', [1, 0]]]), 2).get('7'); // Int32Array [1, 0]
   */
  static of(rows: ReadonlyMap<string, Row>, width: number): Chunk {
    const given = [...rows.keys()];
    const givenHashes = Uint32Array.from(given, keyHash);
    const order = placementOrder(given, givenHashes);
    const chunk = Chunk.sorted(order.map((i) => given[i]!), Uint32Array.from(order, (i) => givenHashes[i]!), width);
    order.forEach((g, i) => chunk.data.set(rows.get(given[g]!)!, i * width));
    return chunk;
  }

  /** A chunk of `keys` already in placement order (with their `hashes`), its rows still to be written into its `data`. */
  static sorted(keys: readonly string[], hashes: Uint32Array, width: number): Chunk {
    return Chunk.build(width, hashes, (i) => encodedLength(keys[i]!), (out, at, i) => writeKey(keys[i]!, out, at));
  }

  /** Whether key `i` is `key`. */
  private keyIs(i: number, key: string): boolean {
    const { stored } = this;
    const start = this.keyStarts[i]!;
    const length = this.keyEnd(i) - start;
    if (length === key.length) {
      // a key with a character JSON escapes, or one beyond ASCII, takes more bytes than characters: not this one
      for (let j = 0; j < length; j++) {
        const c = key.charCodeAt(j);
        if (stored[start + j] !== c || !isPlain(c)) return false;
      }
      return true;
    }
    return length > key.length && encodedLength(key) === length && encodedKey(key).equals(stored.subarray(start, start + length));
  }

  /** Where key `i`'s characters end in `stored` (3 bytes, `","`, before the next key's start). */
  private keyEnd(i: number): number {
    return this.keyStarts[i + 1]! - 3;
  }

  private keyLength(i: number): number {
    return this.keyEnd(i) - this.keyStarts[i]!;
  }

  private copyKey(i: number, out: Buffer, at: number): void {
    const { stored } = this;
    const end = this.keyEnd(i);
    for (let p = this.keyStarts[i]!; p < end; p++) out[at++] = stored[p]!;
  }

  /**
   * Lays out the stored form of a chunk of `hashes.length` keys (`keyLength(i)` bytes each, written
   * by `writeKey`): the header `{"format":...,"width":...,"keys":[...]}`, exactly as
   * JSON.stringify writes it, spaces up to a multiple of 4 bytes (JSON allows them, so the format
   * does not change), a newline, then the rows, left for the caller to write into `data`.
   */
  private static build(width: number, hashes: Uint32Array, keyLength: (i: number) => number, writeKey: (out: Buffer, at: number, i: number) => void): Chunk {
    if (!littleEndian) throw new RangeError('CDC rows are stored little-endian; this platform is big-endian');
    const n = hashes.length;
    const prefix = `{"format":"${ChunkFormat}","width":${width},"keys":[`;
    const keyStarts = new Uint32Array(n + 1);
    let p = prefix.length + 1;
    for (let i = 0; i < n; i++) {
      keyStarts[i] = p;
      p += keyLength(i) + 3;
    }
    keyStarts[n] = p;
    const headerLength = n === 0 ? prefix.length + 2 : p;
    const rowsAt = (headerLength + 4) & ~3;
    // its own memory (never a pooled slice), so the rows' view is aligned; every byte is written
    // here or, the rows, by the caller
    const stored = Buffer.allocUnsafeSlow(rowsAt + n * width * 4);
    stored.write(prefix, 0, 'latin1');
    for (let i = 0; i < n; i++) {
      const start = keyStarts[i]!;
      const end = keyStarts[i + 1]! - 3;
      stored[start - 1] = QUOTE;
      writeKey(stored, start, i);
      stored[end] = QUOTE;
      stored[end + 1] = COMMA;
    }
    stored[headerLength - 2] = CLOSE_BRACKET;
    stored[headerLength - 1] = CLOSE_BRACE;
    stored.fill(SPACE, headerLength, rowsAt - 1);
    stored[rowsAt - 1] = NEWLINE;
    return new Chunk(hashes, keyStarts, new Int32Array(stored.buffer, stored.byteOffset + rowsAt, n * width), width, stored);
  }
}

/** Rows to merge into a chunk: key `keys[i]` (hash `hashes[i]`) gets row `at[i]` of `rows`, or is removed when `at[i]` is -1. */
export interface ChangedRows {
  readonly keys: readonly string[];
  readonly hashes: Uint32Array;
  readonly at: Int32Array;
  readonly rows: Int32Array;
}

/** Chunks above this many rows start their search by interpolation, {@link WINDOW} rows either side. */
const INTERPOLATE_ABOVE = 64;
const WINDOW = 24;

/** Runs of unchanged rows up to this long are copied value by value (a view and a `set` cost more). */
const SHORT_RUN = 4;

function copyRow(from: Int32Array, fromAt: number, to: Int32Array, toAt: number, width: number): void {
  for (let k = 0; k < width; k++) to[toAt + k] = from[fromAt + k]!;
}

const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const CLOSE_BRACE = 125;

/** Whether JSON writes this UTF-16 unit as the one byte of its code (printable ASCII and DEL, but the quote and the backslash). */
function isPlain(c: number): boolean {
  return c >= 0x20 && c <= 0x7f && c !== QUOTE && c !== BACKSLASH;
}

/** The bytes JSON writes between a key's quotes (for a key with a character that is not plain). */
function encodedKey(key: string): Buffer {
  return Buffer.from(JSON.stringify(key).slice(1, -1), 'utf8');
}

/** How many bytes JSON writes between a key's quotes. */
function encodedLength(key: string): number {
  for (let j = 0; j < key.length; j++) if (!isPlain(key.charCodeAt(j))) return encodedKey(key).length;
  return key.length;
}

function writeKey(key: string, out: Buffer, at: number): void {
  if (encodedLength(key) !== key.length) {
    encodedKey(key).copy(out, at);
    return;
  }
  for (let j = 0; j < key.length; j++) out[at + j] = key.charCodeAt(j);
}

/** Whether key `a` (hash `ha`) comes before key `b` (hash `hb`) in placement order. */
function before(ha: number, a: string, hb: number, b: string): boolean {
  return ha < hb || (ha === hb && a < b);
}

/** The indices of `keys` in placement order (by hash, then key). */
function placementOrder(keys: readonly string[], hashes: Uint32Array): number[] {
  const byKey = (x: number, y: number) => hashes[x]! - hashes[y]! || (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : 0);
  if (keys.length >= INDEX_BITS) return Array.from(keys, (_, i) => i).sort(byKey);
  // hash and index packed in one exact double, sorted natively as numbers (a comparator called
  // from the sort was most of placing a fold's changes); equal hashes then ordered by key
  const packed = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) packed[i] = hashes[i]! * INDEX_BITS + i;
  packed.sort();
  const order = Array.from(packed, (value) => value % INDEX_BITS);
  for (let i = 1; i < order.length; i++) {
    if (hashes[order[i]!] !== hashes[order[i - 1]!]) continue;
    let end = i + 1;
    while (end < order.length && hashes[order[end]!] === hashes[order[i]!]) end++;
    order.splice(i - 1, end - i + 1, ...order.slice(i - 1, end).sort(byKey));
    i = end - 1;
  }
  return order;
}

/** 2^21: indices below it pack with a 32-bit hash into a double exactly (2^53). */
const INDEX_BITS = 2 ** 21;

/** The chunk format this code writes: /3 holds its keys in placement order and its rows as bytes (/2, still read: key order, base64 in JSON). */
export const ChunkFormat = 'pipeline.cdc-chunk/3';

/**
 * A chunk as stored: a row object (see {@link rowObject}) whose header is `{format, width, keys}`,
 * padded with spaces to a multiple of 4 bytes, then the rows. A chunk is held in this form, so
 * this is no work.
 *
 * @example
 * await store.put(key, encodeChunk(chunk));
 */
export function encodeChunk(chunk: Chunk): Buffer {
  return chunk.stored;
}

/**
 * Reads a chunk written by {@link encodeChunk} (or by the /2 format before it); throws a RangeError
 * naming `source` when it is not one.
 *
 * @example
 * decodeChunk(encodeChunk(chunk), chunk.width).size === chunk.size; // true
 */
export function decodeChunk(bytes: Uint8Array, width: number, source = 'chunk'): Chunk {
  const { header, rows } = readRowObject(bytes, source);
  const parsed = header as { format?: unknown; width?: unknown; keys?: unknown; data?: unknown };
  const legacy = parsed.format === 'pipeline.cdc-chunk/2';
  if ((parsed.format !== ChunkFormat && !legacy) || parsed.width !== width || !Array.isArray(parsed.keys) || !parsed.keys.every((key) => typeof key === 'string') || (legacy && typeof parsed.data !== 'string')) {
    throw new RangeError(`${source} is not a CDC chunk of width ${width}`);
  }
  const keys = parsed.keys as string[];
  const rowBytes = legacy ? Buffer.from(parsed.data as string, 'base64') : rows;
  const hashes = Uint32Array.from(keys, keyHash);
  for (let i = 1; i < keys.length; i++) {
    if (!before(hashes[i - 1]!, keys[i - 1]!, hashes[i]!, keys[i]!)) {
      // a /2 chunk (written in key order) is put in placement order; a /3 one out of order is damaged
      if (!legacy) throw new RangeError(`${source} has its keys out of order at ${i}`);
      const data = rowsOf(rowBytes, keys.length, width, source);
      return Chunk.of(new Map<string, Row>(keys.map((key, r) => [key, data.subarray(r * width, (r + 1) * width)])), width);
    }
  }
  // the rows copied once, straight into the chunk's stored form
  const chunk = Chunk.sorted(keys, hashes, width);
  rowsOf(rowBytes, keys.length, width, source, chunk.data);
  return chunk;
}

const utf8 = new TextDecoder();
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const NEWLINE = 10;
const SPACE = 32;

/**
 * A stored object of rows: a one-line JSON header (JSON.stringify never writes a raw newline),
 * a newline, then the rows as little-endian 32-bit integers, copied from memory as they are. Rows
 * are most of the bytes: writing them as bytes is one copy, where base64 in JSON made a string
 * of a third more (collected afterwards) and a pass to decode.
 *
 * @example
 * rowObject('{"format":"x"}', [chunk.data]);
 */
export function rowObject(header: string | Buffer, rows: readonly Int32Array[]): Buffer {
  if (!littleEndian) throw new RangeError('CDC rows are stored little-endian; this platform is big-endian');
  return Buffer.concat([typeof header === 'string' ? Buffer.from(header) : header, Buffer.of(NEWLINE), ...rows.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength))]);
}

/** Splits an object written by {@link rowObject} (or a JSON document, whose rows are then empty). */
export function readRowObject(bytes: Uint8Array, source: string): { header: unknown; rows: Uint8Array } {
  const end = bytes.indexOf(NEWLINE);
  const text = utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${source} does not start with a JSON header: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null) throw new RangeError(`${source} does not start with a JSON object`);
  return { header, rows: end < 0 ? new Uint8Array(0) : bytes.subarray(end + 1) };
}

/** `rows` rows of `width` from the bytes of a row object, checking their count, copied into `into` (a new array by default). */
export function rowsOf(bytes: Uint8Array, rows: number, width: number, source: string, into: Int32Array = new Int32Array(rows * width)): Int32Array {
  if (!littleEndian) throw new RangeError('CDC rows are stored little-endian; this platform is big-endian');
  if (bytes.byteLength !== rows * width * 4) throw new RangeError(`${source} has ${bytes.byteLength / 4} values for ${rows} rows of ${width}`);
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes);
  return into;
}

/** Changed rows: the new row of a key, or null when it was deleted. */
export type Changes = ReadonlyMap<string, Row | null>;

/**
 * The 32-bit placement hash of a key: FNV-1a over its UTF-16 code units, finished with murmur3's
 * fmix32 so that the leading bits (which pick the chunk) are well mixed.
 *
 * @example
 * keyHash('5524'); // the same unsigned 32-bit number on every machine
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Which chunk holds a key, for a complete prefix-free set of bit strings (a chunk's name is the
 * leading bits of the hashes of its keys). Looks prefixes up by number, without building strings.
 *
 * @example
 * new ChunkIndex(['0', '10', '11']).find('5524'); // one of the three
 */
export class ChunkIndex {
  /** With chunks at most {@link FLAT_DEPTH} bits deep (the usual case): the chunk of each value of the leading `depth` bits. */
  private readonly flat: { readonly depth: number; readonly slots: readonly string[] } | undefined;
  private readonly byCode = new Map<number, string>();
  private readonly depths: number[];

  constructor(prefixes: Iterable<string>) {
    const depths = new Set<number>();
    for (const prefix of prefixes) {
      depths.add(prefix.length);
      this.byCode.set(ChunkIndex.code(prefix.length, prefix === '' ? 0 : parseInt(prefix, 2)), prefix);
    }
    this.depths = [...depths].sort((a, b) => a - b);
    const depth = Math.max(0, ...this.depths);
    if (depth <= FLAT_DEPTH) {
      // a chunk of depth d fills the 2^(depth - d) slots its bits lead
      const slots = new Array<string>(2 ** depth);
      for (const [code, prefix] of this.byCode) {
        const first = (code - prefix.length * 2 ** 32) * 2 ** (depth - prefix.length);
        slots.fill(prefix, first, first + 2 ** (depth - prefix.length));
      }
      this.flat = { depth, slots };
    }
  }

  find(key: string): string {
    const found = this.findHash(keyHash(key));
    if (found === undefined) throw new RangeError(`no chunk holds key '${key}' (the chunk set is not complete)`);
    return found;
  }

  /** The chunk of a key whose {@link keyHash} is `hash`; undefined when the chunk set is not complete. */
  findHash(hash: number): string | undefined {
    const { flat } = this;
    if (flat !== undefined) return flat.slots[flat.depth === 0 ? 0 : hash >>> (32 - flat.depth)];
    for (const depth of this.depths) {
      const found = this.byCode.get(ChunkIndex.code(depth, depth === 0 ? 0 : hash >>> (32 - depth)));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private static code(depth: number, value: number): number {
    return depth * 2 ** 32 + value;
  }
}

/** Chunk sets up to this many bits deep are looked up in one flat list (2^16 slots at most). */
const FLAT_DEPTH = 16;

/**
 * Splits rows into chunks of at most `maxRows` (by further hash bits below `prefix`), so that a
 * chunk's cost stays bounded however large the table grows. A 32-bit prefix is never split.
 *
 * @example
 * splitRows('', rows, 2048); // Map { '' => rows } while rows.size <= 2048
 */
export function splitRows(prefix: string, rows: ReadonlyMap<string, Row>, maxRows: number): Map<string, Map<string, Row>> {
  const out = new Map<string, Map<string, Row>>();
  const visit = (bits: string, part: ReadonlyMap<string, Row>): void => {
    if (part.size <= maxRows || bits.length >= 32) {
      out.set(bits, new Map(part));
      return;
    }
    const zero = new Map<string, Row>();
    const one = new Map<string, Row>();
    const shift = 31 - bits.length;
    for (const [key, row] of part) (((keyHash(key) >>> shift) & 1) === 0 ? zero : one).set(key, row);
    visit(`${bits}0`, zero);
    visit(`${bits}1`, one);
  };
  visit(prefix, rows);
  return out;
}
