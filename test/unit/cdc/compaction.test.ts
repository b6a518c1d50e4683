import { describe, expect, it } from 'vitest';
import { journalMerges, shouldFold, type CompactionPolicy } from '../../../shared/cdc/compaction.js';
import { StateDefaults } from '../../../shared/cdc/state-store.js';

const policy: CompactionPolicy = { foldMinEntries: 100, foldFraction: 1 / 4, journalFanout: 4, journalMaxObjects: 32 };

describe('shouldFold', () => {
  it('folds once the journal and the batch outgrow the larger of the minimum and the share of rows', () => {
    expect(shouldFold(policy, { journalEntries: 90, batchEntries: 10, rows: 200 })).toBe(false); // 100 is not above max(100, 50)
    expect(shouldFold(policy, { journalEntries: 90, batchEntries: 11, rows: 200 })).toBe(true);
    expect(shouldFold(policy, { journalEntries: 240, batchEntries: 10, rows: 1000 })).toBe(false); // 250 is not above max(100, 250)
    expect(shouldFold(policy, { journalEntries: 241, batchEntries: 10, rows: 1000 })).toBe(true);
  });

  it('rounds the share of rows up', () => {
    expect(shouldFold({ ...policy, foldMinEntries: 1 }, { journalEntries: 0, batchEntries: 2, rows: 5 })).toBe(false); // ceil(1.25) = 2
  });
});

describe('journalMerges', () => {
  it('merges nothing while no level has a full fanout at the tail', () => {
    expect(journalMerges(policy, [0])).toEqual([]);
    expect(journalMerges(policy, [1, 0, 0, 0])).toEqual([]);
  });

  it('merges a full fanout of one level into the next, and cascades', () => {
    expect(journalMerges(policy, [0, 0, 0, 0])).toEqual([4]);
    expect(journalMerges(policy, [1, 1, 1, 0, 0, 0, 0])).toEqual([4, 4]);
    expect(journalMerges(policy, [2, 1, 1, 1, 0, 0, 0, 0])).toEqual([4, 4]);
  });

  it('merges the newest two while there are more objects than allowed', () => {
    expect(journalMerges({ ...policy, journalMaxObjects: 2 }, [2, 1, 0])).toEqual([2]);
    expect(journalMerges({ ...policy, journalMaxObjects: 1 }, [3, 2, 1, 0])).toEqual([2, 2, 2]);
  });

  it('rewrites each change log_fanout(batches) times with the defaults', () => {
    // 4^3 batches: each batch's changes are merged into levels 1, 2 and 3
    const pieces: Array<{ level: number; batches: number }> = [];
    let rewritten = 0;
    for (let batch = 0; batch < 64; batch++) {
      pieces.push({ level: 0, batches: 1 });
      for (const count of journalMerges(StateDefaults, pieces.map((p) => p.level))) {
        const merged = pieces.splice(-count, count);
        const batches = merged.reduce((sum, p) => sum + p.batches, 0);
        pieces.push({ level: Math.max(...merged.map((p) => p.level)) + 1, batches });
        rewritten += batches;
      }
    }
    expect(pieces).toEqual([{ level: 3, batches: 64 }]);
    expect(rewritten / 64).toBe(3);
  });
});
