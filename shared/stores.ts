import type { Area, PipelineConfig } from './config.js';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { InputError, NotFoundError, PipelineError } from './errors.js';
import { FolderStore } from './adapters/folder-store.js';
import { S3Store, s3ClientFor } from './adapters/s3-store.js';
import type { ObjectStore } from './ports/object-store.js';

export type { Area } from './config.js';
export { s3ClientFor } from './adapters/s3-store.js';

/**
 * The object store holding an area: the embedded folder, or the area's bucket on S3.
 *
 * @example
 * const raw = openStore(loadConfig(process.env), 'raw');
 */
export function openStore(config: PipelineConfig, area: Area): ObjectStore {
  if (config.store === 'folder') return new FolderStore(config.dataDir);
  return new S3Store(s3ClientFor(config), config.buckets[area]);
}

/**
 * The object store of a bucket named at run time (the bucket of an S3 event): that bucket on S3,
 * or the embedded folder, which stands for every bucket.
 *
 * @example
 * const raw = openBucket(config, record.s3.bucket.name);
 */
export function openBucket(config: PipelineConfig, bucket: string): ObjectStore {
  if (config.store === 'folder') return new FolderStore(config.dataDir);
  return new S3Store(s3ClientFor(config), bucket);
}

/**
 * Where a store keeps a key, for messages: `s3://bucket/key` on S3; for the embedded folder a
 * path, relative to the working directory when it lies inside it (as the user typed it).
 *
 * @example
 * locate(openStore(config, 'processed'), 'processed/m/latest.json'); // 'data/processed/m/latest.json'
 */
export function locate(store: ObjectStore, key: string): string {
  if (store.name.startsWith('s3://') || store.name.startsWith('memory:')) return `${store.name}${store.name.endsWith(':') ? '' : '/'}${key}`;
  const path = join(store.name, key);
  const inside = relative(process.cwd(), path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return path;
  return key.endsWith('/') ? `${inside}/` : inside;
}

/** A parsed location: a local path, or a bucket and key prefix on S3. */
export type Location = { readonly kind: 'file'; readonly path: string } | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

/**
 * Parses `s3://bucket/key` or a local path.
 *
 * @example
 * parseLocation('s3://pipeline/raw/a.csv'); // { kind: 's3', bucket: 'pipeline', key: 'raw/a.csv' }
 */
export function parseLocation(text: string): Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (match) return { kind: 's3', bucket: match[1]!, key: match[2]! };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new PipelineError(`unsupported location '${text}': use a local path or s3://bucket/key`);
  return { kind: 'file', path: text };
}

/**
 * The bytes of a file named on the command line: a local path or `s3://bucket/key`. A missing
 * file or object is an InputError naming it.
 *
 * @example
 * const { bytes, name } = await readLocation('s3://pipeline/processed/m/cleaned.parquet', config);
 */
export async function readLocation(text: string, config: PipelineConfig): Promise<{ bytes: Uint8Array; name: string }> {
  const location = parseLocation(text);
  if (location.kind === 's3') {
    try {
      return { bytes: (await new S3Store(s3ClientFor(config), location.bucket).get(location.key)).body, name: text };
    } catch (error) {
      if (error instanceof NotFoundError) throw new InputError(text, 'does not exist', { cause: error });
      throw error;
    }
  }
  try {
    const buffer = await readFile(location.path);
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), name: location.path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(location.path, code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : (error as Error).message, { cause: error });
  }
}
