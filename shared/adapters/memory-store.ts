import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

const etagOf = (body: Uint8Array): string => `"${createHash('md5').update(body).digest('hex')}"`;

/**
 * An object store in this process's memory, with the same conditional-write semantics as the
 * folder and S3 adapters (ETag = MD5 of the bytes). For unit tests of code written against the
 * port and for benchmarks that measure a core without storage latency; not for data that matters.
 *
 * @example
 * const store = new MemoryStore();
 * const { etag } = await store.put('models/m/x.json', '{}');
 * await store.put('models/m/x.json', '{"v":2}', { ifMatch: etag });
 */
export class MemoryStore implements ObjectStore {
  readonly name = 'memory:';
  private readonly objects = new Map<string, { body: Uint8Array; etag: string }>();

  async get(key: string): Promise<StoredObject> {
    const found = this.objects.get(key);
    if (found === undefined) throw new NotFoundError(`${this.name}${key}`);
    return { key, etag: found.etag, size: found.body.byteLength, body: found.body };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const found = this.objects.get(key);
    return found === undefined ? undefined : { key, etag: found.etag, size: found.body.byteLength };
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(key, { status: 412 });
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
      throw new ConflictError(key, { status: current === undefined ? 404 : 412 });
    }
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : Uint8Array.from(body);
    const etag = etagOf(bytes);
    this.objects.set(key, { body: bytes, etag });
    return { etag };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, { body, etag }]) => ({ key, etag, size: body.byteLength }));
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
