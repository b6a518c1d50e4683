/**
 * Benchmark part "stream": sensor readings through a real Kafka broker (KAFKA_BROKERS, or a
 * private KRaft broker started for the run): the producer; the event-source emulator driving the
 * streaming function (writing partials to the embedded folder store) draining a backlog at the
 * stack's batch size and window; the same with producer and consumer running together (sustained
 * end to end, and end-to-end latency from produce to partial written at 5,000 records/s); and the
 * function alone on a 10,000-record MSKEvent. Two peers, each the ceiling of its measurement: for
 * the function alone, base64-decoding and JSON-parsing every value of the same event (nothing a
 * handler can skip), timed in pairs with ours in the same process; end to end, a bare kafkajs
 * consumer group that only JSON-parses each value, draining the same backlog just before ours.
 * Both peers' counts are compared with ours; the ratios are medians of the pairs'.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { sensorMessages, type SensorMessage } from '../../../data/generators/sensors.js';
import { createStreamHandler } from '../../../functions/stream/handler.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { produceMessages } from '../../../shared/producer.js';
import { createEventSource, type KafkaHandler } from '../../../shared/emulator/index.js';
import { encodeKafkaEvent } from '../../../shared/lambda/kafka-event.js';
import type { LogRecord } from '../../../shared/ports/event-log.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { Functions } from '../../../functions/manifest.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { partialKey } from '../../../shared/stream/outputs.js';
import { startPrivateBroker } from '../../helpers/kafka.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, quartiles, withSpread } from '../lib/stats.js';

export const name = 'stream';
export const description = 'sensor_data on a real Kafka broker: producer, emulator + stream function, end to end; peer: a bare kafkajs consumer that only JSON-parses';

/** Streaming sizes above this are skipped: a backlog this size already runs for seconds. */
const MAX_RECORDS = 200_000;
const LATENCY_RATE = 5_000;
const LATENCY_SECONDS = 15;
/** The function alone at least this share of the decode-and-parse ceiling's rate. */
const CEILING_RATIO = 0.8;
/** End to end at the stack's batch size, at least this share of the bare kafkajs consumer's rate. */
const PEER_RATIO = 0.5;
const STACK_BATCH: number = Functions.stream.trigger.batchSize;

const STACK_WINDOW_MS: number = Functions.stream.trigger.batchWindowSeconds * 1000;

/**
 * How the emulator drains a backlog; the first, the stack's mapping, decides the target. Lambda
 * fills a batch from a backlog at once, so only each partition's last, partial batch waits out the
 * batching window: a fixed wait at the end of a finite backlog, which a stream that goes on never
 * sees and the bare consumer, batching nothing, does not have. So the rate runs to the last full
 * batch (every batch before it is full, as Lambda's are: checked), and the whole drain, the wait
 * included, is shown beside it.
 */
const Backlogs = [
  { batchSize: STACK_BATCH, windowMs: STACK_WINDOW_MS, label: `batch ${STACK_BATCH}, window ${STACK_WINDOW_MS / 1000} s (the stack's)` },
  { batchSize: 1_000, windowMs: STACK_WINDOW_MS, label: `batch 1,000, window ${STACK_WINDOW_MS / 1000} s` },
] as const;

const columns: readonly Column[] = [
  { key: 'measure', title: 'measurement', format: 'text' },
  { key: 'records', title: 'records', format: 'count' },
  { key: 'ms', title: 'time', format: 'duration' },
  { key: 'rate', title: 'ours', format: 'perSecond' },
  { key: 'peer', title: 'peer (ceiling)', format: 'perSecond' },
  { key: 'ratio', title: 'ours/peer', format: 'ratio' },
  { key: 'spread', title: 'ours (median ±half-spread)', format: 'text' },
  { key: 'p50', title: 'latency p50', format: 'duration' },
  { key: 'p99', title: 'latency p99', format: 'duration' },
];

