import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chunk, ChunkIndex, decodeChunk, encodeChunk, keyHash, splitRows } from '../../../shared/cdc/chunks.js';

const row = (...values: number[]) => Int32Array.from(values);
const plain = (chunk: Chunk) => [...chunk.entries()].map(([k, r]) => [k, Array.from(r)]);
/** `chunk` with `changes` applied (a row sets a key, null removes it), through {@link Chunk.merge}. */
function withChanges(chunk: Chunk, changes: ReadonlyMap<string, ArrayLike<number> | null>): Chunk {
  const keys = [...changes.keys()];
  const rows = new Int32Array(keys.length * chunk.width);
  const at = Int32Array.from(keys, (key, i) => (changes.get(key) === null ? -1 : i));
  keys.forEach((key, i) => at[i]! >= 0 && rows.set(changes.get(key)!, i * chunk.width));
  return chunk.merge({ keys, hashes: Uint32Array.from(keys, keyHash), at, rows });
}

describe('Chunk', () => {
  it('round-trips through its packed encoding, negative and extreme values included', () => {
    const chunk = Chunk.of(new Map([['b', row(-(2 ** 31), 1)], ['a', row(2 ** 31 - 1, 0)]]), 2);
    const back = decodeChunk(encodeChunk(chunk), 2);
    expect(plain(back).sort()).toEqual([['a', [2 ** 31 - 1, 0]], ['b', [-(2 ** 31), 1]]]);
    expect(() => decodeChunk(encodeChunk(chunk), 3)).toThrow(/not a CDC chunk of width 3/);
  });

  it('applies changes by merge exactly as a map of the rows would', () => {
    const entry = fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.option(fc.integer(), { nil: null }));
    fc.assert(
      fc.property(fc.array(entry), fc.array(entry), (base, changes) => {
        // rows of two values, so that a row copied to the wrong place shows
        const rows = new Map(base.filter(([, v]) => v !== null).map(([k, v]) => [k, row(v!, ~v!)]));
        const delta = new Map(changes.map(([k, v]) => [k, v === null ? null : row(v, ~v)]));
        const expected = new Map(rows);
        for (const [k, v] of delta) {
          if (v === null) expected.delete(k);
          else expected.set(k, v);
        }
        expect(plain(withChanges(Chunk.of(rows, 2), delta))).toEqual(plain(Chunk.of(expected, 2)));
      }),
    );
  });

  it('merges rows taken by position from a larger list (as a fold takes them from the journal) into its stored bytes', () => {
    const entry = fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.option(fc.integer(), { nil: null }));
    fc.assert(
      fc.property(fc.array(entry), fc.uniqueArray(entry, { selector: ([k]) => k }), fc.nat(5), (base, changes, spare) => {
        const rows = new Map(base.filter(([, v]) => v !== null).map(([k, v]) => [k, row(v!, ~v!)]));
        const chunk = Chunk.of(rows, 2);
        // the changed rows in reverse order behind `spare` unrelated rows, so a position read wrong shows
        const list = new Int32Array((spare + changes.length) * 2).fill(99);
        const at = Int32Array.from(changes, ([, v], i) => (v === null ? -1 : spare + changes.length - 1 - i));
        changes.forEach(([, v], i) => v !== null && list.set(row(v, ~v), at[i]! * 2));
        const keys = changes.map(([k]) => k);
        const merged = chunk.merge({ keys, hashes: Uint32Array.from(keys, keyHash), at, rows: list });
        expect(plain(merged)).toEqual(plain(withChanges(chunk, new Map(changes.map(([k, v]) => [k, v === null ? null : row(v, ~v)])))));
        // written inside its stored form: the rows are a view of those bytes, at a multiple of 4
        const stored = encodeChunk(merged);
        expect(merged.data.buffer).toBe(stored.buffer);
        expect((merged.data.byteOffset - stored.byteOffset) % 4).toBe(0);
        expect(stored[merged.data.byteOffset - stored.byteOffset - 1]).toBe(10);
        expect(plain(decodeChunk(stored, 2))).toEqual(plain(merged));
      }),
    );
  });
});

