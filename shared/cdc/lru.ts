/**
 * A least-recently-used cache bounded by the total weight of its entries (rows, for the CDC
 * state's chunks and journals) rather than their number. An entry heavier than the bound stays
 * until the next one arrives.
 *
 * @example
 * const cache = new WeightedLru<string>(100);
 * cache.set('a', 'x', 60);
 * cache.set('b', 'y', 60); // 'a' is evicted
 * cache.get('a'); // undefined
 */
export class WeightedLru<T> {
  private readonly entries = new Map<string, { value: T; weight: number }>();
  private total = 0;

  constructor(private readonly maxWeight: number) {}

  /** The value, now the most recently used; undefined when absent. */
  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Keeps `value`, then evicts the least recently used entries until the weight fits. */
  set(key: string, value: T, weight: number): void {
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [old, entry] of this.entries) {
      if (this.total <= this.maxWeight || old === key) break;
      this.entries.delete(old);
      this.total -= entry.weight;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  /** The summed weight of what is held. */
  get weight(): number {
    return this.total;
  }
}