const nullStore: ObjectStore = {
  name: 'nowhere',
  get: () => Promise.reject(new Error('not stored')),
  head: () => Promise.resolve(undefined),
  put: () => Promise.resolve({ etag: '""' }),
  list: () => Promise.resolve([]),
  delete: () => Promise.resolve(),
};

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A rate in thousands of records a second. */
const formatRate = (perSecond: number): string => `${Math.round(perSecond / 1000)}k/s`;

export async function run(context: BenchContext): Promise<BenchReport> {
  const given = process.env.KAFKA_BROKERS?.trim();
  let broker: Awaited<ReturnType<typeof startPrivateBroker>> | undefined;
  if (!given) {
    context.log('no KAFKA_BROKERS: starting a private Kafka broker for this part');
    broker = await startPrivateBroker();
  }
  const brokers = given ? given.split(',') : broker!.brokers;
  const log = new KafkaLog({ brokers, clientId: 'bench-stream', ssl: false, source: given ? 'KAFKA_BROKERS' : 'private broker' });
  const rows: Row[] = [];
  const measured = { handler: Number.NaN, ceiling: Number.NaN, handlerRatio: Number.NaN, handlerRange: [Number.NaN, Number.NaN], handlerAgrees: 'not run', e2e: Number.NaN, p99: Number.NaN, stackRatio: Number.NaN, stackRange: [Number.NaN, Number.NaN], stackAgrees: 'not run' };
  const runId = Date.now().toString(36);
  try {
    const handlerRows = await handlerAlone(context);
    rows.push(...handlerRows.rows);
    measured.handler = handlerRows.rate;
    measured.ceiling = handlerRows.ceiling;
    measured.handlerRatio = handlerRows.ratio;
    measured.handlerRange = handlerRows.ratioRange;
    measured.handlerAgrees = handlerRows.agreement;

    for (const size of context.sizes.filter((s) => s <= MAX_RECORDS)) {
      const label = sizeLabel(size);
      const topic = `bench-sensors-${runId}-${label}`;
      await log.ensureTopic(topic, 3);
      const messages = [...sensorMessages({ count: size, sensors: 50, seed: context.seed, badRatio: 0.01 })];

      context.log(`${label}: producing`);
      const produced = await produceMessages(log, topic, messages.map((m) => ({ key: m.key, value: m.value })), { chunk: 5_000 });
      rows.push({ measure: `${label}: producer (acks=all, idempotent)`, records: size, ms: produced.seconds * 1000, rate: size / produced.seconds });

      // the peer and ours drain the same backlog in turn, repeated (each with a consumer group of
      // its own), and each of ours is compared with the peer's drain just before it: one drain of
      // each moved the ratio by half from one run to the next
      const perPartition = await partitionCounts(log, topic);
      const repeats = Math.max(5, context.repeats(size));
      const peerRates: number[] = [];
      const ours = Backlogs.map(() => ({ ms: [] as number[], rates: [] as number[], ratios: [] as number[], wholeMs: [] as number[], asLambda: true }));
      let complete = true;
      for (let r = 0; r < repeats; r++) {
        context.log(`${label} (${r + 1}/${repeats}): kafkajs peer, then the emulator + stream function, draining the topic`);
        const peer = await kafkajsPeer(brokers, topic, size, r);
        const peerRate = size / (peer.ms / 1000);
        peerRates.push(peerRate);
        complete &&= peer.seen === size;
        for (const [i, backlog] of Backlogs.entries()) {
          const store = freshStore(context, `drain-${label}-${i}`);
          const drained = await drain(log, topic, `bench-${runId}-${label}-${i}-${r}`, createStreamHandler({ store }), size, backlog);
          const rate = drained.fullRecords / (drained.ms / 1000);
          ours[i]!.ms.push(drained.ms);
          ours[i]!.rates.push(rate);
          ours[i]!.ratios.push(rate / peerRate);
          ours[i]!.wholeMs.push(drained.wholeMs);
          // the batches Lambda makes of a backlog: every one full but each partition's last
          ours[i]!.asLambda &&= drained.invocations === perPartition.reduce((sum, n) => sum + Math.ceil(n / backlog.batchSize), 0);
          complete &&= drained.delivered === size;
        }
      }
      for (const [i, backlog] of Backlogs.entries()) {
        const { ms, rates, ratios, wholeMs, asLambda } = ours[i]!;
        const [low, high] = quartiles(ratios);
        rows.push({
          measure: `${label}: emulator + stream function, backlog, ${backlog.label}, to the last full batch; peer: bare kafkajs consumer (${repeats} pairs; ratio: the pairs' median, middle half ${low.toFixed(2)}-${high.toFixed(2)}; the whole drain, each partition's last batch waiting out the window: ${(median(wholeMs) / 1000).toFixed(1)} s)`,
          records: size,
          ms: median(ms),
          rate: median(rates),
          peer: median(peerRates),
          ratio: median(ratios),
          spread: `${withSpread(rates, formatRate)} vs peer ${withSpread(peerRates, formatRate)}`,
        });
        if (i === 0) {
          // the largest size decides the target: small backlogs are mostly start-up
          measured.stackRatio = median(ratios);
          measured.stackRange = [low, high];
          measured.stackAgrees = complete && asLambda ? 'yes' : !complete ? 'no: a side did not see every record' : "no: the batches were not Lambda's";
        }
      }

      context.log(`${label}: producer and emulator together, as fast as they go`);
      const live = await endToEnd(context, log, `${topic}-live`, messages, undefined, `bench-${runId}-${label}-live`);
      rows.push({ measure: `${label}: end to end, produce -> partial written (batch 1,000)`, records: size, ms: live.ms, rate: size / (live.ms / 1000), p50: live.p50, p99: live.p99 });
      measured.e2e = Math.max(Number.isNaN(measured.e2e) ? 0 : measured.e2e, size / (live.ms / 1000));
    }

    const latencyCount = LATENCY_RATE * LATENCY_SECONDS;
    context.log(`end-to-end latency at ${LATENCY_RATE.toLocaleString('en')} records/s for ${LATENCY_SECONDS} s`);
    const paced = [...sensorMessages({ count: latencyCount, sensors: 50, seed: context.seed + 1, badRatio: 0.01 })];
    const latency = await endToEnd(context, log, `bench-sensors-${runId}-paced`, paced, LATENCY_RATE, `bench-${runId}-paced`, 100);
    rows.push({
      measure: `end to end at ${LATENCY_RATE.toLocaleString('en')}/s (Lambda defaults: batch 100, window 500 ms)`,
      records: latencyCount,
      ms: latency.ms,
      rate: latencyCount / (latency.ms / 1000),
      p50: latency.p50,
      p99: latency.p99,
    });
    measured.p99 = latency.p99;
  } finally {
    await log.close();
    await broker?.dispose();
  }

  const range = ([low, high]: readonly number[]) => `middle half of the pairs ${low!.toFixed(2)}-${high!.toFixed(2)}`;
  const targets: Target[] = [
    {
      name: `stream function alone (10,000-record MSKEvent, no writes) at least ${CEILING_RATIO}x the rate of base64 decode + JSON.parse of the same event`,
      measured: `${Math.round(measured.handler).toLocaleString('en')} vs ${Math.round(measured.ceiling).toLocaleString('en')} records/s (medians); ${measured.handlerRatio.toFixed(2)}x (${range(measured.handlerRange)}); same counts: ${measured.handlerAgrees}`,
      met: measured.handlerRatio >= CEILING_RATIO && measured.handlerAgrees === 'yes',
    },
    {
      name: `end to end, backlog at the stack's batch size and window (${STACK_BATCH}, ${STACK_WINDOW_MS / 1000} s), at least ${PEER_RATIO}x the bare kafkajs consumer's rate`,
      measured: Number.isNaN(measured.stackRatio) ? 'not run (no size <= 200k)' : `${measured.stackRatio.toFixed(2)}x (${range(measured.stackRange)}); every record, in Lambda's batches: ${measured.stackAgrees}`,
      met: Number.isNaN(measured.stackRatio) ? undefined : measured.stackRatio >= PEER_RATIO && measured.stackAgrees === 'yes',
    },
    {
      name: 'end to end >= 20,000 records/s sustained',
      measured: Number.isNaN(measured.e2e) ? 'not run (no size <= 200k)' : `${Math.round(measured.e2e).toLocaleString('en')} records/s`,
      met: Number.isNaN(measured.e2e) ? undefined : measured.e2e >= 20_000,
    },
    { name: `end-to-end p99 < 1 s at ${LATENCY_RATE.toLocaleString('en')} records/s`, measured: `${Math.round(measured.p99)} ms`, met: measured.p99 < 1_000 },
  ];
  const notes = [
    `Backlogs: the rates run from the first record received to the last one processed, the peer's (its consumer-group join not counted) to its last record, ours (the emulator start not counted) to the last full batch: the batching window (${STACK_WINDOW_MS / 1000} s, the stack's) holds back only each partition's last, partial batch, a fixed wait at the end of a finite backlog, shown apart as the whole drain. Ours must make the batches Lambda makes (every one full but each partition's last) and both sides must see every record. The peer and ours drain the same backlog in turn, at least 5 times; the ratio is the median of each drain of ours against the peer's just before it. The topics have 3 partitions; 1% of the readings are malformed (dead-lettered).`,
    'End to end: the producer sends while the emulator consumes; latency is from the Kafka record timestamp (set by the producer) to the moment the function has written the batch partial (folder store).',
    `Sizes above ${MAX_RECORDS.toLocaleString('en')} are skipped in this part. The machine is shared: the broker, producer and consumer run on the same cores.`,
  ];
  return { columns, rows, targets, notes };
}

