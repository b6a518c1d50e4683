import { createHash, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConflictError, NotFoundError, PipelineError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

/** Objects up to this size are written without the thread pool (see put). */
const SYNC_WRITE_BYTES = 256 * 1024;

const etagOf = (body: Uint8Array): string => `"${createHash('md5').update(body).digest('hex')}"`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The embedded object store: one folder, keys as relative paths. Writes go to a temporary file
 * and are renamed into place, so readers never see half an object. Conditional writes hold a
 * lock file (`<key>.lock`, created exclusively), so they are safe across processes too.
 * ETags are the MD5 of the bytes, as S3's are for single-part uploads.
 *
 * @example
 * const store = new FolderStore('data');
 * await store.put('raw/a.csv', 'x\n1\n');
 * (await store.get('raw/a.csv')).body; // Uint8Array [120, 10, 49, 10]
 */
export class FolderStore implements ObjectStore {
  readonly name: string;
  private readonly root: string;
  private readonly etags = new Map<string, { version: string; etag: string }>();

  constructor(root: string) {
    this.root = resolve(root);
    this.name = this.root;
  }

  private path(key: string): string {
    const path = resolve(this.root, key);
    if (key === '' || key.startsWith('/') || !path.startsWith(this.root + sep)) {
      throw new PipelineError(`invalid object key '${key}': it must be a relative path inside the store`);
    }
    return path;
  }

  async get(key: string): Promise<StoredObject> {
    let body: Buffer;
    try {
      body = await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${this.name}/${key}`, { cause: error });
      throw error;
    }
    const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return { key, etag: etagOf(bytes), size: bytes.byteLength, body: bytes };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const path = this.path(key);
      const info = await stat(path);
      return { key, etag: await this.etag(path, info), size: info.size, lastModified: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = this.path(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    const release = conditional ? await this.lock(path) : undefined;
    try {
      if (conditional) {
        const current = await this.head(key);
        if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(key, { status: 412 });
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
          // S3 answers 404 when the object is gone; to the caller it is the same lost race
          throw new ConflictError(key, { status: current === undefined ? 404 : 412 });
        }
      }
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      // the folder usually exists: make it only when the write says it does not (a mkdir per put
      // was a third of the cost of writing the stream function's small objects)
      // a small object is written synchronously: the thread pool's round trips (open, write,
      // close, rename) cost more than the write itself, and the streaming function writes two
      // small objects a batch; a large one goes through the thread pool, not to block the loop
      const small = bytes.byteLength <= SYNC_WRITE_BYTES;
      const write = small ? async () => writeFileSync(temp, bytes) : () => writeFile(temp, bytes);
      // the folder usually exists: it is made only when the write says it does not
      await write().catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await mkdir(dirname(path), { recursive: true });
        await write();
      });
      if (small) renameSync(temp, path);
      else await rename(temp, path);
      // hashed when asked for: most writers never read it, and MD5 of a run's outputs is a few hundred ms at 1M rows
      let etag: string | undefined;
      return {
        get etag() {
          return (etag ??= etagOf(bytes));
        },
      };
    } finally {
      await release?.();
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.tmp') && !entry.name.endsWith('.lock')) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) {
            const info = await stat(full);
            out.push({ key, etag: await this.etag(full, info), size: info.size, lastModified: info.mtime });
          }
        }
      }
    };
    // walk only the folder that can hold the prefix
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(base === '' ? this.root : this.path(base));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /**
   * The MD5 ETag of a file, hashed once per version of it: every put renames a new file into
   * place (a new inode), so inode, size and mtime together name a version, and `head` and `list`
   * need not read unchanged files again.
   */
  private async etag(path: string, info: Stats): Promise<string> {
    const version = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const known = this.etags.get(path);
    if (known?.version === version) return known.etag;
    const etag = etagOf(await readFile(path));
    this.etags.set(path, { version, etag });
    return etag;
  }

  /** An exclusive lock file beside the object; a lock older than 30 s is taken to be abandoned. */
  private async lock(path: string): Promise<() => Promise<void>> {
    const lockPath = `${path}.lock`;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.close();
        return () => rm(lockPath, { force: true });
      } catch (error) {
        // the object's folder is made on its first write (see put)
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          await mkdir(dirname(path), { recursive: true });
          continue;
        }
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > 30_000) await rm(lockPath, { force: true });
        else await sleep(Math.min(50, 2 + attempt));
      }
    }
  }
}
