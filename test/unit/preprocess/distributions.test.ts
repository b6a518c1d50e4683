import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binCounts, keyColumns, levelCounts, niceEdges, type CategoricalDistribution, type NumericDistribution } from '../../../shared/preprocess/distributions.js';
import { cleanInput } from '../../../shared/preprocess/run.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess');

describe('niceEdges', () => {
  it('covers the range with round, evenly spaced edges starting at a multiple of the width', () => {
    const edges = niceEdges(1730, 142_410, 20, false);
    expect(edges[0]).toBe(0);
    expect(edges.at(-1)).toBeGreaterThanOrEqual(142_410);
    const widths = new Set(edges.slice(1).map((e, i) => e - edges[i]!));
    expect([...widths]).toEqual([10_000]);
  });

  it('keeps whole-number columns in whole-number bins', () => {
    const edges = niceEdges(0, 7, 20, true);
    expect(edges).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('gives one bin to a single value and none to a range that is not finite', () => {
    expect(niceEdges(5, 5, 20, true)).toEqual([5, 6]);
    expect(niceEdges(NaN, 3, 20, false)).toEqual([]);
  });

  it('gives decimal edges without floating-point noise', () => {
    expect(niceEdges(0.1, 0.7, 6, false)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });
});

describe('binCounts', () => {
  it('counts each value once: in its bin, below, above or null (the last edge closes the last bin)', () => {
    const counts = binCounts(Float64Array.of(-1, 0, 4.99, 5, 10, 11, NaN, 3), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1), [0, 5, 10]);
    expect(counts).toEqual({ bins: [2, 2], below: 1, above: 1, nulls: 2 });
  });
});

describe('levelCounts', () => {
  it('counts both sides over the levels of both, with the rare ones as other', () => {
    const before = ['Married', 'Married', 'YOLO', 'Alone', null, ...Array.from({ length: 12 }, (_, i) => `L${i}`)];
    const after = ['Married', 'Married', 'Unknown', 'Single'];
    const d = levelCounts(before, after);
    expect(d.levels.slice(0, 1)).toEqual(['Married']);
    expect(d.levels).toHaveLength(12);
    expect(d.before.counts.reduce((s, n) => s + n, 0) + d.before.other + d.before.nulls).toBe(before.length);
    expect(d.after.counts.reduce((s, n) => s + n, 0) + d.after.other + d.after.nulls).toBe(after.length);
    expect(d.before.nulls).toBe(1);
  });
});

describe('the distributions in report.json', () => {
  it('shows the marketing rules at work: imputed incomes and remapped statuses after, the implausible birth years below the cleaned range before', () => {
    const { report } = cleanInput(readFileSync(join(fixtures, 'marketing-small.tsv')), { source: 'marketing-small.tsv' });
    expect(Object.keys(report.distributions!)).toEqual(['Income', 'Year_Birth', 'Marital_Status', 'Education']);
    const birth = report.distributions!.Year_Birth as NumericDistribution;
    expect(birth.before.below).toBe(2); // the two 1899s
    expect(birth.after.below + birth.after.above + birth.after.nulls).toBe(0);
    expect(birth.before.bins.reduce((s, n) => s + n, 0) + birth.before.below + birth.before.above + birth.before.nulls).toBe(report.rowsIn);
    expect(birth.after.bins.reduce((s, n) => s + n, 0)).toBe(report.rowsOut);
    const income = report.distributions!.Income as NumericDistribution;
    expect(income.before.nulls).toBe(report.columns.Income!.nullsBefore);
    expect(income.before.above).toBe(2); // 666666, and 70001 of the row reusing ID 1002 (the cleaned maximum is 70000)
    const marital = report.distributions!.Marital_Status as CategoricalDistribution;
    const count = (side: 'before' | 'after', level: string) => marital[side].counts[marital.levels.indexOf(level)] ?? 0;
    expect(count('before', 'YOLO')).toBe(1);
    expect(count('after', 'YOLO')).toBe(0);
    expect(count('before', 'Alone')).toBe(1);
  });

  it('picks the imputed numeric columns and a small string column for a file of any shape', () => {
    const { report } = cleanInput(readFileSync(join(fixtures, 'auto-simple.csv')), { source: 'auto-simple.csv', schema: 'auto' });
    const names = keyColumns('auto', report.columns, report.imputed);
    expect(names[0]).toBe('score');
    expect(names).toContain('city');
    expect(Object.keys(report.distributions!)).toEqual(names);
  });
});
