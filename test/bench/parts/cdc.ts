/**
 * Benchmark part "cdc": what one change event costs the CDC function's state (parse, look up the
 * old row, update the exact statistics, journal and fold the rows, serialise the manifest; on an
 * in-memory object store, so storage latency is left out) with 2k, 100k and 1M customers in one
 * partition, against the peer the original work used on every change batch: a scikit-learn refit
 * of the same model (`RidgeClassifier(alpha=1)` on standardised rows) on the same rows, in Python from
 * PyPI, one BLAS thread, as a child process (test/bench/peers/sklearn-cdc.py); its numbers are
 * compared with ours. Our own full retrain (exact sums over every row, fit, metrics) is shown
 * beside. Then the end-to-end rate on a real Kafka broker and S3 API server (moto), through the
 * event-source emulator, over 3 partitions.
 *
 * Customers come from the generator's marketing files, cleaned by the preprocessing, so the
 * values are those of real runs. Changes are 20% inserts, 60% updates, 20% deletes (so the table
 * keeps its size while it is measured), half of the updates and deletes without a before image, in
 * the stack's batches of 1,000 and then in Lambda's default of 100; enough of them that the journal
 * folds at least twice in each, so its amortised cost is in the figure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cdcMessages, type CdcMessage } from '../../../data/generators/cdc.js';
import { createCdcHandler } from '../../../functions/cdc/handler.js';
import { Functions } from '../../../functions/manifest.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCustomers, type Customer } from '../../../shared/cdc/customers.js';
import { allRows, CdcService, evaluate, ExactStats, fitFromStats, LAYOUT, PublishDefaults, StateDefaults, type PartitionRecord } from '../../../shared/cdc/index.js';
import { loadConfig } from '../../../shared/config.js';
import { createEventSource, type EventSourceEvent } from '../../../shared/emulator/index.js';
import { preprocessBytes } from '../../../shared/preprocess/index.js';
import { measureCommand } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { marketingInput } from '../lib/inputs.js';
import { ensureVenv, ONE_THREAD } from '../lib/python.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, withSpread } from '../lib/stats.js';
import { logIdOf } from '../../../shared/names.js';

export const name = 'cdc';
export const description = 'one change event applied to the CDC state vs a scikit-learn refit of the same model on the same rows; end-to-end changes/s on Kafka + S3 API';

/** Table sizes of the issue; those above the largest `--sizes` are left out. */
const SIZES = [2_000, 100_000, 1_000_000];
/** Lambda's default batch size, measured beside the stack's. */
const BATCH = 100;
/** The batch size the stack gives the CDC function (infra settings), which the per-change target is measured at. */
const STACK_BATCH: number = Functions.cdc.trigger.batchSize;
/** Inserts balance deletes, so the table keeps its size while it is measured. */
const MIX = { updateRatio: 0.6, deleteRatio: 0.2 } as const;
const TOPIC = 'customer_updates';
/** Per-change CPU at most this, at 100k and 1M customers. */
const PER_CHANGE_LIMIT_US = 15;
/** At 100k customers, a change at least this many times cheaper than the scikit-learn refit. */
const SKLEARN_RATIO = 3_000;
const E2E_RATE = 20_000;

const columns: readonly Column[] = [
  { key: 'size', title: 'customers', format: 'text' },
  { key: 'events', title: 'changes', format: 'count' },
  { key: 'perEvent', title: `per change (CPU), batches of ${STACK_BATCH}`, format: 'text' },
  { key: 'perEventWall', title: 'per change (wall)', format: 'text' },
  { key: 'perEventSmall', title: 'per change (CPU), batches of 100', format: 'text' },
  { key: 'sklearn', title: 'scikit-learn refit (CPU)', format: 'text' },
  { key: 'ratio', title: 'refit / change', format: 'text' },
  { key: 'sameModel', title: 'same model', format: 'text' },
  { key: 'retrain', title: 'our full retrain (CPU)', format: 'duration' },
  { key: 'publish', title: 'model publish', format: 'duration' },
  { key: 'metrics', title: 'metrics refresh', format: 'duration' },
  { key: 'load', title: 'snapshot load', format: 'duration' },
];

