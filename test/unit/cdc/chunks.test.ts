import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chunk, ChunkIndex, decodeChunk, encodeChunk, keyHash, mergeChanges, Overlay, PackedChanges, splitRows } from '../../../shared/cdc/chunks.js';

const row = (...values: number[]) => Int32Array.from(values);
const plain = (chunk: Chunk) => [...chunk.entries()].map(([k, r]) => [k, Array.from(r)]);

describe('Chunk', () => {
  it('round-trips through its packed encoding, negative and extreme values included', () => {
    const chunk = Chunk.of(new Map([['b', row(-(2 ** 31), 1)], ['a', row(2 ** 31 - 1, 0)]]), 2);
    const back = decodeChunk(encodeChunk(chunk), 2);
    expect(plain(back)).toEqual([['a', [2 ** 31 - 1, 0]], ['b', [-(2 ** 31), 1]]]);
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
        expect(plain(Chunk.of(rows, 2).with(delta))).toEqual(plain(Chunk.of(expected, 2)));
      }),
    );
  });
});

describe('PackedChanges', () => {
  it('keeps upserts and deletions, in order, through its encoding', () => {
    const changes = new Map<string, ArrayLike<number> | null>([['8', null], ['7', [1, 2]], ['9', row(-3, 4)]]);
    const back = PackedChanges.decode(PackedChanges.of(changes, 2).encode(), 2);
    expect(back.size).toBe(3);
    expect(back.get('8')).toBeNull();
    expect(back.get('6')).toBeUndefined();
    expect([...back].map(([k, r]) => [k, r && Array.from(r)])).toEqual([['7', [1, 2]], ['9', [-3, 4]], ['8', null]]);
    expect(() => PackedChanges.decode(PackedChanges.of(changes, 2).encode(), 3)).toThrow(/not a CDC journal of width 3/);
  });

  it('merges packed and plain layers into the bytes that packing their merged map gives', () => {
    const entry = fc.tuple(fc.constantFrom('1', '2', '3', '10', '42', 'a'), fc.option(fc.integer(), { nil: null }));
    const layer = fc.tuple(fc.array(entry, { maxLength: 6 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 5 }), (specs) => {
        const layers = specs.map(([entries, packed]) => {
          const changes = new Map(entries.map(([k, v]) => [k, v === null ? null : row(v, ~v)]));
          return packed ? PackedChanges.of(changes, 2) : changes;
        });
        const expected = PackedChanges.of(mergeChanges(layers), 2);
        expect(Buffer.from(PackedChanges.merge(layers, 2).encode()).toString()).toBe(Buffer.from(expected.encode()).toString());
      }),
    );
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
});

describe('Overlay', () => {
  it('answers a key from its newest layer, deletions included', () => {
    const overlay = new Overlay([new Map([['a', row(1)], ['b', row(2)]]), new Map([['a', null]])]);
    expect(overlay.get('a')).toBeNull();
    expect(Array.from(overlay.get('b')!)).toEqual([2]);
    expect(overlay.has('c')).toBe(false);
    expect([...overlay.changes().keys()]).toEqual(['a', 'b']);
    expect(overlay.entries).toBe(3);
  });
});