/**
 * The stream function on a 10,000-record MSKEvent: compute only (against the ceiling, base64 and
 * JSON.parse of every value, the two timed alternately), and with its writes to a folder.
 */
async function handlerAlone(context: BenchContext): Promise<{ rows: Row[]; rate: number; ceiling: number; ratio: number; ratioRange: [number, number]; agreement: string }> {
  const encoder = new TextEncoder();
  const records: LogRecord[] = [...sensorMessages({ count: 10_000, sensors: 50, seed: context.seed, badRatio: 0.01 })].map((m, offset) => ({
    topic: 'sensor_data',
    partition: 0,
    offset,
    key: encoder.encode(m.key),
    value: encoder.encode(m.value),
    headers: {},
    timestamp: m.timestamp,
    timestampType: 'CREATE_TIME',
  }));
  const event = encodeKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/bench/x', bootstrapServers: 'bench:9092' });
  // many short runs in pairs, after a warm-up long enough for the optimising compiler; each pair
  // in turn ours first or the ceiling first (the garbage one leaves is collected during the
  // other), and the ratio is the median of the pairs' ratios: the machine is shared, its load
  // moves from one moment to the next, and a median of 31 unpaired runs moved by 0.15 in the
  // ratio from one run to the next
  const runs = Math.max(101, context.repeats(10_000) * 20);
  const ours = createStreamHandler({ store: nullStore });
  const ceiling = async (): Promise<number> => decodeAndParse(event);
  context.log('stream function alone on a 10,000-record MSKEvent, and the decode-and-parse ceiling, in pairs');
  for (let i = 0; i < 20; i++) {
    await ours(event);
    await ceiling();
  }
  const oursTimes: number[] = [];
  const ceilingTimes: number[] = [];
  const pairRatios: number[] = [];
  const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  for (let i = 0; i < runs; i++) {
    const oursFirst = i % 2 === 0;
    const bareMs = oursFirst ? Number.NaN : await timed(ceiling);
    const oursMs = await timed(() => ours(event));
    const ceilingMs = oursFirst ? await timed(ceiling) : bareMs;
    oursTimes.push(oursMs);
    ceilingTimes.push(ceilingMs);
    pairRatios.push(ceilingMs / oursMs);
  }
  const compute = median(oursTimes);
  const bare = median(ceilingTimes);
  const pairRatio = median(pairRatios);
  const [lowRatio, highRatio] = quartiles(pairRatios);
  const written = median(await timeRuns(createStreamHandler({ store: freshStore(context, 'handler-alone') }), event, runs));

  // the same counts: records that parse as JSON there are ours that are valid or dead-lettered for something other than JSON
  const parsed = await decodeAndParse(event);
  const kept = new MemoryStore();
  await createStreamHandler({ store: kept })(event);
  const partial = JSON.parse(new TextDecoder().decode((await kept.get(partialKey({ topic: 'sensor_data', log: 'bench.x', partition: 0, firstOffset: 0, lastOffset: 9_999 }))).body)) as { records: number; valid: number; deadLetters: number };
  const notJson = await notJsonCount(kept);
  const agreement = partial.records === records.length && partial.valid + partial.deadLetters - notJson === parsed ? 'yes' : `no: ${partial.valid} valid + ${partial.deadLetters - notJson} other dead letters vs ${parsed} parsed`;
  return {
    rows: [
      {
        measure: `stream function alone, 10,000-record MSKEvent, no writes; peer: base64 + JSON.parse of every value (${runs} pairs; ratio: the pairs' median, middle half ${lowRatio.toFixed(2)}-${highRatio.toFixed(2)})`,
        records: 10_000,
        ms: compute,
        rate: 10_000 / (compute / 1000),
        peer: 10_000 / (bare / 1000),
        ratio: pairRatio,
        p50: null,
        p99: null,
        spread: `${withSpread(oursTimes, (ms) => `${ms.toFixed(1)} ms`)} vs ceiling ${withSpread(ceilingTimes, (ms) => `${ms.toFixed(1)} ms`)}`,
      },
      { measure: 'stream function alone, 10,000-record MSKEvent, writing to a folder', records: 10_000, ms: written, rate: 10_000 / (written / 1000) },
    ],
    rate: 10_000 / (compute / 1000),
    ceiling: 10_000 / (bare / 1000),
    ratio: pairRatio,
    ratioRange: [lowRatio, highRatio],
    agreement,
  };
}

