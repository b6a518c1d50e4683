/**
 * A Kafka-triggered function served against a real S3 API server (moto) whose bucket does not
 * exist: the error cannot heal, so the function fails at once, naming the bucket, instead of
 * retrying for minutes.
 */
import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { serveFunction } from '../../../shared/emulator/functions.js';
import { s3Endpoint, s3TestConfig } from '../../helpers/servers.js';

describe.skipIf(!s3Endpoint())('serveFunction on a bucket that does not exist', () => {
  it.each(['stream', 'cdc'] as const)('stops the %s function at once, naming the bucket, without retrying', async (name) => {
    const config = s3TestConfig({ PIPELINE_BUCKET: 'no-such-pipeline-bucket' });
    const log = new MemoryLog();
    const topic = name === 'stream' ? config.kafka.topics.sensor : config.kafka.topics.cdc;
    await log.ensureTopic(topic.name, 1);
    await log.produce(topic.name, Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ sensorId: `s-${i}`, ts: 1_700_000_000_000, temperature: 20 }) })));
    let invocations = 0;
    const served = serveFunction(name, log, config, { untilIdleMs: 200, onEvent: (e) => void (e.type === 'invoke' && invocations++) });
    if (name === 'stream') {
      await expect(served).rejects.toThrow(/^s3:\/\/no-such-pipeline-bucket: the bucket does not exist \(NoSuchBucket, HTTP 404\)$/);
      // bisected (4, 2, 1) down to the first record, whose failure record cannot be written either: no retries
      expect(invocations).toBe(3);
    } else {
      // cdc never gives a batch up: what cannot heal stops it at the first invocation, the batch kept for when it is fixed
      await expect(served).rejects.toThrow(/^customer_updates-0 offsets 0-3: s3:\/\/no-such-pipeline-bucket: the bucket does not exist \(NoSuchBucket, HTTP 404\) \(not retriable; the batch is kept/);
      expect(invocations).toBe(1);
      expect(await log.committed('pipeline-cdc', topic.name, 0)).toBe(0);
    }
  });
});