const micro = (us: number) => `${us.toFixed(us < 10 ? 2 : 1)} µs`;

export async function run(context: BenchContext): Promise<BenchReport> {
  const largest = Math.max(...context.sizes);
  const sizes = SIZES.filter((s) => s <= Math.max(largest, SIZES[0]!));
  const rows: Row[] = [];
  const results = new Map<number, SizeResult>();
  for (const size of sizes) {
    const measured = await measureSizeInChild(context, size);
    results.set(size, measured);
    const perEvent = measured.perEventMeanUs;
    const refit = measured.sklearn ? median(measured.sklearn.cpuMs) : undefined;
    rows.push({
      size: `${sizeLabel(size)} (${measured.customers.toLocaleString('en')})`,
      events: measured.events,
      perEvent: `${micro(measured.perEventMeanUs)} (segments ${micro(Math.min(...measured.perEventUs))}-${micro(Math.max(...measured.perEventUs))})`,
      perEventWall: micro(measured.perEventWallUs),
      perEventSmall: micro(measured.perEventSmallUs),
      sklearn: measured.sklearn ? withSpread(measured.sklearn.cpuMs, (ms) => `${ms.toFixed(1)} ms`) : measured.sklearnNote ?? '-',
      ratio: refit === undefined ? '-' : `${Math.round((refit * 1000) / perEvent).toLocaleString('en')}x`,
      sameModel: measured.sameModel,
      retrain: measured.retrainMs,
      publish: measured.publishMs,
      metrics: measured.metricsMs,
      load: measured.loadMs,
    });
  }
  const perChange = (size: number) => {
    const r = results.get(size);
    return r?.perEventMeanUs;
  };
  const at100k = results.get(100_000);
  const ratio100k = at100k?.sklearn ? (median(at100k.sklearn.cpuMs) * 1000) / at100k.perEventMeanUs : undefined;
  const throughput = await endToEnd(context);
  const bigSizes = [100_000, 1_000_000].filter((s) => results.has(s));
  const models = [...results.values()].filter((r) => r.sklearn);
  const targets: Target[] = [
    {
      name: `per change at most ${PER_CHANGE_LIMIT_US} µs (CPU) at 100k and 1M customers, in the stack's batches of ${STACK_BATCH.toLocaleString('en')}`,
      measured: bigSizes.length === 0 ? 'needs 100k or 1M in --sizes' : bigSizes.map((s) => `${sizeLabel(s)}: ${micro(perChange(s)!)}`).join(', '),
      met: bigSizes.length === 0 ? undefined : bigSizes.every((s) => perChange(s)! <= PER_CHANGE_LIMIT_US),
    },
    {
      name: `at 100k customers at least ${SKLEARN_RATIO.toLocaleString('en')}x cheaper than a scikit-learn refit of the same rows`,
      measured: ratio100k === undefined ? (at100k?.sklearnNote ?? 'needs 100k in --sizes') : `${Math.round(ratio100k).toLocaleString('en')}x (${median(at100k!.sklearn!.cpuMs).toFixed(1)} ms / ${micro(at100k!.perEventMeanUs)})`,
      met: ratio100k === undefined ? undefined : ratio100k >= SKLEARN_RATIO,
    },
    {
      name: 'the same model as scikit-learn (coefficients, intercept, means, deviations to 1e-6 relative)',
      measured: models.length === 0 ? 'scikit-learn not run' : models.map((r) => `${sizeLabel(r.size)}: ${r.sameModel}`).join(', '),
      met: models.length === 0 ? undefined : models.every((r) => r.sameModel === 'yes'),
    },
    {
      name: `end to end >= ${E2E_RATE.toLocaleString('en')} changes/s on a real Kafka broker and S3 API server, 3 partitions, batches of ${STACK_BATCH.toLocaleString('en')} (median of ${E2E_RUNS} runs after an uncounted warm-up run)`,
      measured:
        throughput.rate === undefined
          ? throughput.note
          : `${Math.round(throughput.rate).toLocaleString('en')} changes/s (runs ${throughput.rates!.map((r) => Math.round(r).toLocaleString('en')).join(', ')} after a warm-up run of ${Math.round(throughput.warmUp ?? 0).toLocaleString('en')}; batches of ${BATCH}: ${Math.round(throughput.rate100 ?? 0).toLocaleString('en')} changes/s)`,
      met: throughput.rate === undefined ? undefined : throughput.rate >= E2E_RATE,
    },
  ];
  return {
    columns,
    rows,
    targets,
    notes: [
      `Measured in a child process with the CDC function's Node.js options (${FUNCTION_NODE_OPTIONS.join(' ') || 'none'}, from functions/manifest.ts, as the stack deploys it). ` +
        `Per change: the CDC service's work for one change (20% inserts, 60% updates, 20% deletes) in the stack's batches of ${STACK_BATCH.toLocaleString('en')} (infra settings), then again in Lambda's default batches of ${BATCH} (parse, lookup, exact statistics, journal, amortised folds, manifest), in-memory object store, one partition holding the whole table; CPU time of this process (user + system) over all the changes, so the folds are amortised in it; the range of ${SEGMENTS} equal segments beside it. ` +
        'scikit-learn refit: RidgeClassifier(alpha=1).fit on every row the state holds (exported after the changes), standardised beforehand and untimed (in the peer\'s favour), CPU time inside the Python process, median of the repeats after a warm-up; OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1. The ratio is refit CPU over per-change CPU. ' +
        `Model publish: once per invocation (merge, fit, write; wall time); metrics (every row scored, AUC, accuracy) are measured on every publish up to ${PublishDefaults.metricsMaxRows.toLocaleString('en')} rows, then every ${PublishDefaults.metricsEvery} versions: "metrics refresh" is that cost. ` +
        'Our full retrain: the exact sums over every row, the fit and the metrics, as `pipeline model fit` does.',
    ],
  };
}