async function timeRuns(handler: KafkaHandler, event: Parameters<KafkaHandler>[0], runs: number): Promise<number[]> {
  for (let i = 0; i < 3; i++) await handler(event);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await handler(event);
    times.push(performance.now() - started);
  }
  return times;
}

/** The ceiling of any handler of this event: decode each value from base64 and JSON.parse it; how many parsed. */
function decodeAndParse(event: Parameters<KafkaHandler>[0]): number {
  let parsed = 0;
  for (const list of Object.values(event.records)) {
    for (const record of list) {
      try {
        JSON.parse(Buffer.from(record.value, 'base64').toString('utf8'));
        parsed++;
      } catch {
        // a malformed reading
      }
    }
  }
  return parsed;
}

async function notJsonCount(store: MemoryStore): Promise<number> {
  let count = 0;
  for (const { key } of await store.list('results/stream/dead-letters/')) {
    const file = JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as { deadLetters: Array<{ reason: string }> };
    count += file.deadLetters.filter((d) => d.reason.startsWith('not JSON')).length;
  }
  return count;
}

function freshStore(context: BenchContext, name: string): FolderStore {
  const dir = join(context.workDir, name);
  rmSync(dir, { recursive: true, force: true });
  return new FolderStore(dir);
}

/** How many records each partition of a topic holds (from offset 0: the topic is the bench's own). */
async function partitionCounts(log: KafkaLog, topic: string): Promise<number[]> {
  const counts: number[] = [];
  for (const partition of await log.partitions(topic)) {
    const { low, high } = await log.offsets(topic, partition);
    counts.push(high - low);
  }
  return counts;
}

