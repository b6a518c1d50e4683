/**
 * The case of issue 10, replayed: a batch of changes is given up by the event source (its retries
 * spent while the store was down), later batches are applied, and the given-up batch is replayed
 * from its on-failure record. Before, the replay was skipped as "already applied" (applied 0,
 * skipped 10) and the model kept 60 customers where the table has 70, for good.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCdcHandler } from '../../../functions/cdc/handler.js';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { CdcService, fitCurrentTable, type ModelDocument } from '../../../shared/cdc/index.js';
import { createEventSource, type InvocationRecord } from '../../../shared/emulator/index.js';
import { PipelineError } from '../../../shared/errors.js';
import { decodeKafkaEvent } from '../../../shared/lambda/kafka-event.js';
import { logIdOfLog } from '../../helpers/log-id.js';

const customer = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/cdc/customer-5524.json'), 'utf8')) as Record<string, unknown>;
const TOPIC = 'customer_updates';
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function seventyInserts(): Promise<MemoryLog> {
  const log = new MemoryLog();
  await log.ensureTopic(TOPIC, 1);
  await log.produce(
    TOPIC,
    Array.from({ length: 70 }, (_, i) => ({ key: String(1000 + i), value: JSON.stringify({ op: 'c', before: null, after: { ...customer, ID: 1000 + i, Income: 40_000 + i * 100 } }), partition: 0 })),
  );
  return log;
}

/**
 * The emulator over the log in batches of ten, calling the cdc handler, with the store "down"
 * for the batch at offset 10 while `down()` says so.
 */
function sourceOver(log: MemoryLog, handle: ReturnType<typeof createCdcHandler>, down: () => boolean, options: Pick<Parameters<typeof createEventSource>[0], 'retry' | 'bisectBatchOnFunctionError' | 'onFailure'>) {
  return createEventSource({
    log,
    topic: TOPIC,
    group: 'cdc',
    batchSize: 10,
    maxBatchingWindowMs: 0,
    ...options,
    handler: async (event) => {
      if (decodeKafkaEvent(event)[0]!.offset === 10 && down()) throw new PipelineError('s3://models: the store is down', { retriable: true });
      await handle(event);
    },
  });
}

describe('a CDC batch given up and replayed', () => {
  it('converges to the whole table: the gap is recorded, the model says it is stale, and the replay fills it', async () => {
    const log = await seventyInserts();
    const logId = await logIdOfLog(log);
    const store = new MemoryStore();
    const service = new CdcService({ store, modelName: 'response', log: logId });
    const handle = createCdcHandler(service);
    const failures = new MemoryStore();
    // the store is "down" for offsets 10..19 for longer than the retries last
    const source = sourceOver(log, handle, () => true, {
      bisectBatchOnFunctionError: false,
      retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      onFailure: { store: failures, prefix: 'results/cdc/on-failure/' },
    });
    await source.runUntilIdle({ idleMs: 50 });
    await source.stop();
    expect(source.stats.failed).toBe(10);

    const key = `models/response/current/${TOPIC}@${logId}.json`;
    const before = JSON.parse(text((await store.get(key)).body)) as ModelDocument;
    expect(before).toMatchObject({ rows: 60, stale: true, gaps: { 0: [[10, 19]] }, offsets: { partitions: { 0: 69 } } });

    // the replay: the given-up batch's invocation record, its payload sent to the function again
    const [recordKey] = (await failures.list('results/cdc/on-failure/')).map((o) => o.key);
    expect(recordKey).toBe(`results/cdc/on-failure/${TOPIC}@${logId}/0/00000000000000000010-00000000000000000019.json`);
    const record = JSON.parse(text((await failures.get(recordKey!)).body)) as InvocationRecord;
    const replay = await handle(record.payload);
    expect(replay.batches[0]).toMatchObject({ applied: 10, skipped: 0, gaps: [] });

    const after = JSON.parse(text((await store.get(key)).body)) as ModelDocument;
    expect(after).toMatchObject({ rows: 70, stale: false });
    expect(after.gaps).toBeUndefined();
    // and it is the model of the whole table, as a fit from scratch on the state says
    const scratch = await fitCurrentTable(service.states, await service.states.loadAll(TOPIC));
    expect(scratch.rows).toBe(70);
    expect(after.parameters).toEqual(scratch.parameters);
  });

  it('retried until the store heals, never gives the batch up (the pipeline cdc function retries -1)', async () => {
    const log = await seventyInserts();
    const logId = await logIdOfLog(log);
    const store = new MemoryStore();
    const handle = createCdcHandler(new CdcService({ store, modelName: 'response', log: logId }));
    let failures = 0;
    const source = sourceOver(log, handle, () => failures++ < 40, { retry: { attempts: Number.POSITIVE_INFINITY, initialDelayMs: 1, maxDelayMs: 2 } });
    await source.runUntilIdle({ idleMs: 50 });
    await source.stop();
    expect(source.stats.failed).toBe(0);
    expect(JSON.parse(text((await store.get(`models/response/current/${TOPIC}@${logId}.json`)).body))).toMatchObject({ rows: 70, stale: false });
  });
});
