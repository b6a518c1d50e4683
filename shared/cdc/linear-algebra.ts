/**
 * The one piece of linear algebra the model needs: solving a small symmetric positive-definite
 * system (p <= 40) by Cholesky factorisation.
 *
 * Written here rather than taken from a library (ml-matrix, mathjs...): it is thirty lines, the
 * system is 40 x 40 (about 20,000 flops), a library would add cold-start weight to the Lambda for
 * nothing, and the guarantee "incremental model == from-scratch fit" wants the arithmetic fixed in
 * one known order, not subject to a dependency's next release.
 */

/**
 * Solves `A x = b` for a symmetric positive-definite `A` (row-major, `p x p`), without changing
 * its arguments. Throws a RangeError when `A` is not positive definite.
 *
 * @example
 * choleskySolve(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1)); // Float64Array [0.5, 0]
 */
export function choleskySolve(a: Float64Array, b: Float64Array): Float64Array {
  const p = b.length;
  if (a.length !== p * p) throw new RangeError(`matrix has ${a.length} entries, expected ${p * p}`);
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= l[j * p + k]! * l[j * p + k]!;
    if (!(d > 0)) throw new RangeError(`matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = s / ljj;
    }
  }
  // forward: L z = b, then backward: Lᵀ x = z
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  return x;
}