/** The Node.js options the deployed CDC function runs with (functions/manifest.ts), which the per-change figures are measured under. */
const FUNCTION_NODE_OPTIONS: readonly string[] = Functions.cdc.nodeOptions;

/**
 * {@link measureSize} in a child process started with the CDC function's Node.js options, so that
 * the figures are those of the function as deployed (its heap settings cannot change in this
 * process once it runs); the child's log lines pass through.
 */
async function measureSizeInChild(context: BenchContext, size: number): Promise<SizeResult> {
  const job = JSON.stringify({ size, seed: context.seed, repeats: context.repeats(size), repoRoot: context.repoRoot, workDir: context.workDir });
  const child = spawn(process.execPath, [...FUNCTION_NODE_OPTIONS, '--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, job], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  if (code !== 0) throw new Error(`the CDC measurement at ${sizeLabel(size)} (a child process) exited with ${code}`);
  return JSON.parse(out) as SizeResult;
}

const CHILD_FLAG = '--measure-size';

/** The changes are timed in this many equal segments, for a median and a spread. */
const SEGMENTS = 5;

interface SklearnResult {
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly intercept: number;
  readonly coefficients: number[];
  readonly mean: number[];
  readonly std: number[];
}

interface SizeResult {
  readonly size: number;
  readonly customers: number;
  readonly events: number;
  /** CPU time of this process per event (less disturbed than wall time on a shared machine), over all the changes. */
  readonly perEventMeanUs: number;
  /** The same per segment of the changes: folds land in some segments only, so they spread. */
  readonly perEventUs: number[];
  /** CPU per event in batches of 100 (Lambda's default batch size). */
  readonly perEventSmallUs: number;
  readonly perEventWallUs: number;
  readonly metricsMs: number;
  readonly publishMs: number;
  readonly retrainMs: number;
  readonly loadMs: number;
  readonly sklearn?: SklearnResult;
  readonly sklearnNote?: string;
  readonly sameModel: string;
}

async function measureSize(context: BenchContext, size: number): Promise<SizeResult> {
  let customers: Customer[] | undefined = await customersOf(context, size);
  const count = customers.length;
  const service = new CdcService({ store: new MemoryStore(), modelName: 'bench', log: 'bench.x' });
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
  // made up front and packed into two buffers (outside the heap), and the customer objects let go,
  // so that neither the generator's work nor its objects (which the collector would walk on every
  // major collection) are counted against the CDC function
  const changes = packed(cdcMessages({ ...MIX, customers, count: 2 * events, snapshot: false, seed: context.seed + size }));
  const more = [...cdcMessages({ ...MIX, customers, count: 10 * BATCH, snapshot: false, seed: context.seed + size + 1 })];
  customers = undefined;
  /** CPU and wall time of `events` changes in batches of `batchSize`, in segments (folds land in some of them). */
  const timeBatches = async (batchSize: number) => {
    context.log(`${sizeLabel(size)}: ${events.toLocaleString('en')} changes in batches of ${batchSize}`);
    let spent = 0;
    let cpu = 0;
    const segmentCpu: number[] = [];
    const segmentEvents = Math.ceil(events / batchSize / SEGMENTS) * batchSize;
    for (let i = 0; i < events; i += batchSize) {
      if (i > 0 && i % segmentEvents === 0) segmentCpu.push((cpu - segmentCpu.reduce((sum, perEvent) => sum + perEvent * segmentEvents, 0)) / segmentEvents);
      const batch: PartitionRecord[] = [];
      for (let j = i; j < Math.min(events, i + batchSize); j++) batch.push(record(changes.next()));
      const started = performance.now();
      const before = process.cpuUsage();
      await service.applyBatch(TOPIC, 0, batch);
      const used = process.cpuUsage(before);
      cpu += used.user + used.system;
      spent += performance.now() - started;
    }
    segmentCpu.push((cpu - segmentCpu.reduce((sum, perEvent) => sum + perEvent * segmentEvents, 0)) / (events - segmentCpu.length * segmentEvents));
    return { meanUs: cpu / events, wallUs: (spent * 1000) / events, segments: segmentCpu };
  };
  // the stack's batch size first (what the deployed function gets), then Lambda's default of 100
  const stack = await timeBatches(STACK_BATCH);
  const small = await timeBatches(BATCH);
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
  const ours = fitFromStats(ExactStats.of(LAYOUT.width, table));
  const peer = size >= 100_000 ? await sklearnRefit(context, size, table) : { note: 'not run below 100k' };
  const sameModel = 'result' in peer ? sameNumbers(ours, peer.result) : '-';
  return {
    size,
    customers: count,
    events,
    perEventMeanUs: stack.meanUs,
    perEventUs: stack.segments,
    perEventSmallUs: small.meanUs,
    perEventWallUs: stack.wallUs,
    publishMs: median(publishes),
    metricsMs: median(metrics),
    retrainMs: median(retrains),
    loadMs,
    sameModel,
    ...('result' in peer ? { sklearn: peer.result } : { sklearnNote: peer.note }),
  };
}

/** The scikit-learn peer on `table` (the rows the CDC state holds), or why it could not run. */
async function sklearnRefit(context: BenchContext, size: number, table: readonly ArrayLike<number>[]): Promise<{ result: SklearnResult } | { note: string }> {
  let python: string;
  try {
    python = ensureVenv(join(context.repoRoot, 'data', 'bench', 'python'), join(context.repoRoot, 'test', 'bench', 'peers', 'requirements.txt'), context.log);
  } catch (error) {
    context.log(`scikit-learn peer not run: ${(error as Error).message.split('\n')[0]}`);
    return { note: 'no Python environment (see the log)' };
  }
  const width = LAYOUT.width;
  const file = join(context.workDir, `table-${sizeLabel(size)}.bin`);
  const head = Buffer.alloc(8 + 8 * width);
  head.writeInt32LE(table.length, 0);
  head.writeInt32LE(width, 4);
  LAYOUT.features.forEach((feature, i) => head.writeDoubleLE(feature.scale, 8 + 8 * i));
  const body = new Int32Array(table.length * (width + 1));
  table.forEach((row, r) => body.set(row, r * (width + 1)));
  writeFileSync(file, Buffer.concat([head, Buffer.from(body.buffer)]));
  context.log(`${sizeLabel(size)}: scikit-learn refit x${Math.max(5, context.repeats(size))} (${python})`);
  const run = await measureCommand(python, [join(context.repoRoot, 'test', 'bench', 'peers', 'sklearn-cdc.py'), file, String(Math.max(5, context.repeats(size)))], { env: ONE_THREAD });
  return { result: JSON.parse(run.stdout) as SklearnResult };
}

/** 'yes' when scikit-learn's model has our numbers (to 1e-6 relative), else the first differences. */
function sameNumbers(ours: ReturnType<typeof fitFromStats>, theirs: SklearnResult): string {
  const differences: string[] = [];
  const check = (what: string, a: number, b: number) => {
    if (!(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)))) differences.push(`${what} ${a}/${b}`);
  };
  check('intercept', ours.parameters.intercept, theirs.intercept);
  ours.parameters.coefficients.forEach((c, i) => check(`coefficient ${ours.features[i]}`, c, theirs.coefficients[i]!));
  ours.standardisation.mean.forEach((m, i) => check(`mean ${ours.features[i]}`, m, theirs.mean[i]!));
  ours.standardisation.std.forEach((s, i) => check(`std ${ours.features[i]}`, s, theirs.std[i]!));
  return differences.length === 0 ? 'yes' : `no (${differences.length}): ${differences.slice(0, 2).join('; ')}`;
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

/** End-to-end runs at the stack's batch size (the median is the figure); one at Lambda's default of 100 beside it. */
const E2E_RUNS = 3;

/** Events/s through the emulator and the CDC function on a real broker and S3 API server. */
async function endToEnd(context: BenchContext): Promise<{ rate?: number; rates?: number[]; rate100?: number; warmUp?: number; note: string }> {
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
    // a first run warms up what a long-running deployment has warm (the servers' first requests,
    // this process's compiled code) and is not counted: it ran at about half the rate of the others
    const batchSizes = [STACK_BATCH, ...Array.from({ length: E2E_RUNS }, () => STACK_BATCH), BATCH];
    for (const [run, batchSize] of batchSizes.entries()) {
      const bucket = `bench-cdc-${Date.now()}-${run}-${batchSize}`;
      const config = loadConfig({ S3_ENDPOINT: endpoint, AWS_REGION: 'us-east-1', PIPELINE_BUCKET: bucket });
      await s3ClientFor(config).send(new CreateBucketCommand({ Bucket: bucket }));
      const log = new KafkaLog({ brokers, clientId: 'bench-cdc', ssl: false, source: 'bench broker' });
      try {
        const topic = `bench-cdc-${Date.now()}-${run}-${batchSize}`;
        await log.ensureTopic(topic, 3);
        const messages = [...cdcMessages({ customers, count: 20_000 - customers.length, seed: context.seed })];
        for (let i = 0; i < messages.length; i += 5_000) await log.produce(topic, messages.slice(i, i + 5_000).map((m) => ({ key: m.key, value: m.value })));
        context.log(`end to end: ${messages.length.toLocaleString('en')} events, batches of ${batchSize} (${run === 0 ? 'warm-up, not counted' : `run ${run} of ${batchSizes.length - 1}`})`);
        const handler = createCdcHandler(new CdcService({ store: openStore(config, 'models'), modelName: 'bench', log: logIdOf({ eventSource: 'aws:kafka', eventSourceArn: await log.identity() }) }));
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
    const stack = rates.slice(1, 1 + E2E_RUNS);
    return { rate: median(stack), rates: stack, rate100: rates[1 + E2E_RUNS], warmUp: rates[0], note: '' };
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

// run as that child (last in the module, once everything above is defined): measure one size, print the result as JSON
if (process.argv[2] === CHILD_FLAG && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const job = JSON.parse(process.argv[3]!) as { size: number; seed: number; repeats: number; repoRoot: string; workDir: string };
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const context: BenchContext = {
    sizes: [job.size],
    seed: job.seed,
    repeats: () => job.repeats,
    repoRoot: job.repoRoot,
    workDir: job.workDir,
    marketingInput: (rows) => marketingInput(dirname(job.workDir), rows, job.seed, log),
    realMarketingFile: undefined,
    log,
  };
  process.stdout.write(JSON.stringify(await measureSize(context, job.size)));
}