/**
 * Drains `count` records of `topic` with the emulator: ms from the first invocation to the last
 * success of a full batch and the records of full batches, ms to the last success of all, and the
 * invocations made.
 */
async function drain(
  log: KafkaLog,
  topic: string,
  group: string,
  handler: KafkaHandler,
  count: number,
  { batchSize, windowMs }: { batchSize: number; windowMs: number },
): Promise<{ ms: number; fullRecords: number; wholeMs: number; delivered: number; invocations: number }> {
  let first = Number.NaN;
  let lastFull = Number.NaN;
  let last = Number.NaN;
  let delivered = 0;
  let fullRecords = 0;
  let invocations = 0;
  const source = createEventSource({
    log,
    topic,
    group,
    handler,
    batchSize,
    maxBatchingWindowMs: windowMs,
    onEvent: (e) => {
      if (e.type === 'invoke') {
        if (Number.isNaN(first)) first = performance.now();
        invocations++;
      }
      if (e.type === 'success') {
        delivered += e.records;
        last = performance.now();
        if (e.records === batchSize) {
          fullRecords += e.records;
          lastFull = last;
        }
      }
    },
  });
  await source.start();
  while (delivered < count) await sleep(5);
  await source.stop();
  return { ms: lastFull - first, fullRecords, wholeMs: last - first, delivered, invocations };
}

