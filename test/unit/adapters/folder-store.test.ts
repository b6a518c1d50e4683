import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { ownerText, self } from '../../../shared/adapters/owner.js';
import { isRetriable, StorageError } from '../../../shared/errors.js';
import { RetriesExhausted } from '../../../shared/retry.js';

const fresh = async () => mkdtemp(join(tmpdir(), 'folder-store-'));
const root = resolve(import.meta.dirname, '..', '..', '..');
const quickLock = { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, jitter: 'none' } as const;

/** Every file under `dir`, recursively, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** A Node child running `script` (an ES module that may import the project's TypeScript). */
function node(script: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
}

const exited = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

describe('FolderStore errors', () => {
  it('fails at once, naming the key, on a key too long for a file name', async () => {
    const store = new FolderStore(await fresh());
    const key = `raw/${'x'.repeat(300)}.csv`;
    for (const operation of [() => store.put(key, 'x'), () => store.get(key), () => store.head(key), () => store.delete(key)]) {
      const error = await operation().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ failure: 'invalid', retriable: false });
      expect((error as Error).message).toMatch(/\/raw\/x+\.csv: invalid object key: a part of it is 304 bytes, over the 255 a file name can hold$/);
    }
  });

  it('fails at once on a key that names a folder', async () => {
    const dir = await fresh();
    await mkdir(join(dir, 'raw'), { recursive: true });
    const store = new FolderStore(dir);
    const get = await store.get('raw').catch((e: unknown) => e);
    expect(get).toMatchObject({ failure: 'invalid', message: `${dir}/raw: the key names a folder, not an object (EISDIR)` });
    expect(isRetriable(get)).toBe(false);
    await expect(store.put('raw', 'x')).rejects.toMatchObject({ failure: 'invalid' });
    // the key of S3's "folder" object: refused before the file system is asked
    await expect(store.get('raw/')).rejects.toMatchObject({ failure: 'invalid', retriable: false, message: `${dir}/raw/: invalid object key: it ends with '/': it names a folder, not an object` });
  });

  it('fails at once on a key with a NUL in it', async () => {
    const store = new FolderStore(await fresh());
    await expect(store.get('raw/a\u0000b.csv')).rejects.toMatchObject({ failure: 'invalid', retriable: false, message: expect.stringMatching(/control character U\+0000$/) });
  });

  it('refuses keys that leave their folder, before any path is made of them', async () => {
    const dir = await fresh();
    await mkdir(join(dir, 'models'), { recursive: true });
    await writeFile(join(dir, 'models', 'secret.csv'), 'secret');
    const store = new FolderStore(join(dir));
    for (const key of ['raw/../models/secret.csv', 'raw/./a.csv', 'raw//a.csv', '/etc/passwd', '.store/locks/x.lock']) {
      await expect(store.get(key)).rejects.toMatchObject({ failure: 'invalid', retriable: false });
      await expect(store.put(key, 'x')).rejects.toMatchObject({ failure: 'invalid' });
    }
    await expect(store.list('raw/../models/')).rejects.toMatchObject({ failure: 'invalid' });
    expect((await filesUnder(dir)).sort()).toEqual(['models/secret.csv']);
  });
});

