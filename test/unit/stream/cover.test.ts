import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseCover, type OffsetRange } from '../../../shared/stream/cover.js';

const r = (firstOffset: number, lastOffset: number): OffsetRange => ({ firstOffset, lastOffset });
const offsets = (ranges: readonly OffsetRange[]) => ranges.flatMap((x) => Array.from({ length: x.lastOffset - x.firstOffset + 1 }, (_, i) => x.firstOffset + i));

describe('chooseCover', () => {
  it('takes the halves of a bisected batch or the batch, never both', () => {
    const { chosen } = chooseCover([r(0, 99), r(0, 49), r(50, 99), r(100, 199)]);
    expect(offsets(chosen)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('finds a path through a batch that a restart cut differently', () => {
    const { chosen, uncovered } = chooseCover([r(0, 99), r(0, 49), r(50, 149), r(150, 199)]);
    expect(chosen).toEqual([r(0, 49), r(50, 149), r(150, 199)]);
    expect(uncovered).toEqual([]);
  });

  it('steps over gaps no partial covers (batches sent to the on-failure destination)', () => {
    const { chosen, uncovered } = chooseCover([r(0, 9), r(20, 29), r(20, 24), r(25, 29), r(40, 40)]);
    expect(chosen).toEqual([r(0, 9), r(20, 29), r(40, 40)]);
    expect(uncovered).toEqual([]);
  });

  it('reports the ranges it cannot fit without counting twice', () => {
    const { chosen, uncovered } = chooseCover([r(0, 9), r(5, 14)]);
    expect(chosen).toEqual([r(0, 9)]);
    expect(uncovered).toEqual([r(5, 14)]);
  });

  it('covers every offset of any history of batches, retries and restarts exactly once', () => {
    const history = fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 1, max: 199 }), { maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
      )
      .map(([cuts, kept, extras]) => {
        // the successful batches of the last run: a tiling of 0..199, some tiles lost to on-failure
        const points = [0, ...cuts.sort((a, b) => a - b), 200];
        const tiles = points.slice(1).map((end, i) => r(points[i]!, end - 1));
        const survivors = tiles.filter((_, i) => kept[i] !== false || i === 0);
        // extra partials from failed or uncommitted attempts: any range inside a run of kept tiles
        const runs: OffsetRange[] = [];
        for (const t of survivors) {
          const last = runs[runs.length - 1];
          if (last && last.lastOffset + 1 === t.firstOffset) runs[runs.length - 1] = r(last.firstOffset, t.lastOffset);
          else runs.push(t);
        }
        const more = extras.map(([a, b]) => {
          const run = runs[a % runs.length]!;
          const size = run.lastOffset - run.firstOffset + 1;
          const start = run.firstOffset + (a % size);
          return r(start, start + (b % (run.lastOffset - start + 1)));
        });
        return { all: [...survivors, ...more], union: offsets(runs) };
      });
    fc.assert(
      fc.property(history, fc.nat(), ({ all, union }, seed) => {
        const shuffled = all.map((x, i) => ({ x, k: (i * 7919 + seed) % 997 })).sort((a, b) => a.k - b.k).map((y) => y.x);
        const { chosen, uncovered } = chooseCover(shuffled);
        expect(uncovered).toEqual([]);
        expect(offsets(chosen)).toEqual(union);
      }),
      { numRuns: 500 },
    );
  });
});
