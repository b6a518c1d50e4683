import { describe, expect, it } from 'vitest';
import { parseSizes, sizeLabel } from '../../bench/lib/sizes.js';

describe('parseSizes', () => {
  it('reads a comma-separated list of sizes with k and M suffixes', () => {
    expect(parseSizes('10k,100k,1M')).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseSizes(' 2240 , 5k ')).toEqual([2240, 5000]);
  });

  it('rejects an empty list, zero and words', () => {
    expect(() => parseSizes('')).toThrow(/no sizes/);
    expect(() => parseSizes('0')).toThrow(/at least 1/);
    expect(() => parseSizes('10k,big')).toThrow(/'big'/);
  });
});

describe('sizeLabel', () => {
  it('names round sizes with k and M and leaves others as they are', () => {
    expect(sizeLabel(1_000_000)).toBe('1M');
    expect(sizeLabel(100_000)).toBe('100k');
    expect(sizeLabel(2240)).toBe('2240');
    expect(sizeLabel(1_500_000)).toBe('1500k');
  });
});