describe('FolderStore locks and temporary files', () => {
  it('waits for a lock a live writer holds only as long as its policy says, then names it', async () => {
    const dir = await fresh();
    const store = new FolderStore(dir, { lockRetry: quickLock });
    await mkdir(join(dir, '.store', 'locks'), { recursive: true });
    await writeFile(store.lockPathOf('models/current.json'), ownerText(self));
    const error = await store.put('models/current.json', '{}', { ifNoneMatch: '*' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as Error).message).toBe(`the lock of ${dir}/models/current.json gave up after 3 attempts: ${dir}/models/current.json is locked by another writer`);
  });

  it('takes over at once a lock whose writer is gone, and one whose pid now belongs to another process', async () => {
    const dir = await fresh();
    const store = new FolderStore(dir, { lockRetry: quickLock });
    await mkdir(join(dir, '.store', 'locks'), { recursive: true });
    const child = node('');
    const pid = child.pid!;
    await exited(child);
    await writeFile(store.lockPathOf('models/a.json'), ownerText({ pid, start: self.start, host: self.host }));
    // this very pid, but started at another time: the process that wrote the lock is gone
    await writeFile(store.lockPathOf('models/b.json'), ownerText({ pid: process.pid, start: `${self.start}0`, host: self.host }));
    await store.put('models/a.json', '{}', { ifNoneMatch: '*' });
    await store.put('models/b.json', '{}', { ifNoneMatch: '*' });
    expect((await filesUnder(dir)).sort()).toEqual(['models/a.json', 'models/b.json']);
  });

  it('lets the next writer go on at once after a writer is killed -9 holding a lock, and leaves no lock or temporary file', async () => {
    const dir = await fresh();
    const key = 'models/response/state/manifests/0.json';
    // a writer that commits an object with If-Match in a loop (almost always inside its lock) while
    // it writes a large one beside it (almost always mid-write)
    const writer = `
      import { FolderStore } from './shared/adapters/folder-store.ts';
      const store = new FolderStore(${JSON.stringify(dir)});
      const body = new Uint8Array(1 << 20);
      let { etag } = await store.put(${JSON.stringify(key)}, body);
      process.stdout.write('ready\\n');
      void (async () => { for (;;) await store.put('results/large.bin', new Uint8Array(32 << 20)); })();
      for (let i = 0; ; i++) { body[0] = i & 255; ({ etag } = await store.put(${JSON.stringify(key)}, body, { ifMatch: etag })); }`;
    let leftovers: string[] = [];
    const both = () => leftovers.some((f) => f.endsWith('.lock')) && leftovers.some((f) => f.endsWith('.tmp'));
    // each new writer clears what the last one left, so try until one kill leaves both behind
    for (let attempt = 0; attempt < 10 && !both(); attempt++) {
      const child = node(writer);
      await new Promise<void>((ready) => child.stdout!.once('data', () => ready()));
      await new Promise((r) => setTimeout(r, 200 + attempt * 37));
      child.kill('SIGKILL');
      await exited(child);
      leftovers = (await filesUnder(dir)).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'));
    }
    expect(both()).toBe(true);

    const next = new FolderStore(dir, { lockRetry: quickLock });
    const current = await next.head(key);
    await next.put(key, 'after the crash', { ifMatch: current!.etag });
    expect((await filesUnder(dir)).filter((f) => f !== 'results/large.bin')).toEqual([key]);
    expect(new TextDecoder().decode((await next.get(key)).body)).toBe('after the crash');
  });

  it('removes its own temporary files and locks when the process exits mid-write', async () => {
    const dir = await fresh();
    const child = node(`
      import { FolderStore } from './shared/adapters/folder-store.ts';
      const store = new FolderStore(${JSON.stringify(dir)});
      await store.put('a.bin', new Uint8Array(10));
      void store.put('a.bin', new Uint8Array(8 << 20), { ifNoneMatch: '*' }).catch(() => {});
      void store.put('b.bin', new Uint8Array(8 << 20));
      // exit once a temporary file is there, so the test sees the exit hook remove one
      const { readdirSync } = await import('node:fs');
      const midWrite = () => { try { return readdirSync(${JSON.stringify(join(dir, '.store', 'tmp'))}).length > 0; } catch { return false; } };
      const exitMidWrite = () => (midWrite() ? process.exit(3) : setImmediate(exitMidWrite));
      exitMidWrite();`);
    await exited(child);
    expect(child.exitCode).toBe(3);
    expect((await filesUnder(dir)).filter((f) => !f.endsWith('.bin'))).toEqual([]);
  });

  it('leaves only its objects in the folder after each write, and writes again after removing its own folder', async () => {
    const dir = await fresh();
    const store = new FolderStore(dir);
    await Promise.all([store.put('a/1.json', '{}'), store.put('a/2.json', '[]')]);
    expect((await readdir(dir)).sort()).toEqual(['a']);
    await store.put('a/3.json', '"x"');
    expect((await readdir(dir)).sort()).toEqual(['a']);
    expect(await filesUnder(dir)).toEqual(expect.arrayContaining([join('a', '1.json'), join('a', '2.json'), join('a', '3.json')]));
    expect(new TextDecoder().decode((await store.get('a/3.json')).body)).toBe('"x"');
  });
});
