import { describe, expect, it } from 'vitest';
import { median, quartiles, ratio } from '../../bench/lib/stats.js';

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

describe('quartiles', () => {
  it('takes the medians of the lower and upper halves, leaving out the middle value of an odd count', () => {
    expect(quartiles([1, 2, 3, 4, 5, 6, 7, 8])).toEqual([2.5, 6.5]);
    expect(quartiles([100, 3, 1, 4, 2])).toEqual([1.5, 52]);
    expect(quartiles([7])).toEqual([7, 7]);
  });

  it('refuses an empty list', () => {
    expect(() => quartiles([])).toThrow(RangeError);
  });
});
