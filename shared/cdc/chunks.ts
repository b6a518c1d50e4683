/**
 * The partition table in pieces: rows by key in chunks (extendible hashing on a 32-bit hash of
 * the key: a chunk holds the keys whose hash starts with its bit string and splits in two when it
 * outgrows its size), and the journal of rows changed since the last fold. Pure encoding and
 * placement; reading and writing them is `state-store.ts`.
 */
import type { Row } from './layout.js';

/** A chunk of a partition's table: keys sorted, rows packed into one Int32Array. */
export class Chunk {
  private index: Map<string, number> | undefined;

  constructor(
    readonly keys: readonly string[],
    /** `keys.length * width` stored integers, row after row. */
    readonly data: Int32Array,
    readonly width: number,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  /** The row of `key`, or undefined. */
  get(key: string): Row | undefined {
    this.index ??= new Map(this.keys.map((k, i) => [k, i]));
    const i = this.index.get(key);
    return i === undefined ? undefined : this.row(i);
  }

  /** Row `i` (a view into the packed data). */
  row(i: number): Row {
    return this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Every `[key, row]`, in key order. */
  *entries(): IterableIterator<[string, Row]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i]!, this.row(i)];
  }

  /**
   * A chunk holding `rows` (any order; stored sorted by key, so the same rows give the same bytes).
   *
   * @example
   * Chunk.of(new Map([['7', [1, 0]]]), 2).get('7'); // Int32Array [1, 0]
   */
  static of(rows: ReadonlyMap<string, Row>, width: number): Chunk {
    const keys = [...rows.keys()].sort(compareKeys);
    const data = new Int32Array(keys.length * width);
    keys.forEach((key, i) => data.set(rows.get(key)!, i * width));
    return new Chunk(keys, data, width);
  }
}

/** Byte-order comparison of keys (not locale): the same on every machine. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Serialises a chunk: `{format, width, keys, data}`. */
export function encodeChunk(chunk: Chunk): string {
  return `{"format":"pipeline.cdc-chunk/1","width":${chunk.width},"keys":${JSON.stringify(chunk.keys)},"data":[${chunk.data.join(',')}]}`;
}

/**
 * Reads a chunk written by {@link encodeChunk}; throws a RangeError when it is not one.
 *
 * @example
 * decodeChunk(encodeChunk(chunk), chunk.width).size === chunk.size; // true
 */
export function decodeChunk(text: string, width: number, source = 'chunk'): Chunk {
  const parsed = JSON.parse(text) as { format?: unknown; width?: unknown; keys?: unknown; data?: unknown };
  if (parsed.format !== 'pipeline.cdc-chunk/1' || parsed.width !== width || !Array.isArray(parsed.keys) || !Array.isArray(parsed.data)) {
    throw new RangeError(`${source} is not a CDC chunk of width ${width}`);
  }
  if (parsed.data.length !== parsed.keys.length * width) throw new RangeError(`${source} has ${parsed.data.length} values for ${parsed.keys.length} rows`);
  return new Chunk(parsed.keys as string[], Int32Array.from(parsed.data as number[]), width);
}

/** Changed rows: the new row of a key, or null when it was deleted. */
export type Changes = ReadonlyMap<string, Row | null>;

/** Serialises changes: upserted keys with their packed rows, and deleted keys, each sorted. */
export function encodeJournal(changes: Changes, width: number): string {
  const upserts = new Map<string, Row>();
  const deleted: string[] = [];
  for (const [key, row] of changes) {
    if (row === null) deleted.push(key);
    else upserts.set(key, row);
  }
  const chunk = Chunk.of(upserts, width);
  deleted.sort(compareKeys);
  return `{"format":"pipeline.cdc-journal/1","width":${width},"keys":${JSON.stringify(chunk.keys)},"data":[${chunk.data.join(',')}],"deleted":${JSON.stringify(deleted)}}`;
}

/**
 * Reads changes written by {@link encodeJournal}.
 *
 * @example
 * decodeJournal(encodeJournal(new Map([['7', null]]), 2), 2).get('7'); // null
 */
export function decodeJournal(text: string, width: number, source = 'journal'): Map<string, Row | null> {
  const parsed = JSON.parse(text) as { format?: unknown; width?: unknown; keys?: unknown; data?: unknown; deleted?: unknown };
  if (parsed.format !== 'pipeline.cdc-journal/1' || parsed.width !== width || !Array.isArray(parsed.deleted)) {
    throw new RangeError(`${source} is not a CDC journal of width ${width}`);
  }
  const chunk = decodeChunk(JSON.stringify({ format: 'pipeline.cdc-chunk/1', width, keys: parsed.keys, data: parsed.data }), width, source);
  const out = new Map<string, Row | null>(chunk.entries());
  for (const key of parsed.deleted as string[]) out.set(key, null);
  return out;
}

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

/** The first `depth` bits of a key's hash, as a string of 0s and 1s. */
export function hashBits(key: string, depth = 32): string {
  return keyHash(key).toString(2).padStart(32, '0').slice(0, depth);
}

/**
 * Which chunk of a complete prefix-free set of bit strings holds `key`.
 *
 * @example
 * chunkFor('5524', new Set(['0', '10', '11'])); // one of the three
 */
export function chunkFor(key: string, chunks: ReadonlySet<string> | ReadonlyMap<string, unknown>): string {
  const bits = hashBits(key);
  for (let depth = 0; depth <= 32; depth++) {
    const prefix = bits.slice(0, depth);
    if (chunks.has(prefix)) return prefix;
  }
  throw new RangeError(`no chunk holds key '${key}' (the chunk set is not complete)`);
}

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
    for (const [key, row] of part) (hashBits(key, bits.length + 1).endsWith('0') ? zero : one).set(key, row);
    visit(`${bits}0`, zero);
    visit(`${bits}1`, one);
  };
  visit(prefix, rows);
  return out;
}
