/**
 * Bounded concurrency for I/O fan-out (reading or writing many objects). Hand-written because it
 * is ten lines; p-limit and friends would add a dependency for this one function.
 */

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the order.
 *
 * @example
 * await mapLimit(keys, 16, (key) => store.get(key));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
