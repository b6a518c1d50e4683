/**
 * Benchmark part "cdc": what one change event costs the CDC function's state (parse, look up the
 * old row, update the exact statistics, journal and fold the rows, serialise the manifest; on an
 * in-memory object store, so storage latency is left out) with 2k, 100k and 1M customers in one
 * partition, against the peer the original work used on every change: a full retrain of the same
 * model on the same table (sums over every row, fit, metrics), in the same run. Then the end-to-end
 * rate on a real Kafka broker and S3 API server (moto), through the event-source emulator.
 *
 * Customers come from the generator's marketing files, cleaned by the preprocessing, so the
 * values are those of real runs. Changes are 20% inserts, 60% updates, 20% deletes (so the table
 * keeps its size while it is measured), half of the updates and deletes without a before image, in
 * batches of 100 (Lambda's default); enough of them that the journal folds at least twice, so its
 * amortised cost is in the figure.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdcMessages, type CdcMessage } from '../../../data/generators/cdc.js';
import { createCdcHandler } from '../../../functions/cdc/handler.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCustomers, type Customer } from '../../../shared/cdc/customers.js';
import { allRows, CdcService, evaluate, ExactStats, fitFromStats, LAYOUT, PublishDefaults, StateDefaults, type PartitionRecord } from '../../../shared/cdc/index.js';
import { loadConfig } from '../../../shared/config.js';
import { createEventSource, type EventSourceEvent } from '../../../shared/emulator/index.js';
import { preprocessBytes } from '../../../shared/preprocess/index.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median } from '../lib/stats.js';

export const name = 'cdc';
export const description = 'one change event applied to the CDC state vs a full retrain of the same model on the same table; end-to-end events/s on Kafka + S3 API';

/** Table sizes of the issue; those above the largest `--sizes` are left out. */
const SIZES = [2_000, 100_000, 1_000_000];
const BATCH = 100;
/** Inserts balance deletes, so the table keeps its size while it is measured. */
const MIX = { updateRatio: 0.6, deleteRatio: 0.2 } as const;
const TOPIC = 'customer_updates';

const columns: readonly Column[] = [
  { key: 'size', title: 'customers', format: 'text' },
  { key: 'events', title: 'changes', format: 'count' },
  { key: 'perEvent', title: 'per event (CPU)', format: 'text' },
  { key: 'perEventWall', title: 'per event (wall)', format: 'text' },
  { key: 'retrain', title: 'full retrain (CPU)', format: 'duration' },
  { key: 'ratio', title: 'retrain / event', format: 'text' },
  { key: 'publish', title: 'model publish', format: 'duration' },
  { key: 'metrics', title: 'metrics refresh', format: 'duration' },
  { key: 'load', title: 'snapshot load', format: 'duration' },
];

const micro = (us: number) => `${us.toFixed(us < 10 ? 2 : 1)} µs`;

export async function run(context: BenchContext): Promise<BenchReport> {
  const largest = Math.max(...context.sizes);
  const sizes = SIZES.filter((s) => s <= Math.max(largest, SIZES[0]!));
  const rows: Row[] = [];
  const perEvent = new Map<number, number>();
  const ratios = new Map<number, number>();
  for (const size of sizes) {
    const measured = await measureSize(context, size);
    perEvent.set(size, measured.perEventUs);
    ratios.set(size, (measured.retrainMs * 1000) / measured.perEventUs); // CPU over CPU
    rows.push({
      size: `${sizeLabel(size)} (${measured.customers.toLocaleString('en')})`,
      events: measured.events,
      perEvent: micro(measured.perEventUs),
      perEventWall: micro(measured.perEventWallUs),
      retrain: measured.retrainMs,
      publish: measured.publishMs,
      metrics: measured.metricsMs,
      ratio: `${Math.round(ratios.get(size)!).toLocaleString('en')}x`,
      load: measured.loadMs,
    });
  }
  const costs = [...perEvent.values()];
  const spread = Math.max(...costs) / Math.min(...costs);
  const at100k = ratios.get(100_000);
  const throughput = await endToEnd(context);
  const targets: Target[] = [
    { name: 'per-event cost flat across table sizes (largest / smallest within 2x)', measured: `${spread.toFixed(2)}x (${sizes.map((s) => `${sizeLabel(s)} ${micro(perEvent.get(s)!)}`).join(', ')})`, met: sizes.length > 1 ? spread <= 2 : undefined },
    { name: 'at least 1,000x cheaper than a full retrain at 100k customers', measured: at100k === undefined ? 'not run' : `${Math.round(at100k).toLocaleString('en')}x`, met: at100k === undefined ? undefined : at100k >= 1000 },
    {
      name: 'end-to-end >= 5,000 events/s on a real Kafka broker and S3 API server (batches of 1,000)',
      measured: throughput.rate === undefined ? throughput.note : `${Math.round(throughput.rate).toLocaleString('en')} events/s (batches of 100: ${Math.round(throughput.rate100 ?? 0).toLocaleString('en')} events/s)`,
      met: throughput.rate === undefined ? undefined : throughput.rate >= 5000,
    },
  ];
  return {
    columns,
    rows,
    targets,
    notes: [
      `Per event: the CDC service's work for one change (20% inserts, 60% updates, 20% deletes) in batches of ${BATCH} (parse, lookup, exact statistics, journal, amortised folds, manifest), in-memory object store, one partition holding the whole table. ` +
        `Model publish: once per invocation (merge, fit, write; wall time); metrics (every row scored, AUC, accuracy) are measured on every publish up to ${PublishDefaults.metricsMaxRows.toLocaleString('en')} rows, then every ${PublishDefaults.metricsEvery} versions: "metrics refresh" is that cost. ` +
        'Full retrain: the exact sums over every row, the fit and the metrics, as `pipeline model fit` does (the peer: what the original work did on every change). ' +
        'Per event and retrain are CPU time of the process (user + system), the ratio is of the two; wall time is shown beside, as the machine may be shared.',
    ],
  };
}

