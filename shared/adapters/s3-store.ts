import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConflictError, NotFoundError, StorageError } from '../errors.js';
import { checkKey, checkPrefix } from '../names.js';
import { classifyAwsError, describeAwsError } from './aws-errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

/** How to reach S3 (the `s3` part of the pipeline's configuration). */
export interface S3Settings {
  /** Any S3-compatible server; undefined means AWS itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Sign with `test`/`test` (local servers accept any credentials). */
  readonly placeholderCredentials: boolean;
  /** How long a request may take, and a connection may take to open (at most 5 s of it). */
  readonly requestTimeoutMs: number;
}

const clients = new WeakMap<S3Settings, S3Client>();

/**
 * The S3 client library, loaded when a client is first made: it is about 150 ms of start-up that
 * commands on local files (and `pipeline --help`) need not pay. A literal `require` call, so that
 * esbuild still bundles the library (into the Lambda bundles and the CLI's), evaluated on that
 * first call; unbundled ES modules (tsx, vitest) have no `require` and ask Node for one.
 */
let loaded: typeof S3Sdk | undefined;
function sdk(): typeof S3Sdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load described above
  loaded ??= (typeof require === 'function' ? require('@aws-sdk/client-s3') : createRequire(import.meta.url)('@aws-sdk/client-s3')) as typeof S3Sdk;
  return loaded;
}

/**
 * The S3 client of a configuration, one per configuration: AWS when no endpoint is set, otherwise
 * any S3-compatible server (LocalStack, moto, MinIO), path-style by default. Every request has a
 * timeout (the SDK has none by default: a frozen server would stall a function until Lambda kills it).
 *
 * @example
 * const client = s3ClientFor(loadConfig(process.env));
 */
export function s3ClientFor(config: { readonly s3: S3Settings }): S3Client {
  const known = clients.get(config.s3);
  if (known !== undefined) return known;
  const { endpoint, region, forcePathStyle, placeholderCredentials, requestTimeoutMs } = config.s3;
  const client = new (sdk().S3Client)({
    region,
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(placeholderCredentials ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
    // the default Node.js handler's own options, which the client accepts in place of a handler
    requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: Math.min(requestTimeoutMs, 5_000) },
  });
  clients.set(config.s3, client);
  return client;
}

/**
 * The object-store port over one S3 bucket. Receives its client, so tests hand it one pointed
 * at a local S3 API server. Conditional writes use S3's If-Match / If-None-Match; a 412
 * (precondition failed) or 409 (concurrent conditional write) becomes a {@link ConflictError}.
 * Keys are checked before any request (shared/names.ts: no `..`, no NUL, no folder). Every other
 * failure is classified here (./aws-errors.ts) into a {@link StorageError} naming the bucket and key: a missing bucket is never "object not found", and only transient failures are
 * retriable (the SDK has already retried those a few times itself).
 *
 * @example
 * const store = new S3Store(s3ClientFor(config), config.buckets.raw);
 * await store.put('raw/a.csv', 'x\n1\n', { ifNoneMatch: '*' });
 */
export class S3Store implements ObjectStore {
  readonly name: string;
  /** Set once any request has shown the bucket exists: a HEAD's bare 404 then means the object. */
  private bucketSeen = false;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {
    this.name = `s3://${bucket}`;
  }

  async get(key: string): Promise<StoredObject> {
    this.check(key);
    try {
      const out = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      const body = await out.Body!.transformToByteArray();
      this.bucketSeen = true;
      return { key, etag: out.ETag ?? '', size: body.byteLength, versionId: out.VersionId, body };
    } catch (error) {
      const kind = classifyAwsError(error);
      if (kind.code === 'NoSuchKey') throw new NotFoundError(`${this.name}/${key}`, { cause: error });
      throw this.failure(error, key, kind);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.check(key);
    try {
      const out = await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }));
      this.bucketSeen = true;
      return { key, etag: out.ETag ?? '', size: out.ContentLength ?? 0, versionId: out.VersionId, lastModified: out.LastModified };
    } catch (error) {
      // a HEAD has no body, so S3 cannot say which is missing, the object or the bucket: ask once
      const kind = classifyAwsError(error);
      if (kind.status === 404 && (await this.bucketExists(error, key))) return undefined;
      throw this.failure(error, key, kind);
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    this.check(key);
    try {
      const out = await this.client.send(
        new (sdk().PutObjectCommand)({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          IfMatch: options.ifMatch,
          IfNoneMatch: options.ifNoneMatch,
        }),
      );
      this.bucketSeen = true;
      return { etag: out.ETag ?? '' };
    } catch (error) {
      const kind = classifyAwsError(error);
      const { code, status } = kind;
      const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
      if (status === 412 || status === 409 || (conditional && status === 404 && code !== 'NoSuchBucket')) {
        throw new ConflictError(key, { status, cause: error });
      }
      throw this.failure(error, key, kind);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix(`${this.name}/`, prefix);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new (sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) out.push({ key: item.Key!, etag: item.ETag ?? '', size: item.Size ?? 0, lastModified: item.LastModified });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.failure(error, `${prefix}*`);
    }
    this.bucketSeen = true;
    return out;
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    try {
      await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.failure(error, key);
    }
  }

  /** A key that breaks the rules of shared/names.ts is refused before any request is made of it. */
  private check(key: string): void {
    checkKey(`${this.name}/`, key);
  }

  private failure(error: unknown, key: string, kind = classifyAwsError(error)): StorageError {
    const location = kind.failure === 'missing-bucket' ? this.name : `${this.name}/${key}`;
    return new StorageError(location, kind.failure, describeAwsError(error, kind), { cause: error });
  }

  /** Whether the bucket exists, asked once per store (HeadBucket); a missing bucket is a StorageError. */
  private async bucketExists(cause: unknown, key: string): Promise<boolean> {
    if (this.bucketSeen) return true;
    try {
      await this.client.send(new (sdk().HeadBucketCommand)({ Bucket: this.bucket }));
    } catch (error) {
      if (classifyAwsError(error).status === 404) {
        throw new StorageError(this.name, 'missing-bucket', describeAwsError(cause, { failure: 'missing-bucket', code: 'NoSuchBucket', status: 404 }), { cause });
      }
      throw this.failure(error, key);
    }
    this.bucketSeen = true;
    return true;
  }
}
