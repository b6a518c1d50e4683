/**
 * The CDC task end to end on real servers: a Kafka broker (KRaft) and an S3 API (moto or
 * LocalStack), through the event-source emulator and the CDC function. 5,000 changes (60% inserts,
 * 30% updates, 10% deletes) after a snapshot, 1% malformed; every batch delivered twice; crashes
 * between the state write and the offset commit at 20 points (the function's warm state lost
 * with them); a second emulator instance racing on the same partitions for the first part. The
 * published model must equal the from-scratch fit of the final table, every offset applied once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdcMessages, type CdcMessage } from '../../../data/generators/cdc.js';
import { expectFromScratch, finalTables, type Placed } from '../../helpers/cdc-oracle.js';
import { createCdcHandler } from '../../../functions/cdc/handler.js';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { readCustomers } from '../../../shared/cdc/customers.js';
import { cdcKeys, CdcService, ExactStats, LAYOUT, type ModelDocument } from '../../../shared/cdc/index.js';
import { loadConfig } from '../../../shared/config.js';
import { createEventSource, type EventSourceEvent, type KafkaHandler } from '../../../shared/emulator/index.js';
import type { EventLog } from '../../../shared/ports/event-log.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { openStore } from '../../../shared/stores.js';
import { freshBucket, freshTopic, kafkaAvailable, kafkaBrokers, s3Endpoint } from '../../helpers/servers.js';
import { PipelineError } from '../../../shared/errors.js';
import { logIdOfLog } from '../../helpers/log-id.js';

const sample = readFileSync(join(import.meta.dirname, '../../fixtures/cdc/cleaned-sample.csv'));
const customers = await readCustomers(new Uint8Array(sample), 'cleaned-sample.csv');
const MODEL = 'response';
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function bucketStore(): Promise<ObjectStore> {
  const bucket = await freshBucket('cdc-e2e');
  return openStore(loadConfig({ S3_ENDPOINT: s3Endpoint(), AWS_REGION: 'us-east-1', PIPELINE_BUCKET: bucket }), 'models');
}

async function produce(log: EventLog, topic: string, messages: readonly CdcMessage[]): Promise<Placed[]> {
  await log.ensureTopic(topic, 3);
  const placed: Placed[] = [];
  for (let i = 0; i < messages.length; i += 2_000) {
    const chunk = messages.slice(i, i + 2_000);
    const at = await log.produce(topic, chunk.map((m) => ({ key: m.key, value: m.value })));
    at.forEach((p, j) => placed.push({ ...chunk[j]!, ...p }));
  }
  return placed;
}

describe.skipIf(!kafkaAvailable() || !s3Endpoint())('CDC end to end on Kafka and S3', () => {
  it('publishes the from-scratch model despite double delivery, 20 crashes and a racing instance, applying each event once', async () => {
    const topic = freshTopic('cdc-e2e');
    const log = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'cdc-e2e', ssl: false, source: 'test broker' });
    try {
      const store = await bucketStore();
      const messages = [...cdcMessages({ customers, count: 5_000, updateRatio: 0.3, deleteRatio: 0.1, badRatio: 0.01, beforeRatio: 0.5, seed: 11 })];
      const placed = await produce(log, topic, messages);
      const changes = messages.filter((m) => m.kind === 'c' || m.kind === 'u' || m.kind === 'd');
      expect(changes.filter((m) => m.kind === 'c').length / changes.length).toBeCloseTo(0.6, 1);

      const services: CdcService[] = [];
      const logId = await logIdOfLog(log);
      const keys = cdcKeys(MODEL, logId);
      const service = () => {
        const s = new CdcService({ store, modelName: MODEL, log: logId });
        services.push(s);
        return s;
      };
      // instance A: each batch delivered twice; after the 20 chosen invocations the process "crashes"
      // between the state write and the offset commit: the batch is redelivered to a cold function
      const crashAt = new Set(Array.from({ length: 20 }, (_, i) => 3 + i * 4));
      let invocations = 0;
      let crashes = 0;
      let handlerA = createCdcHandler(service());
      const a: KafkaHandler = async (event) => {
        await handlerA(event);
        await handlerA(event);
        if (crashAt.has(++invocations)) {
          crashes++;
          handlerA = createCdcHandler(service());
          throw new PipelineError('injected crash: the state is written, the offset is not committed', { retriable: true });
        }
      };
      const handlerB = createCdcHandler(service());
      const options = { log, topic, group: 'cdc-e2e', batchSize: 100, maxBatchingWindowMs: 50, retry: { attempts: 21, initialDelayMs: 10, maxDelayMs: 200 } };
      let deliveredA = 0;
      const sourceA = createEventSource({ ...options, handler: a, onEvent: (e: EventSourceEvent) => void (e.type === 'success' && (deliveredA += e.records)) });
      const sourceB = createEventSource({ ...options, handler: async (event) => handlerB(event) });
      await Promise.all([sourceA.start(), sourceB.start()]);
      while (deliveredA < 2_500) await new Promise((r) => setTimeout(r, 20));
      await sourceB.stop();
      const stats = await sourceA.runUntilIdle({ idleMs: 1_000, timeoutMs: 240_000 });
      await sourceA.stop();
      expect(stats.failed).toBe(0);
      expect(crashes).toBe(20);

      const tables = finalTables(placed);
      const current = JSON.parse(text((await store.get(keys.current(topic))).body)) as ModelDocument;
      expectFromScratch(current, tables);
      expect(current.stale).toBe(false);
      expect(text((await store.get(keys.version(topic, current.version!))).body)).toBe(text((await store.get(keys.current(topic))).body));

      const states = services[0]!.states;
      const partitions = await states.loadAll(topic);
      expect(partitions.map((p) => p.manifest.partition)).toEqual([0, 1, 2]);
      for (const state of partitions) {
        const p = state.manifest.partition;
        const records = placed.filter((m) => m.partition === p).length;
        // every offset counted exactly once, whatever was delivered twice or raced
        expect(state.manifest.counts.applied + state.manifest.counts.deadLettered).toBe(records);
        expect(state.manifest.lastOffset).toBe(records - 1);
        expect(current.offsets.partitions[String(p)]).toBe(records - 1);
        expect(state.stats.equals(ExactStats.of(LAYOUT.width, tables.get(p)!.values()))).toBe(true);
      }

      const conflicts = services.reduce((s, x) => s + x.counters.stateConflicts + x.counters.modelConflicts, 0);
      expect(conflicts).toBeGreaterThan(0);

      const bad = placed.filter((m) => m.kind === 'bad');
      expect(bad.length).toBeGreaterThan(10);
      for (const m of bad) {
        const letter = JSON.parse(text((await store.get(keys.deadLetter(topic, m.partition, m.offset))).body));
        expect(letter).toMatchObject({ topic, partition: m.partition, offset: m.offset });
        expect(letter.reason).not.toBe('');
      }
      console.log(`cdc e2e: ${placed.length} records, ${invocations} invocations of A, ${crashes} crashes, ${conflicts} conflicts resolved, model v${current.version} over ${current.rows} customers`);
    } finally {
      await log.close();
    }
  }, 300_000);

  it('applies every one of 20,000 change events once with batches of 1,000 (its throughput is measured by npm run bench)', async () => {
    const topic = freshTopic('cdc-rate');
    const log = new KafkaLog({ brokers: await kafkaBrokers(), clientId: 'cdc-rate', ssl: false, source: 'test broker' });
    try {
      const store = await bucketStore();
      const placed = await produce(log, topic, [...cdcMessages({ customers, count: 20_000, seed: 12 })]);
      const service = new CdcService({ store, modelName: MODEL, log: (await logIdOfLog(log)) });
      const source = createEventSource({ log, topic, group: 'cdc-rate', batchSize: 1_000, maxBatchingWindowMs: 20, handler: createCdcHandler(service) });
      await source.runUntilIdle({ idleMs: 1_000, timeoutMs: 120_000 });
      await source.stop();
      expect(service.counters.applied).toBe(placed.length);
    } finally {
      await log.close();
    }
  }, 180_000);
});
