import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectKth } from '../../shared/select.js';

describe('selectKth', () => {
  it('returns the value a sort puts at k, with nothing larger before it and nothing smaller after it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }), fc.nat(), (values, at) => {
        const k = at % values.length;
        const a = Float64Array.from(values);
        // -0 and 0 are the same number to a sort (it may put either first), so they are compared as numbers
        const plain = (xs: ArrayLike<number>) => Array.from(xs, (x) => x + 0);
        const sorted = plain([...values].sort((x, y) => x - y));
        expect(selectKth(a, k) + 0).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]!).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[k]!);
        expect(plain([...a].sort((x, y) => x - y))).toEqual(sorted);
      }),
    );
  });

  it('selects within a range, leaving the rest of the array alone', () => {
    const a = Float64Array.of(9, 5, 1, 4, 2, 3, 0);
    expect(selectKth(a, 3, 1, 5)).toBe(3);
    expect([a[0], a[6]]).toEqual([9, 0]);
  });

  it('handles sorted, reversed and constant runs', () => {
    const n = 10_001;
    expect(selectKth(Float64Array.from({ length: n }, (_, i) => i), 5_000)).toBe(5_000);
    expect(selectKth(Float64Array.from({ length: n }, (_, i) => n - i), 0)).toBe(1);
    expect(selectKth(new Float64Array(n).fill(7), 123)).toBe(7);
  });
});
