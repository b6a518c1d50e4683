/**
 * The object-store port (docs/architecture.md, "Layers"): what the pipeline needs of S3, and nothing
 * more. Adapters: a local folder (`FolderStore`, the embedded default) and S3 (`S3Store`).
 *
 * Keys are `/`-separated and carry their area's prefix (`raw/`, `processed/`, `models/`...).
 */
export interface ObjectInfo {
  readonly key: string;
  /** Quoted, as S3 returns it: `"d41d8cd98f00b204e9800998ecf8427e"`. */
  readonly etag: string;
  readonly size: number;
  /** S3's version id when the bucket is versioned. */
  readonly versionId?: string | undefined;
  /** When the object was last written (S3's LastModified, a file's mtime), where the store says. */
  readonly lastModified?: Date | undefined;
}

export interface StoredObject extends ObjectInfo {
  readonly body: Uint8Array;
}

export interface PutOptions {
  /** Write only if the object's current ETag is this one; else `ConflictError`. */
  readonly ifMatch?: string;
  /** `'*'`: write only if no object exists under the key; else `ConflictError`. */
  readonly ifNoneMatch?: '*';
  readonly contentType?: string;
}

export interface ObjectStore {
  /** A printable name for messages: `s3://bucket` or the folder's path. */
  readonly name: string;
  /** The object, or `NotFoundError`. */
  get(key: string): Promise<StoredObject>;
  /** Metadata, or `undefined` when there is no such object. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Writes atomically: a reader sees the old bytes or the new ones, never a part. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string }>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
}
