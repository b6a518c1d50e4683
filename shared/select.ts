/**
 * Hoare's selection (quickselect) over a typed array, for medians and percentiles in linear time
 * where a sort of a million values would cost most of a computation.
 */

/**
 * Rearranges `a[left..right]` so that `a[k]` holds the value a sort would put there, every value
 * before it is at most it and every value after it at least it; returns that value.
 *
 * @example
 * const a = Float64Array.of(5, 1, 4, 2, 3);
 * selectKth(a, 2); // 3 (the median); a[0] and a[1] are now 1 and 2 in some order
 */
export function selectKth(a: Float64Array, k: number, left = 0, right = a.length - 1): number {
  while (right > left) {
    // the median of three as the pivot keeps sorted, reversed and constant runs linear
    const mid = (left + right) >>> 1;
    const x = a[left]!;
    const y = a[mid]!;
    const z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}
