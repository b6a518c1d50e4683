import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type PipelineConfig } from '../../shared/config.js';
import { s3ClientFor } from '../../shared/adapters/s3-store.js';
import { ensurePlannedBroker } from './kafka.js';

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

/**
 * Whether this run has a Kafka broker, known before any starts (then the suite runs:
 * `describe.skipIf(!kafkaAvailable())`). Under CI the global setup fails instead of skipping.
 */
export function kafkaAvailable(): boolean {
  return inject('kafkaBrokers') !== '' || inject('kafkaPlan') !== null;
}

/**
 * The bootstrap brokers of this run: `KAFKA_BROKERS`, or the run's own broker, started by the
 * first caller (a few seconds; the jars are fetched once per machine). Call it in `beforeAll`.
 */
export async function kafkaBrokers(): Promise<string[]> {
  const given = inject('kafkaBrokers');
  if (given !== '') return given.split(',');
  const plan = inject('kafkaPlan');
  if (plan === null) throw new Error(inject('kafkaProblem') || 'no Kafka broker in this run');
  return ensurePlannedBroker(plan);
}

/** A pipeline configuration pointed at the test broker, with `overrides` on top. */
export async function kafkaTestConfig(overrides: Record<string, string> = {}): Promise<PipelineConfig> {
  return loadConfig({ KAFKA_BROKERS: (await kafkaBrokers()).join(','), ...overrides });
}

/** A topic name no other test uses (Kafka topics outlive a test; the broker outlives the run only with KAFKA_BROKERS). */
export function freshTopic(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
