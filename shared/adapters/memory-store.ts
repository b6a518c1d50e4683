import { ConflictError, NotFoundError } from '../errors.js';
import { checkKey, checkPrefix } from '../names.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

/**
 * An object store in this process's memory, with the same conditional-write semantics as the
 * folder and S3 adapters. Its ETag is a generation number that every write of a key increments,
 * not S3's MD5 of the bytes, so that a benchmark of a core does not count the hashing S3 does on
 * its side. For unit tests of code written against the port and for benchmarks; not for data
 * that matters.
 *
 * @example
 * const store = new MemoryStore();
 * const { etag } = await store.put('models/m/x.json', '{}');
 * await store.put('models/m/x.json', '{"v":2}', { ifMatch: etag });
 */
export class MemoryStore implements ObjectStore {
  readonly name = 'memory:';
  private readonly objects = new Map<string, { body: Uint8Array; etag: string }>();
  private generation = 0;

  async get(key: string): Promise<StoredObject> {
    check(key);
    const found = this.objects.get(key);
    if (found === undefined) throw new NotFoundError(`${this.name}${key}`);
    return { key, etag: found.etag, size: found.body.byteLength, body: found.body };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    check(key);
    const found = this.objects.get(key);
    return found === undefined ? undefined : { key, etag: found.etag, size: found.body.byteLength };
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    check(key);
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(key, { status: 412 });
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
      throw new ConflictError(key, { status: current === undefined ? 404 : 412 });
    }
    // keeps the caller's bytes (no copy): callers hand over what they put, as they do to S3
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = `"${++this.generation}"`;
    this.objects.set(key, { body: bytes, etag });
    return { etag };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix('memory:', prefix);
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, { body, etag }]) => ({ key, etag, size: body.byteLength }));
  }

  async delete(key: string): Promise<void> {
    check(key);
    this.objects.delete(key);
  }
}

/** The same rules as the folder and S3 stores (shared/names.ts), so code tested here fails there the same way. */
const check = (key: string): void => checkKey('memory:', key);
