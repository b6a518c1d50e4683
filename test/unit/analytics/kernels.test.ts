import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byBands, byInteger, correlationMatrix, counts, cross, quantiles, single, sums, topRows } from '../../../shared/analytics/kernels.js';
import { quantile } from './reference.js';

const PS = [0, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 0.99, 1];

describe('quantiles', () => {
  it('equals type-7 quantiles from a full sort, for integers (counting) and for doubles (selection)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 3000 }), { minLength: 1, maxLength: 300 }), (values) => {
        const expected = PS.map((p) => quantile(values, p));
        expect(quantiles(Int32Array.from(values), PS)).toEqual(expected);
        expect(quantiles(Float64Array.from(values), PS)).toEqual(expected);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
        const got = quantiles(Float64Array.from(values), PS);
        PS.forEach((p, i) => expect(got[i]).toBeCloseTo(quantile(values, p), 6));
      }),
    );
  });

  it('handles long runs of equal values and sorted input without going quadratic', () => {
    const sorted = Float64Array.from({ length: 200_000 }, (_, i) => i);
    const constant = new Float64Array(200_000).fill(7);
    expect(quantiles(sorted, [0.5])).toEqual([99_999.5]);
    expect(quantiles(constant, [0.2, 0.8])).toEqual([7, 7]);
  });

  it('falls back to selection for integers too spread for a histogram', () => {
    const values = Int32Array.of(-2_000_000_000, 5, 2_000_000_000);
    expect(quantiles(values, [0.5, 0.75])).toEqual([5, 1_000_000_002.5]);
  });

  it('refuses a probability outside [0, 1]', () => {
    expect(() => quantiles(Float64Array.of(1), [1.5])).toThrow(RangeError);
  });
});

describe('topRows', () => {
  it('returns the k largest values, ties to the smaller ID, like a full sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), fc.integer({ min: 1, max: 25 }), (values, k) => {
        const ids = values.map((_, i) => (i * 7919) % 1009);
        const expected = values
          .map((v, row) => ({ v, row, id: ids[row]! }))
          .sort((a, b) => b.v - a.v || a.id - b.id)
          .slice(0, k)
          .map((x) => x.row);
        expect(topRows(Int32Array.from(values), Int32Array.from(ids), k)).toEqual(expected);
      }),
    );
  });
});

describe('groupings', () => {
  it('puts a value on a band break into the upper band', () => {
    const bands = byBands(Float64Array.of(24_999.99, 25_000, 99_999, 100_000), { breaks: [25_000, 100_000], labels: ['low', 'mid', 'high'] });
    expect([...bands.ids]).toEqual([0, 1, 1, 2]);
    expect([...counts(bands)]).toEqual([1, 2, 1]);
  });

  it('crosses two groupings into labelled slots and sums per slot', () => {
    const a = byInteger(Int32Array.of(0, 1, 1, 0));
    const b = byInteger(Int32Array.of(5, 5, 6, 6));
    const both = cross(a, b);
    expect(both.labels).toEqual(['0 / 5', '0 / 6', '1 / 5', '1 / 6']);
    expect([...sums(both, Float64Array.of(1, 2, 3, 4))]).toEqual([1, 4, 2, 3]);
    expect([...sums(single(4, 'all'), Float64Array.of(1, 2, 3, 4))]).toEqual([10]);
  });
});

describe('correlationMatrix', () => {
  it('gives 1 on the diagonal, the sign of a linear relation, and null for a constant column', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const matrix = correlationMatrix([x, Float64Array.of(8, 6, 4, 2), Float64Array.of(3, 3, 3, 3)]);
    expect(matrix[0]![0]).toBe(1);
    expect(matrix[0]![1]).toBeCloseTo(-1, 12);
    expect(matrix[1]![0]).toBe(matrix[0]![1]);
    expect(matrix[0]![2]).toBeNull();
    expect(matrix[2]![2]).toBeNull();
  });
});
