/**
 * The partition table in pieces: rows by key in chunks (extendible hashing on a 32-bit hash of
 * the key: a chunk holds the keys whose hash starts with its bit string and splits in two when it
 * outgrows its size), and the journal of rows changed since the last fold. Pure encoding and
 * placement; reading and writing them is `state-store.ts`.
 */
import type { Row } from './layout.js';

/** A chunk of a partition's table: keys sorted, rows packed into one Int32Array. */
export class Chunk {
  constructor(
    readonly keys: readonly string[],
    /** `keys.length * width` stored integers, row after row. */
    readonly data: Int32Array,
    readonly width: number,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  /** The row of `key`, or undefined (binary search over the sorted keys: no index to build). */
  get(key: string): Row | undefined {
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid]!;
      if (k === key) return this.row(mid);
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
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
   * This chunk with `changes` applied (a row sets a key, null removes it), by one merge of the
   * sorted keys: no map of the whole chunk, no sort of it.
   *
   * @example
   * chunk.with(new Map([['7', null]])).get('7'); // undefined
   */
  with(changes: ReadonlyMap<string, Row | null>): Chunk {
    // the default sort orders strings by UTF-16 code units, as `<` does, and natively
    const changed = [...changes.keys()].sort();
    const { width } = this;
    // first the keys, and where each row comes from (an old row's index, or -1 for a changed row),
    // so that the rows are allocated once at their final size
    const keys: string[] = [];
    const from = new Int32Array(this.keys.length + changed.length);
    const rows: Row[] = [];
    let i = 0;
    for (const key of changed) {
      while (i < this.keys.length && this.keys[i]! < key) {
        from[keys.length] = i;
        keys.push(this.keys[i++]!);
      }
      if (i < this.keys.length && this.keys[i] === key) i++;
      const row = changes.get(key)!;
      if (row === null) continue;
      from[keys.length] = -1;
      keys.push(key);
      rows.push(row);
    }
    while (i < this.keys.length) {
      from[keys.length] = i;
      keys.push(this.keys[i++]!);
    }
    const data = new Int32Array(keys.length * width);
    let next = 0;
    for (let out = 0; out < keys.length; ) {
      if (from[out]! < 0) {
        data.set(rows[next++]!, out * width);
        out++;
        continue;
      }
      // a run of unchanged rows is copied at once
      let end = out + 1;
      while (end < keys.length && from[end] === from[end - 1]! + 1) end++;
      data.set(this.data.subarray(from[out]! * width, (from[end - 1]! + 1) * width), out * width);
      out = end;
    }
    return new Chunk(keys, data, width);
  }

  /**
   * A chunk holding `rows` (any order; stored sorted by key, so the same rows give the same bytes).
   *
   * @example
   * Chunk.of(new Map([['7', [1, 0]]]), 2).get('7'); // Int32Array [1, 0]
   */
  static of(rows: ReadonlyMap<string, Row>, width: number): Chunk {
    const keys = [...rows.keys()].sort();
    const data = new Int32Array(keys.length * width);
    keys.forEach((key, i) => data.set(rows.get(key)!, i * width));
    return new Chunk(keys, data, width);
  }
}

/**
 * Serialises a chunk as UTF-8 JSON: `{format, width, keys, data}`, the rows packed as
 * little-endian 32-bit integers in base64 (a fifth of the bytes of a JSON number list, and a
 * memory copy to write or read instead of a number-by-number print and parse).
 *
 * @example
 * await store.put(key, encodeChunk(chunk));
 */
export function encodeChunk(chunk: Chunk): Buffer {
  return jsonWithRows(`{"format":"pipeline.cdc-chunk/2","width":${chunk.width},"keys":${JSON.stringify(chunk.keys)},"data":"`, chunk.data, '"}');
}

/**
 * `head`, the rows in base64, `tail`, as UTF-8 bytes, written straight into one buffer: the
 * base64 text is ASCII, so it is copied as it is (the rows are most of the bytes; encoding the
 * whole document as one string made a copy and a UTF-8 pass of them).
 */
function jsonWithRows(head: string, data: Int32Array, tail: string): Buffer {
  const rows = packRows(data);
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + rows.length + Buffer.byteLength(tail));
  out.write(head, 0, 'utf8');
  out.write(rows, headLength, 'latin1');
  out.write(tail, headLength + rows.length, 'utf8');
  return out;
}

/**
 * Reads a chunk written by {@link encodeChunk}; throws a RangeError when it is not one.
 *
 * @example
 * decodeChunk(encodeChunk(chunk), chunk.width).size === chunk.size; // true
 */
