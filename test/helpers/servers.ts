import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type PipelineConfig } from '../../shared/config.js';
import { s3ClientFor } from '../../shared/adapters/s3-store.js';

/**
 * The S3 API server of this test run, or `undefined` when there is none (then the suite skips:
 * `describe.skipIf(!s3Endpoint())`). Under CI the global setup fails instead.
 */
export function s3Endpoint(): string | undefined {
  const endpoint = inject('s3Endpoint');
  return endpoint === '' ? undefined : endpoint;
}

/** A pipeline configuration pointed at the test S3 server, with `overrides` on top. */
export function s3TestConfig(overrides: Record<string, string> = {}): PipelineConfig {
  return loadConfig({ S3_ENDPOINT: s3Endpoint(), AWS_REGION: 'us-east-1', ...overrides });
}

/** Creates a bucket with a unique name on the test server and returns its name. */
export async function freshBucket(prefix = 'test'): Promise<string> {
  const bucket = `${prefix}-${randomBytes(5).toString('hex')}`;
  await s3ClientFor(s3TestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
