import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { S3Store, s3ClientFor } from '../../../shared/adapters/s3-store.js';
import { ConflictError, NotFoundError } from '../../../shared/errors.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../helpers/servers.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** One contract, every adapter: the folder store and S3 on a real S3 API server behave alike. */
function contract(name: string, open: () => Promise<ObjectStore>, skip = false) {
  describe.skipIf(skip)(`ObjectStore contract: ${name}`, () => {
    it('returns what was put, with the ETag the put reported', async () => {
      const store = await open();
      const { etag } = await store.put('raw/a b.csv', 'x\n1\n');
      const got = await store.get('raw/a b.csv');
      expect(text(got.body)).toBe('x\n1\n');
      expect(got.etag).toBe(etag);
      expect((await store.head('raw/a b.csv'))?.size).toBe(4);
    });

    it('reports the new ETag in head and list after an object is rewritten', async () => {
      const store = await open();
      const first = await store.put('results/x.json', '1');
      expect((await store.head('results/x.json'))?.etag).toBe(first.etag);
      const second = await store.put('results/x.json', '22');
      expect(second.etag).not.toBe(first.etag);
      expect((await store.head('results/x.json'))?.etag).toBe(second.etag);
      expect((await store.list('results/')).find((o) => o.key === 'results/x.json')?.etag).toBe(second.etag);
    });

    it('refuses keys that leave their folder, name a folder or hold a NUL, at once and for every operation', async () => {
      const store = await open();
      await store.put('models/secret.csv', 'secret');
      for (const key of ['raw/../models/secret.csv', 'raw/', 'raw/a\u0000.csv', 'raw//a.csv']) {
        for (const operation of [() => store.get(key), () => store.head(key), () => store.put(key, 'x'), () => store.delete(key)]) {
          await expect(operation()).rejects.toMatchObject({ name: 'StorageError', failure: 'invalid', retriable: false });
        }
      }
      await expect(store.list('raw/../')).rejects.toMatchObject({ failure: 'invalid' });
      expect((await store.list('')).map((o) => o.key)).toEqual(['models/secret.csv']);
    });

    it('raises NotFoundError for a missing key and head answers undefined', async () => {
      const store = await open();
      await expect(store.get('raw/missing.csv')).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.head('raw/missing.csv')).toBeUndefined();
    });

    it('writes with If-None-Match only when the key is free', async () => {
      const store = await open();
      await store.put('models/m/state.json', '{"v":1}', { ifNoneMatch: '*' });
      await expect(store.put('models/m/state.json', '{"v":2}', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(ConflictError);
      expect(text((await store.get('models/m/state.json')).body)).toBe('{"v":1}');
    });

    it('writes with If-Match only over the ETag it names', async () => {
      const store = await open();
      const first = await store.put('models/m/state.json', '{"v":1}');
      const second = await store.put('models/m/state.json', '{"v":2}', { ifMatch: first.etag });
      const stale = store.put('models/m/state.json', '{"v":3}', { ifMatch: first.etag });
      await expect(stale).rejects.toBeInstanceOf(ConflictError);
      await expect(stale).rejects.toMatchObject({ retriable: true });
      const got = await store.get('models/m/state.json');
      expect(text(got.body)).toBe('{"v":2}');
      expect(got.etag).toBe(second.etag);
    });

    it('lets exactly one of many racing conditional writers win', async () => {
      const store = await open();
      const { etag } = await store.put('models/race.json', '0');
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put('models/race.json', String(i + 1), { ifMatch: etag })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    });

    it('says when an object was last written, in head and list', async () => {
      const store = await open();
      const before = Date.now() - 5_000;
      await store.put('processed/d/latest.json', '{}');
      const head = await store.head('processed/d/latest.json');
      const [listed] = await store.list('processed/d/');
      for (const info of [head, listed]) {
        expect(info?.lastModified).toBeInstanceOf(Date);
        expect(info!.lastModified!.getTime()).toBeGreaterThan(before);
      }
    });

    it('lists keys under a prefix in key order and deletes', async () => {
      const store = await open();
      for (const key of ['processed/b/2.csv', 'processed/a/1.csv', 'raw/c.csv']) await store.put(key, key);
      expect((await store.list('processed/')).map((o) => o.key)).toEqual(['processed/a/1.csv', 'processed/b/2.csv']);
      await store.delete('processed/a/1.csv');
      await store.delete('processed/a/1.csv');
      expect((await store.list('processed/')).map((o) => o.key)).toEqual(['processed/b/2.csv']);
    });
  });
}

contract('FolderStore', async () => new FolderStore(await mkdtemp(join(tmpdir(), 'store-'))));
contract(
  'S3Store (real S3 API server)',
  async () => new S3Store(s3ClientFor(s3TestConfig()), await freshBucket()),
  s3Endpoint() === undefined,
);

describe('FolderStore', () => {
  it('refuses keys that would escape its folder', async () => {
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'store-')));
    await expect(store.put('../outside.txt', 'x')).rejects.toThrow("invalid object key: it has a '..' segment");
  });
});