export function decodeChunk(text: string | Uint8Array, width: number, source = 'chunk'): Chunk {
  const parsed = JSON.parse(typeof text === 'string' ? text : utf8.decode(text)) as { format?: unknown; width?: unknown; keys?: unknown; data?: unknown };
  if (parsed.format !== 'pipeline.cdc-chunk/2' || parsed.width !== width || !Array.isArray(parsed.keys) || typeof parsed.data !== 'string') {
    throw new RangeError(`${source} is not a CDC chunk of width ${width}`);
  }
  return new Chunk(parsed.keys as string[], unpackRows(parsed.data, parsed.keys.length, width, source), width);
}

const utf8 = new TextDecoder();
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function packRows(data: Int32Array): string {
  if (!littleEndian) throw new RangeError('CDC chunks are written little-endian; this platform is big-endian');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function unpackRows(base64: string, rows: number, width: number, source: string): Int32Array {
  if (!littleEndian) throw new RangeError('CDC chunks are written little-endian; this platform is big-endian');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength !== rows * width * 4) throw new RangeError(`${source} has ${bytes.byteLength / 4} values for ${rows} rows of ${width}`);
  const data = new Int32Array(rows * width);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

/** Changed rows: the new row of a key, or null when it was deleted. */
export type Changes = ReadonlyMap<string, Row | null>;

/**
 * Changes packed as a journal holds them: the upserted rows in one Int32Array, keys in a map to
 * their row (or to -1 for a deletion). Read-only, and a few objects however many rows, so that a
 * large journal kept in memory costs the garbage collector little.
 */
export class PackedChanges implements ReadonlyMap<string, Row | null> {
  private constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly data: Int32Array,
    readonly width: number,
  ) {}

  /**
   * Packs changes (a map of rows, null for deletions), in the map's order.
   *
   * @example
   * PackedChanges.of(new Map([['7', [1, 0]], ['8', null]]), 2).get('8'); // null
   */
  static of(changes: ReadonlyMap<string, Row | null>, width: number): PackedChanges {
    if (changes instanceof PackedChanges) return changes;
    let rows = 0;
    for (const row of changes.values()) if (row !== null) rows++;
    const data = new Int32Array(rows * width);
    const index = new Map<string, number>();
    let at = 0;
    for (const [key, row] of changes) {
      if (row === null) index.set(key, -1);
      else {
        data.set(row, at * width);
        index.set(key, at++);
      }
    }
    return new PackedChanges(index, data, width);
  }

  /**
   * Merges layers of changes (oldest first, the later winning) into one packed object: the same
   * as packing {@link mergeChanges} of them, without a map of row views in between (a journal merge
   * copies the rows of packed layers straight from their buffers).
   *
   * @example
   * PackedChanges.merge([PackedChanges.of(new Map([['7', [1, 0]]]), 2), new Map([['7', null]])], 2).get('7'); // null
   */
  static merge(layers: ReadonlyArray<ReadonlyMap<string, Row | null>>, width: number): PackedChanges {
    // the layer holding each key's newest change, keys in the order they first appear (as a map merge keeps them)
    const newest = new Map<string, number>();
    for (let l = 0; l < layers.length; l++) for (const key of layers[l]!.keys()) newest.set(key, l);
    let rows = 0;
    for (const [key, l] of newest) {
      const layer = layers[l]!;
      if (layer instanceof PackedChanges ? layer.index.get(key)! >= 0 : layer.get(key) !== null) rows++;
    }
    const data = new Int32Array(rows * width);
    const index = new Map<string, number>();
    let at = 0;
    for (const [key, l] of newest) {
      const layer = layers[l]!;
      if (layer instanceof PackedChanges) {
        const i = layer.index.get(key)!;
        if (i < 0) {
          index.set(key, -1);
          continue;
        }
        const from = layer.data;
        for (let k = 0, src = i * width, dst = at * width; k < width; k++) data[dst + k] = from[src + k]!;
      } else {
        const row = layer.get(key)!;
        if (row === null) {
          index.set(key, -1);
          continue;
        }
        data.set(row, at * width);
      }
      index.set(key, at++);
    }
    return new PackedChanges(index, data, width);
  }

  get size(): number {
    return this.index.size;
  }

  get(key: string): Row | null | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    return i < 0 ? null : this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  *entries(): MapIterator<[string, Row | null]> {
    for (const [key, i] of this.index) yield [key, i < 0 ? null : this.data.subarray(i * this.width, (i + 1) * this.width)];
  }

  keys(): MapIterator<string> {
    return this.index.keys();
  }

  *values(): MapIterator<Row | null> {
    for (const [, row] of this.entries()) yield row;
  }

  forEach(fn: (value: Row | null, key: string, map: ReadonlyMap<string, Row | null>) => void): void {
    for (const [key, row] of this.entries()) fn(row, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, Row | null]> {
    return this.entries();
  }

  /** Serialises the changes as UTF-8 JSON: upserted keys and their packed rows, then deleted keys, in order. */
  encode(): Buffer {
    const keys: string[] = [];
    const deleted: string[] = [];
    for (const [key, i] of this.index) (i < 0 ? deleted : keys).push(key);
    return jsonWithRows(`{"format":"pipeline.cdc-journal/2","width":${this.width},"keys":${JSON.stringify(keys)},"data":"`, this.data, `","deleted":${JSON.stringify(deleted)}}`);
  }

  /**
   * Reads changes written by {@link PackedChanges.encode}.
   *
   * @example
   * PackedChanges.decode(PackedChanges.of(changes, 2).encode(), 2).size === changes.size; // true
   */
  static decode(text: string | Uint8Array, width: number, source = 'journal'): PackedChanges {
    const parsed = JSON.parse(typeof text === 'string' ? text : utf8.decode(text)) as { format?: unknown; width?: unknown; keys?: unknown; data?: unknown; deleted?: unknown };
    if (parsed.format !== 'pipeline.cdc-journal/2' || parsed.width !== width || !Array.isArray(parsed.keys) || typeof parsed.data !== 'string' || !Array.isArray(parsed.deleted)) {
      throw new RangeError(`${source} is not a CDC journal of width ${width}`);
    }
    const keys = parsed.keys as string[];
    const index = new Map<string, number>(keys.map((key, i) => [key, i]));
    for (const key of parsed.deleted as string[]) index.set(key, -1);
    return new PackedChanges(index, unpackRows(parsed.data, keys.length, width, source), width);
  }
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

/**
 * Which chunk holds a key, for a complete prefix-free set of bit strings (a chunk's name is the
 * leading bits of the hashes of its keys). Looks prefixes up by number, without building strings.
 *
 * @example
 * new ChunkIndex(['0', '10', '11']).find('5524'); // one of the three
 */
export class ChunkIndex {
  private readonly byCode = new Map<number, string>();
  private readonly depths: number[];

  constructor(prefixes: Iterable<string>) {
    const depths = new Set<number>();
    for (const prefix of prefixes) {
      depths.add(prefix.length);
      this.byCode.set(ChunkIndex.code(prefix.length, prefix === '' ? 0 : parseInt(prefix, 2)), prefix);
    }
    this.depths = [...depths].sort((a, b) => a - b);
  }

  find(key: string): string {
    const h = keyHash(key);
    for (const depth of this.depths) {
      const found = this.byCode.get(ChunkIndex.code(depth, depth === 0 ? 0 : h >>> (32 - depth)));
      if (found !== undefined) return found;
    }
    throw new RangeError(`no chunk holds key '${key}' (the chunk set is not complete)`);
  }

  private static code(depth: number, value: number): number {
    return depth * 2 ** 32 + value;
  }
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
    const shift = 31 - bits.length;
    for (const [key, row] of part) (((keyHash(key) >>> shift) & 1) === 0 ? zero : one).set(key, row);
    visit(`${bits}0`, zero);
    visit(`${bits}1`, one);
  };
  visit(prefix, rows);
  return out;
}

/**
 * The rows changed since the last fold, as the journal holds them: layers of changes, oldest
 * first, a later layer winning for a key. Immutable: adding a layer makes a new overlay, so a
 * reader of the old one (a concurrent publish) never sees half a batch.
 */
export class Overlay {
  private merged: Map<string, Row | null> | undefined;

  constructor(readonly layers: ReadonlyArray<ReadonlyMap<string, Row | null>> = []) {}

  /** Entries over all layers, counting a key once per layer (an upper bound of the distinct keys). */
  get entries(): number {
    return this.layers.reduce((sum, layer) => sum + layer.size, 0);
  }

  has(key: string): boolean {
    for (let i = this.layers.length - 1; i >= 0; i--) if (this.layers[i]!.has(key)) return true;
    return false;
  }

  /** The newest change of a key: its row, null when deleted, undefined when not changed. */
  get(key: string): Row | null | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const row = this.layers[i]!.get(key);
      if (row !== undefined) return row;
    }
    return undefined;
  }

  /** Every key's newest change, the layers merged (computed once). */
  changes(): ReadonlyMap<string, Row | null> {
    return (this.merged ??= mergeChanges(this.layers));
  }
}

/**
 * Merges layers of changes (oldest first) into one map, the later winning.
 *
 * @example
 * mergeChanges([new Map([['7', row]]), new Map([['7', null]])]).get('7'); // null
 */
export function mergeChanges(layers: ReadonlyArray<ReadonlyMap<string, Row | null>>): Map<string, Row | null> {
  const merged = new Map<string, Row | null>();
  for (const layer of layers) for (const [key, row] of layer) merged.set(key, row);
  return merged;
}
