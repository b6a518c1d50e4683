import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConflictError, NotFoundError } from '../errors.js';
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
  const client = new S3Client({
    region,
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(placeholderCredentials ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
    // the default Node.js handler's own options, which the client accepts in place of a handler
    requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: Math.min(requestTimeoutMs, 5_000) },
  });
  clients.set(config.s3, client);
  return client;
}

const statusOf = (error: unknown): number | undefined =>
  error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;

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
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await out.Body!.transformToByteArray();
      return { key, etag: out.ETag ?? '', size: body.byteLength, versionId: out.VersionId, body };
    } catch (error) {
      if (statusOf(error) === 404) throw new NotFoundError(`${this.name}/${key}`, { cause: error });
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, etag: out.ETag ?? '', size: out.ContentLength ?? 0, versionId: out.VersionId, lastModified: out.LastModified };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
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
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) out.push({ key: item.Key!, etag: item.ETag ?? '', size: item.Size ?? 0, lastModified: item.LastModified });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