/** Produces `messages` (at `rate`, or unthrottled) while the emulator consumes; latency per record. */
async function endToEnd(
  context: BenchContext,
  log: KafkaLog,
  topic: string,
  messages: readonly SensorMessage[],
  rate: number | undefined,
  group: string,
  batchSize = 1_000,
): Promise<{ ms: number; p50: number; p99: number }> {
  await log.ensureTopic(topic, 3);
  const handler = createStreamHandler({ store: freshStore(context, `e2e-${topic}`) });
  const latencies: number[] = [];
  let delivered = 0;
  let last = 0;
  const timed: KafkaHandler = async (event) => {
    await handler(event);
    const now = Date.now();
    last = performance.now();
    for (const list of Object.values(event.records)) {
      for (const record of list) latencies.push(now - record.timestamp);
      delivered += list.length;
    }
  };
  const source = createEventSource({ log, topic, group, handler: timed, batchSize, startingPosition: 'TRIM_HORIZON' });
  await source.start();
  const started = performance.now();
  await produceMessages(log, topic, messages.map((m) => ({ key: m.key, value: m.value })), rate === undefined ? { chunk: 2_000 } : { rate });
  while (delivered < messages.length) await sleep(5);
  await source.stop();
  latencies.sort((a, b) => a - b);
  return { ms: last - started, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** The peer: a kafkajs consumer group reading the topic from the start, JSON-parsing each value. */
async function kafkajsPeer(brokers: string[], topic: string, count: number, run = 0): Promise<{ ms: number; seen: number }> {
  const kafka = new Kafka({ clientId: 'bench-peer', brokers, logLevel: logLevel.NOTHING });
  // a group of its own each run: a group that has committed would start where it stopped
  const consumer = kafka.consumer({ groupId: `peer-${topic}-${run}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (Number.isNaN(first)) first = performance.now();
      for (const message of batch.messages) {
        try {
          JSON.parse(message.value?.toString('utf8') ?? 'null');
        } catch {
          // malformed readings count as consumed
        }
        seen++;
      }
      last = performance.now();
    },
  });
  while (seen < count) await sleep(5);
  await consumer.disconnect();
  return { ms: last - first, seen };
}

