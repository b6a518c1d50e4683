/**
 * The streaming task end to end on real servers: a Kafka broker (KRaft) and an S3 API (moto or
 * LocalStack). 100,000 readings over 3 partitions, 1% malformed, through the event-source
 * emulator and the streaming function, merged by `readStreamStats`; then the same under faults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../data/generators/random.js';
import { sensorMessages, type SensorMessage } from '../../../data/generators/sensors.js';
import { createStreamHandler } from '../../../functions/stream/handler.js';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { loadConfig } from '../../../shared/config.js';
import { createEventSource, type EventSource, type EventSourceEvent, type KafkaHandler } from '../../../shared/emulator/index.js';
import type { EventLog } from '../../../shared/ports/event-log.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { openStore } from '../../../shared/stores.js';
import type { StreamReadResult } from '../../../shared/stream/read.js';
import { StreamPrefixes, type DeadLetterFile } from '../../../shared/stream/outputs.js';
import { startPrivateBroker, type PrivateBroker } from '../../helpers/kafka.js';
import { freshBucket, freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../../helpers/servers.js';
import { expectedStats, expectMatches, readOnlySource, type Expected, type Produced } from '../../helpers/stream-oracle.js';
import { PipelineError } from '../../../shared/errors.js';

const READINGS = 100_000;
const topic = freshTopic('sensors-e2e');
const messages: SensorMessage[] = [...sensorMessages({ count: READINGS, sensors: 25, seed: 2024, badRatio: 0.01 })];

async function bucketStore(): Promise<ObjectStore> {
  const bucket = await freshBucket('stream-e2e');
  return openStore(loadConfig({ S3_ENDPOINT: s3Endpoint(), AWS_REGION: 'us-east-1', PIPELINE_BUCKET: bucket }), 'results');
}

async function produceAll(log: EventLog): Promise<Produced[]> {
  await log.ensureTopic(topic, 3);
  const produced: Produced[] = [];
  for (let i = 0; i < messages.length; i += 5_000) {
    const chunk = messages.slice(i, i + 5_000);
    const placed = await log.produce(topic, chunk.map((m) => ({ key: m.key, value: m.value })));
    placed.forEach((p, j) => produced.push({ ...p, value: chunk[j]!.value, bad: chunk[j]!.bad }));
  }
  return produced;
}

function source(log: EventLog, handler: KafkaHandler, onEvent?: (e: EventSourceEvent) => void): EventSource {
  return createEventSource({
    log,
    topic,
    group: 'stream-e2e',
    handler,
    batchSize: 500,
    maxBatchingWindowMs: 100,
    retry: { attempts: 11, initialDelayMs: 20, maxDelayMs: 500 },
    ...(onEvent ? { onEvent } : {}),
  });
}

async function deadLetterOffsets(store: ObjectStore): Promise<Set<string>> {
  const found = new Set<string>();
  for (const { key } of await store.list(StreamPrefixes.deadLetters)) {
    const file = JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as DeadLetterFile;
    for (const d of file.deadLetters) found.add(`${d.partition}/${d.offset}`);
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!kafkaAvailable() || !s3Endpoint())('streaming end to end on Kafka and S3', () => {
  let expected: Expected;
  let clean: StreamReadResult;

  it('counts every valid reading exactly once and dead-letters every malformed one with its offset', async () => {
    const log = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'stream-e2e', ssl: false, source: 'test broker' });
    try {
      const store = await bucketStore();
      expected = expectedStats(await produceAll(log));
      const es = source(log, createStreamHandler({ store }));
      const stats = await es.runUntilIdle({ idleMs: 1_000, timeoutMs: 120_000 });
      await es.stop();
      expect(stats).toMatchObject({ delivered: READINGS, failed: 0, errors: 0 });
      clean = await readOnlySource(store);
      expect(clean.uncovered).toEqual([]);
      expectMatches(clean, expected);
      expect(await deadLetterOffsets(store)).toEqual(expected.deadLetters);
      expect(clean.anomalies.length).toBeGreaterThan(0);
    } finally {
      await log.close();
    }
  }, 180_000);

  describe('under faults', () => {
    let broker: PrivateBroker;
    beforeAll(async () => {
      broker = await startPrivateBroker();
    }, 120_000);
    afterAll(async () => {
      await broker?.dispose();
    });

    it('gives the clean result despite 3 crashes, handler failures after the writes and a broker restart', async () => {
      expect(clean, 'the clean run above must pass first').toBeDefined();
      const log = new KafkaLog({ brokers: broker.brokers, clientId: 'stream-faults', ssl: false, source: 'private broker' });
      try {
        const store = await bucketStore();
        await produceAll(log);
        const handler = createStreamHandler({ store });
        const rng = new Random(5);
        let injected = 0;
        const faulty: KafkaHandler = async (event) => {
          await handler(event);
          if (rng.chance(0.05)) {
            injected++;
            throw new PipelineError('injected: the function failed after writing its outputs', { retriable: true });
          }
        };
        let delivered = 0;
        let logErrors = 0;
        const count = (e: EventSourceEvent) => {
          if (e.type === 'success') delivered += e.records;
          if (e.type === 'log-error') logErrors++;
        };
        const waitFor = async (n: number) => {
          while (delivered < n) await sleep(5);
        };
        // three crashes: the emulator is dropped mid-batch, uncommitted work is redone by the next one
        let restart: Promise<void> | undefined;
        for (const crashAt of [15_000, 40_000, 75_000]) {
          const es = source(log, faulty, count);
          await es.start();
          if (crashAt === 75_000) {
            await waitFor(55_000);
            restart = broker.restart();
          }
          await waitFor(crashAt);
          es.abort();
        }
        await restart;
        const last = source(log, faulty, count);
        await last.runUntilIdle({ idleMs: 1_000, timeoutMs: 180_000 });
        await last.stop();

        expect(injected).toBeGreaterThan(5);
        expect(logErrors).toBeGreaterThan(0);
        const faulted = await readOnlySource(store);
        expect(faulted.uncovered).toEqual([]);
        expect(faulted.windows).toEqual(clean.windows);
        expect(faulted.anomalies).toEqual(clean.anomalies);
        expect(faulted.deadLetters).toBe(clean.deadLetters);
        expectMatches(faulted, expected);
        expect(await deadLetterOffsets(store)).toEqual(expected.deadLetters);
      } finally {
        await log.close();
      }
    }, 300_000);
  });
});
