import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { PipelineError } from '../../../shared/errors.js';
import { freePort } from '../../helpers/moto.js';
import { startPrivateBroker, type PrivateBroker } from '../../helpers/kafka.js';
import { freshTopic, kafkaAvailable, kafkaBrokers } from '../../helpers/servers.js';
import { javaPlacement } from './event-log-contract.js';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

/** What only the Kafka adapter does; the shared behaviour is in event-log-contract.ts. */
describe.skipIf(!kafkaAvailable())('KafkaLog on a real broker', () => {
  let log: KafkaLog;
  beforeAll(async () => {
    log = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'kafka-log-test', ssl: false, source: 'test broker' });
  });
  afterAll(async () => {
    await log?.close();
  });

  it('stores each keyed record on the partition Java clients compute, as a fetch from there shows', async () => {
    const topic = freshTopic();
    const count = 6;
    const c = javaPlacement.partitionCounts.indexOf(count);
    await log.ensureTopic(topic, count);
    await log.produce(topic, javaPlacement.keys.map(({ key }) => ({ key, value: key })));
    for (let partition = 0; partition < count; partition++) {
      const stored = (await log.fetch(topic, partition, 0, { maxRecords: 1000 })).map((r) => text(r.key));
      const expected = javaPlacement.keys.filter((k) => k.partitions[c] === partition).map((k) => k.key);
      expect({ partition, keys: stored }).toEqual({ partition, keys: expected });
    }
  });

  it('splits a large produce into several requests and still reports every offset in order', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 2);
    // about 3 MB: over Kafka's 1 MiB message.max.bytes for a single batch
    const value = 'v'.repeat(3000);
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i % 7}`, value: `${i}:${value}` }));
    const produced = await log.produce(topic, messages);
    expect(produced).toHaveLength(1000);
    for (const partition of [0, 1]) {
      const mine = produced.map((p, i) => ({ ...p, i })).filter((p) => p.partition === partition);
      expect(mine.map((p) => p.offset)).toEqual(mine.map((_, n) => n));
      const records = await log.fetch(topic, partition, 0, { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 });
      expect(records.map((r) => text(r.value)!.split(':')[0])).toEqual(mine.map((p) => String(p.i)));
    }
  });

  it('answers a fetch of a busy partition while another partition waits for records', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 2);
    await log.produce(topic, [{ value: 'ready', partition: 0 }]);
    const idle = log.fetch(topic, 1, 0, { maxRecords: 10, waitMs: 2500 });
    const started = Date.now();
    const busy = await log.fetch(topic, 0, 0, { maxRecords: 10, waitMs: 3000 });
    expect(busy.map((r) => text(r.value))).toEqual(['ready']);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await idle).toEqual([]);
  });

  it('spreads keyless records over the partitions', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 3);
    const produced = await log.produce(topic, Array.from({ length: 30 }, (_, i) => ({ value: String(i) })));
    expect(new Set(produced.map((p) => p.partition))).toEqual(new Set([0, 1, 2]));
  });

  it('reports a record the broker refuses as a PipelineError that is not retriable', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 1);
    const tooLarge = log.produce(topic, [{ value: 'x'.repeat(1_200_000) }]);
    await expect(tooLarge).rejects.toBeInstanceOf(PipelineError);
    await expect(tooLarge).rejects.toMatchObject({ retriable: false, message: expect.stringContaining(topic) });
    expect(await log.offsets(topic, 0)).toEqual({ low: 0, high: 0 });
  });

  it('reports a broker that does not answer as a retriable PipelineError', async () => {
    const nobody = new KafkaLog({ brokers: [`127.0.0.1:${await freePort()}`], clientId: 't', ssl: false, source: 'test' }, { connectionTimeoutMs: 300 });
    try {
      const failure = nobody.partitions('anything');
      await expect(failure).rejects.toBeInstanceOf(PipelineError);
      await expect(failure).rejects.toMatchObject({ retriable: true });
    } finally {
      await nobody.close();
    }
  });

  it('refuses to be used once closed', async () => {
    const closing = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 't', ssl: false, source: 'test broker' });
    await closing.close();
    await expect(closing.partitions('x')).rejects.toThrow(/closed/);
  });
});

describe.skipIf(!kafkaAvailable())('KafkaLog across a broker restart', () => {
  let broker: PrivateBroker;
  let log: KafkaLog;
  beforeAll(async () => {
    broker = await startPrivateBroker();
    log = new KafkaLog({ brokers: broker.brokers, clientId: 'restart-test', ssl: false, source: 'private broker' });
  }, 180_000);
  afterAll(async () => {
    await log?.close();
    await broker?.dispose();
  });

  /** Retries an operation while it fails retriably, as the pipeline's retry loops do. */
  async function eventually<T>(operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (!(error instanceof PipelineError) || !error.retriable || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  it('keeps records, committed offsets and the same client working after the broker restarts', async () => {
    const topic = freshTopic();
    await log.ensureTopic(topic, 2);
    await log.produce(topic, [{ key: 'a', value: 'before', partition: 1 }]);
    await log.commit('g', topic, 1, 1);
    await broker.restart();
    const produced = await eventually(() => log.produce(topic, [{ key: 'b', value: 'after', partition: 1 }]));
    expect(produced).toEqual([{ partition: 1, offset: 1 }]);
    const records = await eventually(() => log.fetch(topic, 1, 0, { maxRecords: 10 }));
    expect(records.map((r) => text(r.value))).toEqual(['before', 'after']);
    expect(await eventually(() => log.committed('g', topic, 1))).toBe(1);
  }, 180_000);
});
