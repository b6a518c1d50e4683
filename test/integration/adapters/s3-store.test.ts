/**
 * How the S3 adapter classifies what a real S3 API server (moto) answers: errors that cannot heal
 * fail at once, with one line naming the bucket (and key) and the reason, and are not retriable;
 * a missing bucket is never taken for a missing object; every request has a timeout.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, s3ClientFor } from '../../../shared/adapters/s3-store.js';
import { loadConfig } from '../../../shared/config.js';
import { isRetriable, NotFoundError, StorageError } from '../../../shared/errors.js';
import { startMoto } from '../../helpers/moto.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../helpers/servers.js';

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

/** How many HTTP attempts the SDK made before the error reached us. */
const attemptsOf = (error: StorageError) => (error.cause as { $metadata?: { attempts?: number } }).$metadata?.attempts;

describe.skipIf(!s3Endpoint())('S3Store errors on a real S3 API (moto)', () => {
  it('fails at once on a bucket that does not exist, naming it, for every operation', async () => {
    const store = new S3Store(s3ClientFor(s3TestConfig()), 'no-such-bucket-here');
    const operations = [() => store.get('raw/a.csv'), () => store.head('raw/a.csv'), () => store.put('raw/a.csv', 'x'), () => store.list('raw/'), () => store.put('m.json', '{}', { ifNoneMatch: '*' })];
    for (const operation of operations) {
      const error = await failure(operation());
      expect(error).not.toBeInstanceOf(NotFoundError);
      expect(error.failure).toBe('missing-bucket');
      expect(isRetriable(error)).toBe(false);
      expect(error.message).toMatch(/^s3:\/\/no-such-bucket-here: the bucket does not exist \((NoSuchBucket|NotFound), HTTP 404\)$/);
      expect(attemptsOf(error) ?? 1).toBe(1);
    }
  });

  it('still answers a missing object in an existing bucket as not there', async () => {
    const store = new S3Store(s3ClientFor(s3TestConfig()), await freshBucket('s3err'));
    expect(await store.head('raw/none.csv')).toBeUndefined();
    await expect(store.get('raw/none.csv')).rejects.toBeInstanceOf(NotFoundError);
  });

  describe('with credentials the server does not know', () => {
    let moto: { endpoint: string; stop: () => Promise<void> };
    beforeAll(async () => {
      moto = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' });
    }, 30_000);
    afterAll(() => moto?.stop());

    it('fails at once with a permission error naming the bucket and key', async () => {
      // the placeholder key `test` is one this server has never issued
      const config = loadConfig({ S3_ENDPOINT: moto.endpoint, AWS_REGION: 'us-east-1' });
      const store = new S3Store(s3ClientFor(config), 'data');
      const get = await failure(store.get('raw/a.csv'));
      expect(get.failure).toBe('permission');
      expect(get.message).toMatch(/^s3:\/\/data\/raw\/a\.csv: access denied.*\(InvalidAccessKeyId, HTTP 403\)$/);
      expect(attemptsOf(get)).toBe(1);
      const head = await failure(store.head('raw/a.csv'));
      expect([head.failure, isRetriable(head)]).toEqual(['permission', false]);
      const put = await failure(store.put('raw/a.csv', 'x'));
      expect(put.failure).toBe('permission');
    });
  });
});

describe('S3Store against a server that never answers', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer(() => {
      /* accepts the request and never answers, as a frozen server would */
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('gives up on each request after S3_TIMEOUT_MS, retriably', async () => {
    const config = loadConfig({ S3_ENDPOINT: endpoint, S3_TIMEOUT_MS: '200', AWS_MAX_ATTEMPTS: '1', AWS_REGION: 'us-east-1' });
    const error = await failure(new S3Store(s3ClientFor(config), 'data').get('raw/a.csv'));
    expect(error.failure).toBe('transient');
    expect(isRetriable(error)).toBe(true);
    expect(error.message).toMatch(/^s3:\/\/data\/raw\/a\.csv: failed for now/);
  });
});
