import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJournal, Overlay, type Changes } from '../../../shared/cdc/journal.js';

const row = (...values: number[]) => Int32Array.from(values);
const plain = (changes: Iterable<[string, ArrayLike<number> | null]>) => new Map([...changes].map(([k, r]) => [k, r && Array.from(r)]));

/** Batches of changes over a few keys, rows of two values (so that a row copied to the wrong place shows). */
const batches = fc.array(
  fc.array(fc.tuple(fc.constantFrom('1', '2', '3', '10', '42', 'a'), fc.option(fc.integer(), { nil: null })), { maxLength: 6 }).map((entries) => new Map(entries.map(([k, v]) => [k, v === null ? null : row(v, ~v)])) as Changes),
  { maxLength: 8 },
);

/** What a map of the batches, applied in order, holds: every key's newest change. */
function newest(changes: readonly Changes[]): Map<string, number[] | null> {
  const merged = new Map<string, number[] | null>();
  for (const batch of changes) for (const [k, r] of batch) merged.set(k, r && Array.from(r));
  return merged;
}

describe('Overlay', () => {
  it('answers every key from its newest change, deletions included', () => {
    const overlay = Overlay.empty(1).with(new Map([['a', row(1)], ['b', row(2)]])).with(new Map([['a', null]]));
    expect(overlay.get('a')).toBeNull();
    expect(Array.from(overlay.get('b')!)).toEqual([2]);
    expect(overlay.get('c')).toBeUndefined();
    expect(overlay.has('c')).toBe(false);
    expect(overlay.entries).toBe(3);
    expect(overlay.size).toBe(2);
  });

  it('keeps what each earlier version saw, read before or after later batches were added', () => {
    fc.assert(
      fc.property(batches, fc.boolean(), (changes, readEarly) => {
        const versions = [Overlay.empty(2)];
        for (const batch of changes) {
          // an earlier version read while it is still the newest, or only after: both must answer for their own batches
          if (readEarly) plain(versions.at(-1)!.changes());
          versions.push(versions.at(-1)!.with(batch));
        }
        versions.forEach((overlay, i) => expect(plain(overlay.changes())).toEqual(newest(changes.slice(0, i))));
      }),
    );
  });

  it('goes on from an earlier version without disturbing the newer ones', () => {
    const base = Overlay.empty(1).with(new Map([['a', row(1)]]));
    const newer = base.with(new Map([['a', row(2)]]));
    const fork = base.with(new Map([['b', row(3)]]));
    expect(plain(newer.changes())).toEqual(new Map([['a', [2]]]));
    expect(plain(fork.changes())).toEqual(new Map([['a', [1]], ['b', [3]]]));
    expect(plain(base.changes())).toEqual(new Map([['a', [1]]]));
  });

  it('writes any run of its segments as one object that reads back to the same changes', () => {
    fc.assert(
      fc.property(batches, fc.nat(), fc.nat(), (changes, x, y) => {
        let overlay = Overlay.empty(2);
        for (const batch of changes) overlay = overlay.with(batch);
        const from = changes.length === 0 ? 0 : x % (changes.length + 1);
        const to = from + (changes.length === 0 ? 0 : y % (changes.length - from + 1));
        const segments = decodeJournal(overlay.encode(from, to), 2);
        expect(segments).toHaveLength(to - from);
        expect(plain(Overlay.of(segments, 2).changes())).toEqual(newest(changes.slice(from, to)));
        expect(overlay.entriesOf(from, to)).toBe(changes.slice(from, to).reduce((sum, batch) => sum + batch.size, 0));
      }),
    );
  });

  it('reads a journal object of the earlier format as one segment, and refuses what is not one', () => {
    const data = Int32Array.of(1, 2, -3, 4);
    const legacy = Buffer.from(JSON.stringify({ format: 'pipeline.cdc-journal/2', width: 2, keys: ['7', '9'], data: Buffer.from(data.buffer).toString('base64'), deleted: ['8'] }));
    expect(plain(Overlay.of(decodeJournal(legacy, 2), 2).changes())).toEqual(new Map([['7', [1, 2]], ['9', [-3, 4]], ['8', null]]));
    expect(() => decodeJournal(legacy, 3, 'journal/5-ab.bin')).toThrow(/journal\/5-ab.bin is not a CDC journal of width 3/);
    const written = Overlay.empty(2).with(new Map([['7', row(1, 2)]])).encode(0, 1);
    expect(() => decodeJournal(written.subarray(0, written.length - 1), 2, 'journal/5-ab.bin')).toThrow(/journal\/5-ab.bin has 1.75 values for 1 rows of 2/);
  });
});
