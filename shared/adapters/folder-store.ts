import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, write as writeFd, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConflictError, NotFoundError, PipelineError, StorageError, type StorageFailure } from '../errors.js';
import { checkKey, checkPrefix, keyProblem } from '../names.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';
import { retry, RetryPolicies, type RetryPolicy } from '../retry.js';
import { isAlive, ownerText, parseOwner, self, type Owner } from './owner.js';

/** Objects up to this size are written without the thread pool (see put). */
const SYNC_WRITE_BYTES = 256 * 1024;

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

/** The store's own folder under its root: temporary files and locks, never objects. */
export const PRIVATE_FOLDER = '.store';
/** A lock whose holder cannot be checked (another host) is taken to be abandoned after this long. */
const FOREIGN_LOCK_EXPIRY_MS = 30_000;
const hostTag = createHash('sha1').update(self.host).digest('hex').slice(0, 8);

/** What this process is writing or holding in folder stores: removed if it exits mid-way (see cleanUpAtExit). */
const inFlight = new Set<string>();
let exitHook = false;
function track(path: string): void {
  if (!exitHook) {
    exitHook = true;
    // a process that exits (process.exit, an uncaught error, a handled signal) takes its half-written
    // files and its locks with it; kill -9 cannot be caught, and the next writer clears those (sweep)
    process.on('exit', () => {
      for (const leftover of inFlight) rmSync(leftover, { force: true });
    });
  }
  inFlight.add(path);
}

/**
 * Writes a large object's bytes through the thread pool, the file made before the first await: a
 * process that exits meanwhile then finds it and removes it (an open left to the thread pool could
 * create the file after the exit hook had looked).
 */
