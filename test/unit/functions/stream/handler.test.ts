import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../../data/generators/random.js';
import { sensorMessages } from '../../../../data/generators/sensors.js';
import { createStreamHandler } from '../../../../functions/stream/handler.js';
import { FolderStore } from '../../../../shared/adapters/folder-store.js';
import { MemoryLog } from '../../../../shared/adapters/memory-log.js';
import { createEventSource, type EventSource, type KafkaHandler } from '../../../../shared/emulator/index.js';
import { PipelineError } from '../../../../shared/errors.js';
import { encodeKafkaEvent } from '../../../../shared/lambda/kafka-event.js';
import { recording } from '../../../../shared/lambda/telemetry.js';
import { readStreamStats, streamSources } from '../../../../shared/stream/read.js';
import { expectedStats, expectMatches, type Produced } from '../../../helpers/stream-oracle.js';
import { logIdOfLog } from '../../../helpers/log-id.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/events', name), 'utf8'));
const store = async () => new FolderStore(await mkdtemp(join(tmpdir(), 'stream-')));

async function produce(log: MemoryLog, count: number, badRatio: number): Promise<Produced[]> {
  await log.ensureTopic('sensor_data', 3);
  const messages = [...sensorMessages({ count, seed: 11, badRatio, sensors: 7 })];
  const placed = await log.produce('sensor_data', messages.map((m) => ({ key: m.key, value: m.value })));
  return messages.map((m, i) => ({ ...placed[i]!, value: m.value, bad: m.bad }));
}

describe('stream handler', () => {
  it('dead-letters a value that is not a reading, as in the recorded MSK event', async () => {
    const s = await store();
    const result = await createStreamHandler({ store: s })(fixture('msk-powertools-base.json'));
    // every result under its source: the topic and the cluster of the event source ARN
    const source = 'mytopic@SalesCluster.abcd1234-abcd-cafe-abab-9876543210ab-4';
    expect(result.written).toEqual([
      `results/stream/dead-letters/${source}/0/00000000000000000015-00000000000000000015.json`,
      `results/stream/partials/${source}/0/00000000000000000015-00000000000000000015.json`,
    ]);
    const letters = JSON.parse(new TextDecoder().decode((await s.get(result.written[0]!)).body));
    // the whole record, to be re-sent as it was: key, value, timestamp and headers
    expect(letters.deadLetters).toEqual([
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        reason: 'sensorId: Invalid input: expected string, received undefined; ts: is missing',
        key: 'recordKey',
        value: '{"key":"value"}',
        timestamp: 1545084650987,
        headers: { headerKey: Buffer.from('headerValue').toString('base64') },
      },
    ]);
  });

  it('logs one line per batch and reports records, dead letters and anomalies as metrics', async () => {
    const seen = recording();
    await createStreamHandler({ store: await store(), telemetry: seen, limits: { temperature: { max: 0 } } })(fixture('msk-powertools-base.json'));
    expect(seen.lines).toEqual([{ message: 'batch', fields: expect.objectContaining({ records: 1, deadLettered: 1, anomalies: 0, written: 2 }) }]);
    expect(seen.metrics.map((m) => [m.name, m.value])).toEqual([
      ['RecordsProcessed', 1],
      ['DeadLetters', 1],
      ['Anomalies', 0],
    ]);
    const log = new MemoryLog();
    await produce(log, 200, 0);
    const records = await log.fetch('sensor_data', 0, 0, { maxRecords: 500 });
    const hot = recording();
    await createStreamHandler({ store: await store(), telemetry: hot, limits: { temperature: { max: -1_000 } } })(encodeKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/1', bootstrapServers: 'b' }));
    expect(hot.metrics.find((m) => m.name === 'Anomalies')!.value).toBe(records.filter((r) => /"temperature":-?\d/.test(new TextDecoder().decode(r.value!))).length);
  });

  it('rewrites identical bytes when a batch is delivered again', async () => {
    const s = await store();
    const log = new MemoryLog();
    await produce(log, 300, 0.05);
    const records = await log.fetch('sensor_data', 1, 0, { maxRecords: 500 });
    const event = encodeKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/1', bootstrapServers: 'b' });
    const handle = createStreamHandler({ store: s });
    const { written } = await handle(event);
    const first = await Promise.all(written.map((k) => s.get(k).then((o) => o.etag)));
    await handle(event);
    expect(await Promise.all(written.map((k) => s.get(k).then((o) => o.etag)))).toEqual(first);
  });

  it('counts every reading once under the emulator, despite crashes and a handler failing after its writes', async () => {
    const s = await store();
    const log = new MemoryLog();
    const produced = await produce(log, 20_000, 0.01);
    const handler = createStreamHandler({ store: s });
    const rng = new Random(3);
    let failures = 0;
    const faulty: KafkaHandler = async (event) => {
      await handler(event);
      if (rng.chance(0.05)) {
        failures++;
        throw new PipelineError('injected: failed after writing', { retriable: true });
      }
    };
    let delivered = 0;
    let crashAt = Number.POSITIVE_INFINITY;
    let running: EventSource | undefined;
    const open = (): EventSource =>
      (running = createEventSource({
        log,
        topic: 'sensor_data',
        group: 'stream',
        handler: faulty,
        batchSize: 100,
        maxBatchingWindowMs: 20,
        pollWaitMs: 20,
        retry: { initialDelayMs: 1, maxDelayMs: 5 },
        onEvent: (e) => {
          if (e.type !== 'success') return;
          delivered += e.records;
          // a crash right after a batch returned, before its offset is committed (so it comes
          // again); aborting here rather than from a timer, which a fast drain could outrun
          if (delivered >= crashAt) running!.abort();
        },
      }));
    for (const at of [3_000, 8_000, 13_000]) {
      crashAt = at;
      await open().start();
      while (delivered < crashAt) await new Promise((r) => setTimeout(r, 2));
    }
    crashAt = Number.POSITIVE_INFINITY;
    const last = open();
    await last.runUntilIdle({ idleMs: 100, timeoutMs: 60_000 });
    await last.stop();
    expect(failures).toBeGreaterThan(10);
    expect(delivered).toBeGreaterThan(20_000);
    const sources = await streamSources(s);
    expect(sources.map((f) => f.source)).toEqual([{ topic: 'sensor_data', log: (await logIdOfLog(log)) }]);
    const stats = await readStreamStats(s, sources[0]!.source);
    expect(stats.uncovered).toEqual([]);
    expectMatches(stats, expectedStats(produced));
  });
});