interface SizeResult {
  readonly customers: number;
  readonly events: number;
  /** CPU time of this process per event (less disturbed than wall time on a shared machine). */
  readonly perEventUs: number;
  readonly perEventWallUs: number;
  readonly metricsMs: number;
  readonly publishMs: number;
  readonly retrainMs: number;
  readonly loadMs: number;
}

async function measureSize(context: BenchContext, size: number): Promise<SizeResult> {
  let customers: Customer[] | undefined = await customersOf(context, size);
  const count = customers.length;
  const service = new CdcService({ store: new MemoryStore(), modelName: 'bench' });
  let offset = 0;
  const record = (m: CdcMessage): PartitionRecord => ({ topic: TOPIC, partition: 0, offset: offset++, key: m.key, value: m.value });

  context.log(`${sizeLabel(size)}: loading ${count.toLocaleString('en')} customers through snapshot events`);
  let started = performance.now();
  let batch: PartitionRecord[] = [];
  for (const m of cdcMessages({ customers, count: 0 })) {
    batch.push(record(m));
    if (batch.length === 5_000) {
      await service.applyBatch(TOPIC, 0, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await service.applyBatch(TOPIC, 0, batch);
  const loadMs = performance.now() - started;

  const foldAt = Math.max(StateDefaults.foldMinEntries, count * StateDefaults.foldFraction);
  const events = Math.max(20_000, Math.ceil(2.5 * foldAt));
  context.log(`${sizeLabel(size)}: ${events.toLocaleString('en')} changes in batches of ${BATCH}`);
  // made up front and packed into two buffers (outside the heap), and the customer objects let go,
  // so that neither the generator's work nor its objects (which the collector would walk on every
  // major collection) are counted against the CDC function
  const changes = packed(cdcMessages({ ...MIX, customers, count: events, snapshot: false, seed: context.seed + size }));
  const more = [...cdcMessages({ ...MIX, customers, count: 10 * BATCH, snapshot: false, seed: context.seed + size + 1 })];
  customers = undefined;
  let spent = 0;
  let cpu = 0;
  for (let i = 0; i < events; i += BATCH) {
    batch = [];
    for (let j = i; j < Math.min(events, i + BATCH); j++) batch.push(record(changes.next()));
    started = performance.now();
    const before = process.cpuUsage();
    await service.applyBatch(TOPIC, 0, batch);
    const used = process.cpuUsage(before);
    cpu += used.user + used.system;
    spent += performance.now() - started;
  }
  await service.publish(TOPIC);

  // a publish after each of a few more batches: merge, fit and write (metrics on their cadence)
  const publishes: number[] = [];
  batch = [];
  for (const m of more) {
    batch.push(record(m));
    if (batch.length < BATCH) continue;
    await service.applyBatch(TOPIC, 0, batch);
    batch = [];
    started = performance.now();
    await service.publish(TOPIC);
    publishes.push(performance.now() - started);
  }

  context.log(`${sizeLabel(size)}: full retrain`);
  const table = await allRows(service.states, await service.states.loadAll(TOPIC));
  const retrains: number[] = [];
  const metrics: number[] = [];
  for (let i = 0; i < context.repeats(size); i++) {
    const before = process.cpuUsage();
    const fit = fitFromStats(ExactStats.of(LAYOUT.width, table));
    const fitted = process.cpuUsage(before);
    evaluate(fit, table);
    const used = process.cpuUsage(before);
    retrains.push((used.user + used.system) / 1000);
    metrics.push((used.user + used.system - fitted.user - fitted.system) / 1000);
  }
  return { customers: count, events, perEventUs: cpu / events, perEventWallUs: (spent * 1000) / events, publishMs: median(publishes), metricsMs: median(metrics), retrainMs: median(retrains), loadMs };
}

/** Messages packed into two buffers (keys and values, newline-separated), read back one at a time. */
function packed(messages: Iterable<CdcMessage>): { next(): CdcMessage } {
  const values: Buffer[] = [];
  const keys: Buffer[] = [];
  let v: string[] = [];
  let k: string[] = [];
  const flush = () => {
    values.push(Buffer.from(`${v.join('\n')}\n`));
    keys.push(Buffer.from(`${k.join('\n')}\n`));
    v = [];
    k = [];
  };
  for (const m of messages) {
    v.push(m.value ?? '');
    k.push(m.key ?? '');
    if (v.length === 10_000) flush();
  }
  if (v.length > 0) flush();
  const allValues = Buffer.concat(values);
  const allKeys = Buffer.concat(keys);
  let at = 0;
  let keyAt = 0;
  return {
    next() {
      const end = allValues.indexOf(10, at);
      const keyEnd = allKeys.indexOf(10, keyAt);
      const message: CdcMessage = { key: allKeys.toString('utf8', keyAt, keyEnd), value: allValues.toString('utf8', at, end), kind: 'u', duplicate: false };
      at = end + 1;
      keyAt = keyEnd + 1;
      return message;
    },
  };
}

/** The cleaned customers of the generator's marketing file of `size` rows (cleaned once, cached). */
async function customersOf(context: BenchContext, size: number): Promise<Customer[]> {
  const input = await context.marketingInput(size);
  const dir = join(context.workDir, sizeLabel(size));
  const cleaned = join(dir, 'cleaned.parquet');
  const stamp = join(dir, 'input.txt');
  const mark = `${input.path} ${statSync(input.path).mtimeMs}`;
  if (!(existsSync(cleaned) && existsSync(stamp) && readFileSync(stamp, 'utf8') === mark)) {
    context.log(`${sizeLabel(size)}: cleaning ${input.path}`);
    mkdirSync(dir, { recursive: true });
    await preprocessBytes(readFileSync(input.path), { source: input.path, schema: 'marketing' }, { store: new FolderStore(dir), prefix: '' });
    writeFileSync(stamp, mark);
  }
  return readCustomers(readFileSync(cleaned), cleaned);
}

/** Events/s through the emulator and the CDC function on a real broker and S3 API server. */
async function endToEnd(context: BenchContext): Promise<{ rate?: number; rate100?: number; note: string }> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const endpoint = process.env.S3_ENDPOINT ?? (await startServer(stops, async () => {
      const { startMoto } = await import('../../helpers/moto.js');
      const moto = await startMoto();
      return { value: moto.endpoint, stop: moto.stop };
    }));
    const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startServer(stops, async () => {
      const { startPrivateBroker } = await import('../../helpers/kafka.js');
      const broker = await startPrivateBroker();
      return { value: broker.brokers, stop: broker.dispose };
    }));
    const { KafkaLog } = await import('../../../shared/adapters/kafka-log.js');
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const { s3ClientFor } = await import('../../../shared/adapters/s3-store.js');
    const { openStore } = await import('../../../shared/stores.js');
    const customers = await customersOf(context, SIZES[0]!);
    const rates: number[] = [];
    for (const batchSize of [1_000, 100]) {
      const bucket = `bench-cdc-${Date.now()}-${batchSize}`;
      const config = loadConfig({ S3_ENDPOINT: endpoint, AWS_REGION: 'us-east-1', PIPELINE_BUCKET: bucket });
      await s3ClientFor(config).send(new CreateBucketCommand({ Bucket: bucket }));
      const log = new KafkaLog({ brokers, clientId: 'bench-cdc', ssl: false, source: 'bench broker' });
      try {
        const topic = `bench-cdc-${Date.now()}-${batchSize}`;
        await log.ensureTopic(topic, 3);
        const messages = [...cdcMessages({ customers, count: 20_000 - customers.length, seed: context.seed })];
        for (let i = 0; i < messages.length; i += 5_000) await log.produce(topic, messages.slice(i, i + 5_000).map((m) => ({ key: m.key, value: m.value })));
        context.log(`end to end: ${messages.length.toLocaleString('en')} events, batches of ${batchSize}`);
        const handler = createCdcHandler(new CdcService({ store: openStore(config, 'models'), modelName: 'bench' }));
        const started = performance.now();
        let last = started;
        const onEvent = (e: EventSourceEvent) => void (e.type === 'commit' && (last = performance.now()));
        const source = createEventSource({ log, topic, group: topic, batchSize, maxBatchingWindowMs: 20, handler, onEvent });
        const stats = await source.runUntilIdle({ idleMs: 1_000, timeoutMs: 300_000 });
        await source.stop();
        if (stats.delivered !== messages.length) throw new Error(`delivered ${stats.delivered} of ${messages.length} events`);
        rates.push(messages.length / ((last - started) / 1000));
      } finally {
        await log.close();
      }
    }
    return { rate: rates[0], rate100: rates[1], note: '' };
  } catch (error) {
    context.log(`end to end not measured: ${(error as Error).message}`);
    return { note: `not measured: ${(error as Error).message}` };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function startServer<T>(stops: Array<() => Promise<void>>, start: () => Promise<{ value: T; stop: () => Promise<void> }>): Promise<T> {
  const { value, stop } = await start();
  stops.push(stop);
  return value;
}
