import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createCdcHandler, handlerFor } from '../../../../functions/cdc/handler.js';
import { loadConfig } from '../../../../shared/config.js';
import { MemoryStore } from '../../../../shared/adapters/memory-store.js';
import { CdcService } from '../../../../shared/cdc/index.js';
import { encodeKafkaEvent } from '../../../../shared/lambda/kafka-event.js';
import { recording } from '../../../../shared/lambda/telemetry.js';
import type { LogRecord } from '../../../../shared/ports/event-log.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../../fixtures/cdc', name), 'utf8');
const encoder = new TextEncoder();
const record = (partition: number, offset: number, key: string | null, value: string | null): LogRecord => ({
  topic: 'customer_updates',
  partition,
  offset,
  key: key === null ? null : encoder.encode(key),
  value: value === null ? null : encoder.encode(value),
  headers: {},
  timestamp: 1_700_000_000_000,
  timestampType: 'CREATE_TIME',
});
const source = { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/1', bootstrapServers: 'b:9092' } as const;
const LOG = 'c.1';

describe('the CDC handler', () => {
  it('applies an MSKEvent of two partitions and publishes one model', async () => {
    const store = new MemoryStore();
    const handle = createCdcHandler(new CdcService({ store, modelName: 'response', log: LOG }));
    const event = encodeKafkaEvent(
      [
        record(0, 0, '5524', fixture('snapshot.json')),
        record(0, 1, '5524', fixture('update-without-before.json')),
        record(0, 2, '5524', 'garbage'),
        record(1, 0, null, fixture('snapshot.json').replaceAll('5524', '6000')),
      ],
      source,
    );
    const result = await handle(event);
    expect(result.batches.map((b) => [b.partition, b.applied, b.deadLettered])).toEqual([
      [0, 2, 1],
      [1, 1, 0],
    ]);
    expect(result.models).toEqual({ customer_updates: 1 });
    const model = JSON.parse(new TextDecoder().decode((await store.get('models/response/current/customer_updates@c.1.json')).body));
    expect(model).toMatchObject({ rows: 2, offsets: { log: 'c.1', partitions: { 0: 2, 1: 0 } }, stale: false });

    const replay = await handle(event);
    expect(replay.batches.every((b) => b.applied === 0 && b.skipped === b.records)).toBe(true);
    expect(replay.models).toEqual({ customer_updates: 1 });
  });

  it('logs one line per invocation and reports its counts and the model as metrics', async () => {
    const seen = recording();
    const handle = createCdcHandler(new CdcService({ store: new MemoryStore(), modelName: 'response', log: LOG }), seen);
    await handle(encodeKafkaEvent([record(0, 0, '5524', fixture('snapshot.json')), record(0, 1, '5524', 'garbage')], source));
    expect(seen.lines).toHaveLength(1);
    expect(seen.lines[0]).toMatchObject({ message: 'batch', fields: { records: 2, applied: 1, skipped: 0, deadLettered: 1, partitions: [0], modelVersion: 1 } });
    expect(seen.metrics.map((m) => [m.name, m.value])).toEqual([
      ['RecordsProcessed', 2],
      ['ChangesApplied', 1],
      ['DeadLetters', 1],
      ['ModelVersion', 1],
    ]); // no ModelAUC: one customer is one class, and an AUC needs both

    expect(seen.flushes).toBe(1);
  });

  it("keeps each event log's state and model apart, and refuses another log's offsets", async () => {
    const store = new MemoryStore();
    // offsets 0..1 of log c.1, then offsets 0..1 of another cluster (a fresh topic after an in-process run, say)
    const ofLog = (arn: string, id: string) => encodeKafkaEvent([record(0, 0, id, fixture('snapshot.json').replaceAll('5524', id)), record(0, 1, id, fixture('update-without-before.json').replaceAll('5524', id))], { ...source, eventSourceArn: arn });
    const perLog = handlerFor({ ...loadConfig({ PIPELINE_STORE: 'folder', PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'cdc-logs-')) }) });
    const first = await perLog(ofLog(source.eventSourceArn, '5524'));
    const second = await perLog(ofLog('arn:aws:kafka:us-east-1:000000000000:cluster/in-process/ab12', '6000'));
    // the second log's offsets 0..1 are applied, not skipped as "already applied" by the first log's state
    expect([first.batches[0]!.applied, second.batches[0]!.applied]).toEqual([2, 2]);

    const single = createCdcHandler(new CdcService({ store, modelName: 'response', log: LOG }));
    await single(ofLog(source.eventSourceArn, '5524'));
    await expect(single(ofLog('arn:aws:kafka:us-east-1:000000000000:cluster/in-process/ab12', '6000'))).rejects.toThrow(
      'its records come from event log in-process.ab12, but this function applies those of c.1',
    );
  });

  it('refuses a topic that is not a Kafka topic name before building any key of it', async () => {
    const store = new MemoryStore();
    const handle = createCdcHandler(new CdcService({ store, modelName: 'response', log: LOG }));
    const event = encodeKafkaEvent([{ ...record(0, 0, '5524', fixture('snapshot.json')), topic: '../../../models/response' }], source);
    await expect(handle(event)).rejects.toThrow('invalid topic "../../../models/response"');
    expect(await store.list('')).toEqual([]);
  });

  it('rejects an event that is not a Kafka event, naming what is wrong', async () => {
    const handle = createCdcHandler(new CdcService({ store: new MemoryStore(), modelName: 'response', log: LOG }));
    await expect(handle({ eventSource: 'aws:s3' } as never)).rejects.toThrow(/eventSource is "aws:s3"/);
  });
});
