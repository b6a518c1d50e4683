import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';

const big = 2 ** 31 - 1;
const rowArb = (features: number) => fc.array(fc.integer({ min: -big, max: big }), { minLength: features + 1, maxLength: features + 1 });

/** Σ v_i v_j with BigInt: the definition the limbs must reproduce. */
function reference(features: number, rows: number[][]): string[] {
  const out: string[] = [];
  const aug = rows.map((r) => [1n, ...r.map(BigInt)]);
  for (let i = 0; i < features + 2; i++) for (let j = i; j < features + 2; j++) out.push(aug.reduce((s, v) => s + v[i]! * v[j]!, 0n).toString());
  return out;
}

describe('ExactStats', () => {
  it('holds exactly the BigInt sums of products, extreme values included', () => {
    fc.assert(
      fc.property(fc.array(rowArb(3), { maxLength: 40 }), (rows) => {
        expect(ExactStats.of(3, rows).toJSON()).toEqual(reference(3, rows));
      }),
    );
  });

  it('returns to the same sums, bit for bit, after any rows are added and taken out again', () => {
    fc.assert(
      fc.property(fc.array(rowArb(4), { maxLength: 30 }), fc.array(rowArb(4), { maxLength: 30 }), (kept, transient) => {
        const stats = ExactStats.of(4, kept);
        for (const row of transient) stats.add(row);
        for (const row of [...transient].reverse()) stats.remove(row);
        expect(stats.equals(ExactStats.of(4, kept))).toBe(true);
      }),
    );
  });

  it('holds the same sums for rows that are mostly zeros (the nonzero values alone are visited)', () => {
    const sparse = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -big, max: big })), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(sparse, { maxLength: 40 }), (rows) => {
        expect(ExactStats.of(5, rows).toJSON()).toEqual(reference(5, rows));
      }),
    );
  });

  it('updates a row to the same sums as taking it out and putting the new one in', () => {
    const value = fc.oneof(fc.constant(0), fc.integer({ min: -big, max: big }), fc.integer({ min: -3, max: 3 }));
    const row = fc.array(value, { minLength: 5, maxLength: 5 });
    // a new row: some values of the old one changed (none, a few, or all)
    const edit = (old: number[]) => fc.array(fc.option(value, { nil: undefined }), { minLength: 5, maxLength: 5 }).map((changes) => old.map((v, i) => changes[i] ?? v));
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 20 }),
        fc.array(row, { maxLength: 10 }),
        (rows, news) => {
          const stats = ExactStats.of(4, rows);
          const table = rows.map((r) => [...r]);
          news.forEach((replacement, n) => {
            const at = n % table.length;
            stats.update(table[at]!, replacement);
            table[at] = replacement;
          });
          expect(stats.toJSON()).toEqual(reference(4, table));
        },
      ),
    );
    fc.assert(
      fc.property(row.chain((old) => fc.tuple(fc.constant(old), edit(old))), ([old, next]) => {
        const stats = ExactStats.of(4, [old, [1, 2, 3, 4, 5]]);
        stats.update(old, next);
        expect(stats.equals(ExactStats.of(4, [next, [1, 2, 3, 4, 5]]))).toBe(true);
      }),
    );
  });

  it('merges two tables into the statistics of their union', () => {
    fc.assert(
      fc.property(fc.array(rowArb(2), { maxLength: 20 }), fc.array(rowArb(2), { maxLength: 20 }), (a, b) => {
        const merged = ExactStats.of(2, a);
        merged.merge(ExactStats.of(2, b));
        expect(merged.toJSON()).toEqual(ExactStats.of(2, [...a, ...b]).toJSON());
      }),
    );
  });

  it('survives a round trip through its JSON form, negative sums included', () => {
    const stats = ExactStats.of(2, [[-5, 2 ** 30, 1], [7, -(2 ** 31) + 1, 0]]);
    stats.remove([100, 100, 1]);
    const copy = ExactStats.fromJSON(2, JSON.parse(JSON.stringify(stats.toJSON())));
    expect(copy.equals(stats)).toBe(true);
    expect(copy.count()).toBe(1);
  });

  it('stays exact past the carry interval with sums beyond 2^53', () => {
    const stats = new ExactStats(1);
    const row = [2 ** 31 - 1, 1];
    const times = 2 ** 19 + 5;
    for (let i = 0; i < times; i++) stats.add(row);
    const m = stats.matrix();
    expect(m[1]![1]).toBe(BigInt(times) * (2n ** 31n - 1n) ** 2n);
    expect(m[0]![0]).toBe(BigInt(times));
  });

  it('rejects a row of the wrong width and damaged JSON', () => {
    expect(() => new ExactStats(2).add([1, 2])).toThrow(/2 values, expected 3/);
    expect(() => ExactStats.fromJSON(1, ['1', '2'])).toThrow(/expected 6/);
    expect(() => ExactStats.fromJSON(1, ['1', '2', 'x', '4', '5', '6'])).toThrow(/entry 2 is not an integer/);
  });
});