describe('Chunk keys held as their stored bytes', () => {
  // any UTF-16 unit: controls, quotes and backslashes (escaped by JSON), characters beyond ASCII, lone surrogates
  const anyKey = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 5 });

  it('gives back every key as it was, finds it and no other, before and after a merge and a round trip', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyKey, { maxLength: 40 }), fc.uniqueArray(fc.tuple(anyKey, fc.boolean()), { selector: ([k]) => k, maxLength: 20 }), fc.array(anyKey, { maxLength: 10 }), (held, changes, asked) => {
        const rows = new Map(held.map((k, i) => [k, row(i, -i)]));
        const expected = new Map(rows);
        for (const [k, keep] of changes) {
          if (keep) expected.set(k, row(7, 7));
          else expected.delete(k);
        }
        const chunk = withChanges(Chunk.of(rows, 2), new Map(changes.map(([k, keep]) => [k, keep ? row(7, 7) : null])));
        for (const c of [chunk, decodeChunk(encodeChunk(chunk), 2)]) {
          expect(new Set(c.keys)).toEqual(new Set(expected.keys()));
          expect(plain(c)).toEqual(plain(Chunk.of(expected, 2)));
          for (const [key, r] of expected) expect(Array.from(c.get(key)!)).toEqual(Array.from(r));
          for (const key of asked) if (!expected.has(key)) expect(c.get(key)).toBeUndefined();
        }
        // the header is the JSON of the keys, as JSON.stringify writes it
        const stored = encodeChunk(chunk);
        const header = stored.subarray(0, stored.indexOf(10)).toString('utf8').trimEnd();
        expect(header).toBe(JSON.stringify({ format: 'pipeline.cdc-chunk/3', width: 2, keys: chunk.keys }));
      }),
    );
  });
});

describe('Chunk keys compared as bytes', () => {
  it('never takes a key for another whose stored bytes spell its characters (as a hash collision would bring them together)', () => {
    // 'é' is stored as the bytes C3 A9, which are the codes of 'Ã©'; a newline as the bytes of '\\n'
    for (const [stored, asked] of [['é', 'Ã©'], ['\n', '\\n'], ['"', '\\"']] as const) {
      const chunk = Chunk.of(new Map([[stored, row(1, 1)]]), 2);
      expect(chunk.get(asked, keyHash(stored))).toBeUndefined();
      expect(Array.from(chunk.get(stored, keyHash(stored))!)).toEqual([1, 1]);
    }
  });
});

