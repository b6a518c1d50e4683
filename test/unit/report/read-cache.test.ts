import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { ReadCache, ReadOnlyStoreError } from '../../../shared/report/read-cache.js';

/** A store that counts its reads. */
function counting(inner: ObjectStore): ObjectStore & { gets: number } {
  const store = {
    gets: 0,
    name: inner.name,
    get: (key: string) => {
      store.gets++;
      return inner.get(key);
    },
    head: (key: string) => inner.head(key),
    put: (...args: Parameters<ObjectStore['put']>) => inner.put(...args),
    list: (prefix: string) => inner.list(prefix),
    delete: (key: string) => inner.delete(key),
  };
  return store;
}

describe('ReadCache', () => {
  it('reads an object once while the listings show the same ETag, and again once it changed', async () => {
    const memory = new MemoryStore();
    await memory.put('results/a.json', '1');
    const inner = counting(memory);
    const cache = new ReadCache(inner);
    await cache.list('results/');
    expect(new TextDecoder().decode((await cache.get('results/a.json')).body)).toBe('1');
    await cache.list('results/');
    await cache.get('results/a.json');
    expect(inner.gets).toBe(1);
    await memory.put('results/a.json', '2');
    await cache.list('results/');
    expect(new TextDecoder().decode((await cache.get('results/a.json')).body)).toBe('2');
    expect(inner.gets).toBe(2);
  });

  it('starts again empty when full rather than growing', async () => {
    const memory = new MemoryStore();
    for (const key of ['a', 'b', 'c']) await memory.put(`r/${key}`, 'x'.repeat(10));
    const cache = new ReadCache(memory, 25);
    await cache.list('r/');
    for (const key of ['a', 'b', 'c']) await cache.get(`r/${key}`);
    expect(cache.size.bytes).toBeLessThanOrEqual(25);
  });

  it('refuses to write or delete', async () => {
    const cache = new ReadCache(new MemoryStore());
    await expect(cache.put('results/x', 'y')).rejects.toBeInstanceOf(ReadOnlyStoreError);
    await expect(cache.delete('results/x')).rejects.toThrow(/only reads/);
  });
});
