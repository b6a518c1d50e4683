import { describe, expect, it } from 'vitest';
import { median, ratio } from '../../bench/lib/stats.js';

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not reorder the values it is given', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('ratio', () => {
  it('divides ours by theirs', () => {
    expect(ratio(5.5, 11)).toBe(0.5);
    expect(ratio(22, 11)).toBe(2);
  });

  it('is null when a side is missing or the peer is not positive', () => {
    expect(ratio(null, 1)).toBeNull();
    expect(ratio(1, undefined)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });
});
