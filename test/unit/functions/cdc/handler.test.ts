import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCdcHandler } from '../../../../functions/cdc/handler.js';
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

describe('the CDC handler', () => {
  it('applies an MSKEvent of two partitions and publishes one model', async () => {
    const store = new MemoryStore();
    const handle = createCdcHandler(new CdcService({ store, modelName: 'response' }));
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
    const model = JSON.parse(new TextDecoder().decode((await store.get('models/response/current.json')).body));
    expect(model).toMatchObject({ rows: 2, offsets: { partitions: { 0: 2, 1: 0 } } });

    const replay = await handle(event);
    expect(replay.batches.every((b) => b.applied === 0 && b.skipped === b.records)).toBe(true);
    expect(replay.models).toEqual({ customer_updates: 1 });
  });

  it('logs one line per invocation and reports its counts and the model as metrics', async () => {
    const seen = recording();
    const handle = createCdcHandler(new CdcService({ store: new MemoryStore(), modelName: 'response' }), seen);
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

  it('rejects an event that is not a Kafka event, naming what is wrong', async () => {
    const handle = createCdcHandler(new CdcService({ store: new MemoryStore(), modelName: 'response' }));
    await expect(handle({ eventSource: 'aws:s3' } as never)).rejects.toThrow(/eventSource is "aws:s3"/);
  });
});
