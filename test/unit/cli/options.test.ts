import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCount, parseSeed } from '../../../shared/cli/options.js';

describe('parseCount', () => {
  it('reads plain, underscored and suffixed counts', () => {
    expect(parseCount('2240')).toBe(2240);
    expect(parseCount('100_000')).toBe(100_000);
    expect(parseCount('10k')).toBe(10_000);
    expect(parseCount('1M')).toBe(1_000_000);
    expect(parseCount('2.5k')).toBe(2500);
    expect(parseCount('0')).toBe(0);
  });

  it('rejects text, negatives, fractions and counts below the minimum with a reason', () => {
    for (const bad of ['', 'ten', '-5', '1.5', '10x', '1e6', '0.0001k']) {
      expect(() => parseCount(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parseCount('0', { min: 1 })).toThrow(/at least 1/);
    expect(() => parseCount('abc')).toThrow(/got 'abc'/);
  });
});

describe('parseSeed', () => {
  it('reads whole numbers up to 2^32 - 1', () => {
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed('4294967295')).toBe(4294967295);
  });

  it('rejects negatives, fractions, text and numbers past 2^32 - 1', () => {
    for (const bad of ['-1', '1.5', 'seed', '4294967296', '']) expect(() => parseSeed(bad), bad).toThrow(InvalidArgumentError);
  });
});
