import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PipelineConfig } from '../config.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../ports/object-store.js';

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
 * An S3 client for the configured endpoint: AWS when `S3_ENDPOINT` is unset, otherwise any
 * S3-compatible server (LocalStack, moto, MinIO), path-style by default.
 *
 * @example
 * const client = s3ClientFor(loadConfig(process.env));
 */
export function s3ClientFor(config: Pick<PipelineConfig, 's3'>): S3Client {
  const { endpoint, region, forcePathStyle, placeholderCredentials } = config.s3;
  return new (sdk().S3Client)({
    region,
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(placeholderCredentials ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
  });
}

const statusOf = (error: unknown): number | undefined =>
  loaded !== undefined && error instanceof loaded.S3ServiceException ? error.$metadata.httpStatusCode : undefined;

/**
 * The object-store port over one S3 bucket. Receives its client, so tests hand it one pointed
 * at a local S3 API server. Conditional writes use S3's If-Match / If-None-Match; a 412
 * (precondition failed) or 409 (concurrent conditional write) becomes a {@link ConflictError}.
 *
 * @example
 * const store = new S3Store(s3ClientFor(config), config.buckets.raw);
 * await store.put('raw/a.csv', 'x\n1\n', { ifNoneMatch: '*' });
 */
export class S3Store implements ObjectStore {
  readonly name: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {
    this.name = `s3://${bucket}`;
  }

  async get(key: string): Promise<StoredObject> {
    try {
      const out = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      const body = await out.Body!.transformToByteArray();
      return { key, etag: out.ETag ?? '', size: body.byteLength, versionId: out.VersionId, body };
    } catch (error) {
      if (statusOf(error) === 404) throw new NotFoundError(`${this.name}/${key}`, { cause: error });
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }));
      return { key, etag: out.ETag ?? '', size: out.ContentLength ?? 0, versionId: out.VersionId, lastModified: out.LastModified };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
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
      return { etag: out.ETag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
      if (status === 412 || status === 409 || (conditional && status === 404)) {
        throw new ConflictError(key, { status, cause: error });
      }
      throw error;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new (sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) out.push({ key: item.Key!, etag: item.ETag ?? '', size: item.Size ?? 0, lastModified: item.LastModified });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }));
  }
}
