/**
 * A read-only view of an object store that keeps what it read, for the dashboard: it lists the
 * same prefixes every second and re-reads the sections that changed, and most objects (partials,
 * model versions, dead letters) never change once written. An object is served from memory while
 * the latest listing still shows the ETag it was read with. Writes are refused: the dashboard
 * only looks.
 */
import { PipelineError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

/** The dashboard never writes; a write reaching this store is a bug, said loudly. */
export class ReadOnlyStoreError extends PipelineError {
  override readonly name = 'ReadOnlyStoreError';
}

/**
 * The caching, read-only store.
 *
 * @example
 * const store = new ReadCache(openStore(config, 'results'));
 * await store.list('results/stream/'); // remembers each object's ETag
 * await store.get(key); // read once, then from memory until its ETag changes
 */
export class ReadCache implements ObjectStore {
  readonly name: string;
  private readonly listed = new Map<string, string>();
  private readonly bodies = new Map<string, StoredObject>();
  private bytes = 0;

  /** @param maxBytes what the cache may hold; past it, it starts again empty (simple, and rare: outputs are small). */
  constructor(
    private readonly inner: ObjectStore,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {
    this.name = inner.name;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found = await this.inner.list(prefix);
    for (const object of found) this.listed.set(object.key, object.etag);
    return found;
  }

  async get(key: string): Promise<StoredObject> {
    const known = this.bodies.get(key);
    if (known !== undefined && known.etag === this.listed.get(key)) return known;
    const object = await this.inner.get(key);
    if (known !== undefined) this.bytes -= known.size;
    if (this.bytes + object.size > this.maxBytes) {
      this.bodies.clear();
      this.bytes = 0;
    }
    this.bodies.set(key, object);
    this.bytes += object.size;
    return object;
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  put(key: string, _body: Uint8Array | string, _options?: PutOptions): Promise<{ etag: string }> {
    return Promise.reject(new ReadOnlyStoreError(`the dashboard only reads: it refused to write ${this.name}/${key}`));
  }

  delete(key: string): Promise<void> {
    return Promise.reject(new ReadOnlyStoreError(`the dashboard only reads: it refused to delete ${this.name}/${key}`));
  }

  /** Objects held and their bytes. */
  get size(): { objects: number; bytes: number } {
    return { objects: this.bodies.size, bytes: this.bytes };
  }
}
