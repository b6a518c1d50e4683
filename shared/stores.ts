import type { PipelineConfig } from './config.js';
import { PipelineError } from './errors.js';
import { FolderStore } from './adapters/folder-store.js';
import { S3Store, s3ClientFor } from './adapters/s3-store.js';
import type { ObjectStore } from './ports/object-store.js';

/** The four areas of the pipeline's storage; each key in an area starts with `<area>/`. */
export type Area = keyof PipelineConfig['buckets'];

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
