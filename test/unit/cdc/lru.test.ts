import { describe, expect, it } from 'vitest';
import { WeightedLru } from '../../../shared/cdc/lru.js';

describe('WeightedLru', () => {
  it('evicts the least recently used entries until the weight fits', () => {
    const cache = new WeightedLru<string>(100);
    cache.set('a', 'A', 40);
    cache.set('b', 'B', 40);
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C', 40);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    expect(cache.weight).toBe(80);
  });

  it('keeps an entry heavier than the bound until the next one arrives', () => {
    const cache = new WeightedLru<number>(10);
    cache.set('big', 1, 50);
    expect(cache.get('big')).toBe(1);
    cache.set('small', 2, 1);
    expect(cache.get('big')).toBeUndefined();
    expect(cache.weight).toBe(1);
  });

  it('replaces a key in place and forgets a deleted one', () => {
    const cache = new WeightedLru<string>(100);
    cache.set('a', 'old', 30);
    cache.set('a', 'new', 20);
    expect(cache.weight).toBe(20);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.weight).toBe(0);
  });
});
