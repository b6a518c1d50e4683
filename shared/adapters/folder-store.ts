import { createHash, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConflictError, NotFoundError, PipelineError, StorageError, type StorageFailure } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';
import { retry, RetryPolicies, type RetryPolicy } from '../retry.js';

/** Objects up to this size are written without the thread pool (see put). */
const SYNC_WRITE_BYTES = 256 * 1024;

/**
 * Temporary files are named by this process and a count: unique among the writers of a folder,
 * as random names were, without asking the system for random bytes on every write.
 */
const tempPrefix = `${process.pid.toString(36)}-${randomBytes(3).toString('hex')}-`;
let tempCount = 0;

const etagOf = (body: Uint8Array): string => `"${createHash('md5').update(body).digest('hex')}"`;

/** File-system error codes, by what they mean for a request (what is not here is `unknown`). */
const FileFailures: Readonly<Record<string, StorageFailure>> = {
  EACCES: 'permission',
  EPERM: 'permission',
  EROFS: 'permission',
  ENAMETOOLONG: 'invalid',
  EISDIR: 'invalid',
  ENOTDIR: 'invalid',
  EINVAL: 'invalid',
  ERR_INVALID_ARG_VALUE: 'invalid',
  EFBIG: 'too-large',
  ENOSPC: 'too-large',
  EDQUOT: 'too-large',
  EMFILE: 'transient',
  ENFILE: 'transient',
  EAGAIN: 'transient',
  EBUSY: 'transient',
  EIO: 'transient',
};

const Explanations: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the key is too long for a file name',
  EISDIR: 'the key names a folder, not an object',
  ENOTDIR: 'a part of the key is an object, not a folder',
  ERR_INVALID_ARG_VALUE: 'the key holds a character no file name can (NUL)',
  ENOSPC: 'the disk is full',
};

/**
 * The embedded object store: one folder, keys as relative paths. Writes go to a temporary file
 * and are renamed into place, so readers never see half an object. Conditional writes hold a
 * lock file (`<key>.lock`, created exclusively), so they are safe across processes too.
 * File-system errors are classified into StorageErrors naming the key: a name too long, a key
 * that is a folder, a permission problem fail at once; a busy or exhausted system is transient.
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

  constructor(
    root: string,
    private readonly options: { readonly lockRetry?: RetryPolicy } = {},
  ) {
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
      throw this.failure(error, key);
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
      throw this.failure(error, key);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = this.path(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      release = conditional ? await this.lock(path, key) : undefined;
      if (conditional) {
        const current = await this.head(key);
        if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(key, { status: 412 });
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
          // S3 answers 404 when the object is gone; to the caller it is the same lost race
          throw new ConflictError(key, { status: current === undefined ? 404 : 412 });
        }
      }
      const temp = `${path}.${tempPrefix}${(tempCount++).toString(36)}.tmp`;
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
    } catch (error) {
      throw this.failure(error, key);
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
        throw this.failure(error, `${prefix}*`);
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
    try {
      await rm(this.path(key), { force: true });
    } catch (error) {
      throw this.failure(error, key);
    }
  }

  /** A file-system error as the pipeline's: a StorageError naming the key, or the pipeline's own error as it is. */
  private failure(error: unknown, key: string): PipelineError {
    if (error instanceof PipelineError) return error;
    const code = (error as NodeJS.ErrnoException)?.code ?? '';
    const failure = FileFailures[code] ?? 'unknown';
    const reason = Explanations[code] ?? (error as Error)?.message ?? String(error);
    return new StorageError(`${this.name}/${key}`, failure, `${reason}${code === '' ? '' : ` (${code})`}`, { cause: error });
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

  /**
   * An exclusive lock file beside the object; a lock older than 30 s is taken to be abandoned and
   * broken. Waiting for a live holder is bounded (RetryPolicies.folderLock, about 50 s).
   */
  private async lock(path: string, key: string): Promise<() => Promise<void>> {
    const lockPath = `${path}.lock`;
    const held = new PipelineError(`${this.name}/${key} is locked by another writer`, { retriable: true });
    await retry(
      async () => {
        try {
          const handle = await open(lockPath, 'wx');
          await handle.close();
        } catch (error) {
          // the object's folder is made on its first write (see put)
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            await mkdir(dirname(path), { recursive: true });
            throw held;
          }
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.failure(error, key);
          const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
          if (age > 30_000) await rm(lockPath, { force: true });
          throw held;
        }
      },
      this.options.lockRetry ?? RetryPolicies.folderLock,
      { what: `the lock of ${this.name}/${key}`, retriable: (error) => error === held },
    );
    return () => rm(lockPath, { force: true });
  }
}
