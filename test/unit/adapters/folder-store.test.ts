import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { isRetriable, StorageError } from '../../../shared/errors.js';
import { RetriesExhausted } from '../../../shared/retry.js';

const fresh = async () => mkdtemp(join(tmpdir(), 'folder-store-'));

describe('FolderStore errors', () => {
  it('fails at once, naming the key, on a key too long for a file name', async () => {
    const store = new FolderStore(await fresh());
    const key = `raw/${'x'.repeat(300)}.csv`;
    for (const operation of [() => store.put(key, 'x'), () => store.get(key), () => store.head(key)]) {
      const error = await operation().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ failure: 'invalid', retriable: false });
      expect((error as Error).message).toMatch(/\/raw\/x+\.csv: the key is too long for a file name \(ENAMETOOLONG\)$/);
    }
  });

  it('fails at once on a key that names a folder', async () => {
    const root = await fresh();
    await mkdir(join(root, 'raw'), { recursive: true });
    const store = new FolderStore(root);
    const get = await store.get('raw').catch((e: unknown) => e);
    expect(get).toMatchObject({ failure: 'invalid', message: `${root}/raw: the key names a folder, not an object (EISDIR)` });
    expect(isRetriable(get)).toBe(false);
    await expect(store.put('raw', 'x')).rejects.toMatchObject({ failure: 'invalid' });
  });

  it('fails at once on a key with a NUL in it', async () => {
    const store = new FolderStore(await fresh());
    await expect(store.get('raw/a\u0000b.csv')).rejects.toMatchObject({ failure: 'invalid', retriable: false, message: expect.stringMatching(/no file name can \(NUL\)/) });
  });

  it('waits for a lock another writer holds only as long as its policy says, then names it', async () => {
    const root = await fresh();
    await mkdir(join(root, 'models'), { recursive: true });
    await writeFile(join(root, 'models', 'current.json.lock'), '');
    const store = new FolderStore(root, { lockRetry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, jitter: 'none' } });
    const error = await store.put('models/current.json', '{}', { ifNoneMatch: '*' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as Error).message).toBe(`the lock of ${root}/models/current.json gave up after 3 attempts: ${root}/models/current.json is locked by another writer`);
  });
});
