import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { median, runRepeated } from '../../../shared/analytics/repeat.js';
import { FIXTURES, readCleanedCsv } from './helpers.js';

describe('runRepeated', () => {
  it('loads once, then counts the first run as cold (with the load) and the median of the rest as warm', async () => {
    let now = 0;
    let loads = 0;
    const { summary } = await runRepeated(
      async () => {
        loads++;
        now += 1000;
        return readCleanedCsv(join(FIXTURES, 'cleaned-sample.csv'));
      },
      { runs: 4, names: ['cohorts'], clock: () => (now += 1) },
    );
    expect(loads).toBe(1);
    // each clock read advances 1 ms: a run reads it 4 times (start, analysis start and end, end)
    expect(summary.timings).toEqual({ loadMs: 1001, coldMs: 1001 + 3, warmMs: 3, runs: 4 });
    expect(summary.analyses.cohorts!.ms).toBe(1);
    expect(summary.analyses.cohorts!.rows.length).toBeGreaterThan(0);
  });

  it('has no warm time with a single run, and refuses zero runs', async () => {
    const load = async () => readCleanedCsv(join(FIXTURES, 'cleaned-sample.csv'));
    expect((await runRepeated(load, { runs: 1, names: ['rfm'] })).summary.timings.warmMs).toBeNull();
    await expect(runRepeated(load, { runs: 0 })).rejects.toThrow(RangeError);
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