async function writeLarge(path: string, bytes: Uint8Array): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    for (let offset = 0; offset < bytes.byteLength; ) {
      offset += await new Promise<number>((done, fail) => writeFd(fd, bytes, offset, bytes.byteLength - offset, null, (error, written) => (error ? fail(error) : done(written))));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The temporary file name of a write: its writer (pid, start time, host, so a leftover's owner can
 * be checked for life) and a count. Unique among the writers of a folder, as random names would
 * be, without asking the system for random bytes on every write.
 */
let tempCount = 0;
const tempName = (): string => `${tempPrefix()}${(tempCount++).toString(36)}.tmp`;
let writerTag: string | undefined;
const tempPrefix = (): string => (writerTag ??= `${self.pid}-${self.start || 'x'}-${hostTag}-${randomBytes(3).toString('hex')}-`);

/** Roots whose leftovers this process has cleared already. */
const swept = new Set<string>();

/** Writes under way in this process, per root: when none is, the store's own folder is removed if empty. */
const writing = new Map<string, number>();

/**
 * The embedded object store: one folder, keys as relative paths. Writes go to a temporary file
 * (under `.store/tmp/`) and are renamed into place, so readers never see half an object.
 * Conditional writes hold a lock file (`.store/locks/<hash of the key>.lock`, created atomically
 * with the writer's pid, start time and host in it), so they are safe across processes too; a lock
 * or temporary file left by a process that is gone (kill -9) is cleared by the next writer at once,
 * without waiting for an expiry. Keys are checked before any path is made of them
 * (`shared/names.ts`: no `..`, no NUL, no folder); file-system errors are classified into
 * StorageErrors naming the key: a name too long, a key that is a folder, a permission problem fail
 * at once; a busy or exhausted system is transient. ETags are the MD5 of the bytes, as S3's are
 * for single-part uploads.
 *
 * @example
 * const store = new FolderStore('data');
 * await store.put('raw/a.csv', 'x\n1\n');
 * (await store.get('raw/a.csv')).body; // Uint8Array [120, 10, 49, 10]
 */
export class FolderStore implements ObjectStore {
  readonly name: string;
  private readonly root: string;
  private readonly tempDir: string;
  private readonly lockDir: string;
  private readonly etags = new Map<string, { version: string; etag: string }>();
  /** Whether this store removed its temporary folder when it was last idle (see tidy). */
  private tempRemoved = false;

  constructor(
    root: string,
    private readonly options: { readonly lockRetry?: RetryPolicy } = {},
  ) {
    this.root = resolve(root);
    this.name = this.root;
    this.tempDir = join(this.root, PRIVATE_FOLDER, 'tmp');
    this.lockDir = join(this.root, PRIVATE_FOLDER, 'locks');
  }

  private path(key: string): string {
    checkKey(`${this.name}/`, key, keyProblem(key) ?? this.fileNameProblem(key));
    return join(this.root, ...key.split('/'));
  }

  private fileNameProblem(key: string): string | undefined {
    if (key.split('/', 1)[0] === PRIVATE_FOLDER) return `${PRIVATE_FOLDER}/ is the store's own folder`;
    const long = key.split('/').find((segment) => Buffer.byteLength(segment) > 255);
    return long === undefined ? undefined : `a part of it is ${Buffer.byteLength(long)} bytes, over the 255 a file name can hold`;
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
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    let release: (() => Promise<void>) | undefined;
    writing.set(this.root, (writing.get(this.root) ?? 0) + 1);
    try {
      const path = this.path(key);
      this.sweepOnce();
      release = conditional ? await this.lock(key) : undefined;
      if (conditional) {
        const current = await this.head(key);
        if (options.ifNoneMatch === '*' && current !== undefined) throw new ConflictError(key, { status: 412 });
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
          // S3 answers 404 when the object is gone; to the caller it is the same lost race
          throw new ConflictError(key, { status: current === undefined ? 404 : 412 });
        }
      }
      await this.writeAtomically(path, bytes);
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
      this.tidy();
    }
  }

  /**
   * Removes the store's own folder (`.store/` and its `tmp/` and `locks/`) when this process writes
   * nothing more under the root and the folders are empty, so a folder of outputs holds only its
   * objects. Another process's file in them keeps them (rmdir refuses a folder that is not empty).
   */
  private tidy(): void {
    const left = (writing.get(this.root) ?? 1) - 1;
    if (left > 0) {
      writing.set(this.root, left);
      return;
    }
    writing.delete(this.root);
    for (const dir of [this.tempDir, this.lockDir, dirname(this.tempDir)]) {
      try {
        rmdirSync(dir);
        if (dir === this.tempDir) this.tempRemoved = true;
      } catch {
        /* not empty, or not there */
      }
    }
  }

  /**
   * Writes the bytes to a temporary file and renames it over `path`. A small object is written
   * synchronously: the thread pool's round trips (open, write, close, rename) cost more than the
   * write itself, and the streaming function writes two small objects a batch; a large one goes
   * through the thread pool, not to block the loop. Folders are made only when a write says they
   * are missing (they usually exist).
   */
  private async writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
    const small = bytes.byteLength <= SYNC_WRITE_BYTES;
    const temp = join(this.tempDir, tempName());
    track(temp);
    let moved = false;
    try {
      // the temporary folder this store removed when it was last idle, made again at once: a writer
      // of small objects in turn (the streaming function, two a batch) otherwise paid a failed open
      // and a recursive mkdir through the thread pool on every batch, most of the cost of a write
      if (this.tempRemoved) {
        this.tempRemoved = false;
        mkdirSync(this.tempDir, { recursive: true });
      }
      const write = small ? async () => writeFileSync(temp, bytes) : () => writeLarge(temp, bytes);
      // the temporary folder is made when missing (another process may remove it when it is idle and empty)
      for (let attempt = 1; ; attempt++) {
        try {
          await write();
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
          await mkdir(this.tempDir, { recursive: true });
        }
      }
      const move = small ? async () => renameSync(temp, path) : () => rename(temp, path);
      await move().catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await mkdir(dirname(path), { recursive: true });
        await move();
      });
      moved = true;
    } catch (error) {
      // a folder on another file system than the root cannot take a rename from .store/tmp: write beside the object
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') {
        const beside = `${path}.${tempName()}`;
        track(beside);
        try {
          await writeFile(beside, bytes);
          await rename(beside, path);
        } finally {
          inFlight.delete(beside);
          await rm(beside, { force: true });
        }
        return;
      }
      throw error;
    } finally {
      inFlight.delete(temp);
      // renamed into place, it is gone from the temporary folder already
      if (!moved) await rm(temp, { force: true });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix(`${this.name}/`, prefix);
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw this.failure(error, `${prefix}*`);
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (dir !== this.root || entry.name !== PRIVATE_FOLDER) await walk(full);
        } else if (!entry.name.endsWith('.tmp') && !entry.name.endsWith('.lock')) {
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
    await walk(base === '' ? this.root : join(this.root, ...base.split('/')));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.path(key), { force: true });
    } catch (error) {
      throw this.failure(error, key);
    }
  }

  /**
   * Where the lock of `key` lives: `.store/locks/<SHA-1 of the key>.lock`, holding its writer as
   * JSON (pid, start time, host).
   *
   * @example
   * store.lockPathOf('models/response/current.json'); // '/abs/data/.store/locks/3f1c...e2.lock'
   */
  lockPathOf(key: string): string {
    return join(this.lockDir, `${createHash('sha1').update(key).digest('hex')}.lock`);
  }

  /**
   * Removes what writers that are gone left in this store: temporary files and locks whose
   * process no longer runs (on this host; another host's are left to expire). Runs once per
   * process and root, before its first write; a live writer's files are never touched.
   * Returns how many it removed.
   *
   * @example
   * new FolderStore('data').sweep(); // 2 after a kill -9 mid-commit
   */
  sweep(): number {
    let removed = 0;
    for (const name of entries(this.tempDir)) {
      const [pid, start, host] = name.split('-');
      if (host !== hostTag || !name.endsWith('.tmp')) continue;
      if (isAlive({ pid: Number(pid), start: start === 'x' ? '' : start!, host: self.host }) === false) removed += remove(join(this.tempDir, name));
    }
    for (const name of entries(this.lockDir)) {
      const path = join(this.lockDir, name);
      if (this.abandoned(path, readOwner(path))) removed += remove(path);
    }
    return removed;
  }

  private sweepOnce(): void {
    if (swept.has(this.root)) return;
    swept.add(this.root);
    this.sweep();
  }

  /** Whether a lock is its dead holder's: gone on this host, or unknowable and older than the expiry. */
  private abandoned(path: string, owner: Owner | undefined): boolean {
    const alive = owner === undefined ? undefined : isAlive(owner);
    if (alive !== undefined) return !alive;
    const age = (() => {
      try {
        return Date.now() - statSync(path).mtimeMs;
      } catch {
        return 0;
      }
    })();
    return age > FOREIGN_LOCK_EXPIRY_MS;
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
   * An exclusive lock on a key: a file naming its holder, made whole and then hard-linked into
   * place (a link fails if the lock exists, atomically, so a lock is never seen half-written).
   * A lock whose holder is gone is removed at once; one held by a live writer is waited for,
   * within RetryPolicies.folderLock (about 50 s).
   */
  private async lock(key: string): Promise<() => Promise<void>> {
    const lockPath = this.lockPathOf(key);
    const held = new PipelineError(`${this.name}/${key} is locked by another writer`, { retriable: true });
    const draft = join(this.tempDir, tempName());
    track(draft);
    try {
      // written at once (a few bytes), so an exit meanwhile finds the draft to remove
      try {
        writeFileSync(draft, ownerText());
      } catch {
        mkdirSync(this.tempDir, { recursive: true });
        writeFileSync(draft, ownerText());
      }
      await retry(
        async () => {
          try {
            await link(draft, lockPath);
            track(lockPath);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') {
              await mkdir(this.lockDir, { recursive: true });
              throw held;
            }
            if (code !== 'EEXIST') throw this.failure(error, key);
            if (this.abandoned(lockPath, readOwner(lockPath))) await rm(lockPath, { force: true });
            throw held;
          }
        },
        this.options.lockRetry ?? RetryPolicies.folderLock,
        { what: `the lock of ${this.name}/${key}`, retriable: (error) => error === held },
      );
    } finally {
      inFlight.delete(draft);
      await rm(draft, { force: true });
    }
    return async () => {
      await rm(lockPath, { force: true });
      inFlight.delete(lockPath);
    };
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readOwner(path: string): Owner | undefined {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function remove(path: string): number {
  try {
    rmSync(path);
    return 1;
  } catch {
    return 0;
  }
}