describe('Chunk placement order', () => {
  /** Two keys of the same 32-bit hash (found by search: about 2^16 keys give one). */
  const collision = (() => {
    const seen = new Map<number, string>();
    for (let i = 0; ; i++) {
      const key = String(i);
      const other = seen.get(keyHash(key));
      if (other !== undefined) return [other, key] as const;
      seen.set(keyHash(key), key);
    }
  })();

  it('finds every key it holds and no other, keys of equal hashes included', () => {
    const [a, b] = collision;
    expect(keyHash(a)).toBe(keyHash(b));
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 })), fc.array(fc.string({ maxLength: 6 })), (held, asked) => {
        const rows = new Map([...held, a, b].map((k, i) => [k, row(i, -i)]));
        const chunk = withChanges(Chunk.of(rows, 2), new Map([[b, row(7, 7)]]));
        rows.set(b, row(7, 7));
        for (const [key, r] of rows) expect(Array.from(chunk.get(key)!)).toEqual(Array.from(r));
        for (const key of asked) if (!rows.has(key)) expect(chunk.get(key)).toBeUndefined();
        // stored by hash, then key
        const keys = chunk.keys;
        for (let i = 1; i < chunk.size; i++) expect(chunk.hashes[i - 1]! < chunk.hashes[i]! || (chunk.hashes[i - 1] === chunk.hashes[i] && keys[i - 1]! < keys[i]!)).toBe(true);
      }),
    );
  });

  it('finds every key of a large chunk (the search that starts by interpolation) and no other', () => {
    const [a, b] = collision;
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 3_000 }), fc.integer(), fc.array(fc.string({ maxLength: 8 }), { maxLength: 50 }), (size, seed, asked) => {
        const rows = new Map([a, b, ...Array.from({ length: size }, (_, i) => `${seed}-${i}`)].map((k, i) => [k, row(i, -i)]));
        const chunk = Chunk.of(rows, 2);
        for (const [key, r] of rows) expect(Array.from(chunk.get(key)!)).toEqual(Array.from(r));
        for (const key of [...asked, `${seed}-${size}`, `${seed}--1`]) if (!rows.has(key)) expect(chunk.get(key)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });

  it('reads a chunk of the earlier format (keys in key order) into placement order', () => {
    const keys = ['1', '10', '2', '3', '30', '4'];
    const data = Int32Array.from(keys.flatMap((k) => [Number(k), -Number(k)]));
    const legacy = JSON.stringify({ format: 'pipeline.cdc-chunk/2', width: 2, keys, data: Buffer.from(data.buffer).toString('base64') });
    const chunk = decodeChunk(Buffer.from(legacy), 2);
    for (const key of keys) expect(Array.from(chunk.get(key)!)).toEqual([Number(key), -Number(key)]);
    expect(plain(decodeChunk(encodeChunk(chunk), 2))).toEqual(plain(chunk));
  });

  it('refuses a chunk of this format whose keys are out of order, naming it', () => {
    const chunk = Chunk.of(new Map([['1', row(1)], ['2', row(2)], ['3', row(3)]]), 1);
    const bytes = encodeChunk(chunk);
    const end = bytes.indexOf(10);
    const header = JSON.parse(bytes.subarray(0, end).toString()) as { keys: string[] };
    header.keys.reverse();
    const damaged = Buffer.concat([Buffer.from(JSON.stringify(header)), bytes.subarray(end)]);
    expect(() => decodeChunk(damaged, 1, 'chunks/p0/7-ab.bin')).toThrow(/chunks\/p0\/7-ab.bin has its keys out of order/);
    expect(() => decodeChunk(bytes.subarray(0, bytes.length - 4), 1, 'chunks/p0/7-ab.bin')).toThrow(/7-ab.bin has 2 values for 3 rows of 1/);
    expect(() => decodeChunk(Buffer.from('{"format":'), 1, 'chunks/p0/7-ab.bin')).toThrow(/7-ab.bin does not start with a JSON header/);
  });
});

describe('ChunkIndex and splitRows', () => {
  it('places every key in the one chunk whose bits start its hash, after any splits', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (keys, max) => {
        const parts = splitRows('', new Map(keys.map((k) => [k, row(1)])), max);
        const index = new ChunkIndex(parts.keys());
        for (const [bits, part] of parts) {
          if (bits.length < 32) expect(part.size).toBeLessThanOrEqual(max);
          for (const key of part.keys()) {
            expect(index.find(key)).toBe(bits);
            expect(keyHash(key).toString(2).padStart(32, '0').startsWith(bits)).toBe(true);
          }
        }
      }),
    );
  });

  it('finds chunks of any depth, the flat table (up to 16 bits) and the deeper sets alike, and names an incomplete set', () => {
    // one path split down to `depth` bits: '1', '01', '001', ... and the all-zero prefix
    const path = (depth: number) => [...Array.from({ length: depth }, (_, d) => `${'0'.repeat(d)}1`), '0'.repeat(depth)];
    for (const depth of [0, 1, 5, 16, 17, 24]) {
      const prefixes = depth === 0 ? [''] : path(depth);
      const index = new ChunkIndex(prefixes);
      for (let i = 0; i < 2_000; i++) {
        const key = `k${i}`;
        const bits = keyHash(key).toString(2).padStart(32, '0');
        expect(index.find(key)).toBe(prefixes.find((p) => bits.startsWith(p)));
      }
      // a key of the deepest chunk, found by search (about 2^depth tries)
      if (depth > 0 && depth <= 16) {
        let i = 0;
        while (keyHash(`d${i}`) >>> (32 - depth) !== 0) i++;
        expect(index.find(`d${i}`)).toBe('0'.repeat(depth));
      }
    }
    const incomplete = new ChunkIndex(['1', '01']);
    const orphan = Array.from({ length: 100 }, (_, i) => `o${i}`).find((k) => keyHash(k) >>> 30 === 0)!;
    expect(() => incomplete.find(orphan)).toThrow(`no chunk holds key '${orphan}'`);
    expect(incomplete.findHash(keyHash(orphan))).toBeUndefined();
  });
});
