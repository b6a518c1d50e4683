/**
 * Benchmark part "stream": sensor readings through a real Kafka broker (KAFKA_BROKERS, or a
 * private KRaft broker started for the run): the producer; the event-source emulator driving the
 * streaming function (writing partials to the embedded folder store) draining a backlog; the same
 * with producer and consumer running together (sustained end to end, and end-to-end latency from
 * produce to partial written at 5,000 records/s); and the function alone on a 10,000-record
 * MSKEvent. Two peers, each the ceiling of its measurement: for the function alone, base64-decoding
 * and JSON-parsing every value of the same event (nothing a handler can skip), timed alternately
 * with ours in the same process; end to end, a bare kafkajs consumer group that only JSON-parses
 * each value. Both peers' counts are compared with ours.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { sensorMessages, type SensorMessage } from '../../../data/generators/sensors.js';
import { createStreamHandler } from '../../../functions/stream/handler.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { KafkaLog } from '../../../shared/adapters/kafka-log.js';
import { produceMessages } from '../../../shared/producer.js';
import { createEventSource, EventSourceDefaults, type KafkaHandler } from '../../../shared/emulator/index.js';
import { encodeKafkaEvent } from '../../../shared/lambda/kafka-event.js';
import type { LogRecord } from '../../../shared/ports/event-log.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { Functions } from '../../../functions/manifest.js';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { partialKey } from '../../../shared/stream/outputs.js';
import { startPrivateBroker } from '../../helpers/kafka.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, ratio, withSpread } from '../lib/stats.js';

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

/**
 * How the emulator drains a backlog; the first decides the target. A backlog fills every batch,
 * so the batching window only holds back each partition's last, partial batch: a fixed wait at
 * the end of the drain (half a second on a drain of about one), which is latency (measured by the
 * latency rows) and not throughput, and which the bare consumer, batching nothing, does not
 * have. So the backlog runs without it; the last row shows the wait with Lambda's default window.
 */
const Backlogs = [
  { batchSize: STACK_BATCH, windowMs: 0, label: `batch ${STACK_BATCH} (the stack's), no batching window` },
  { batchSize: 1_000, windowMs: 0, label: 'batch 1,000, no batching window' },
  {
    batchSize: STACK_BATCH,
    windowMs: EventSourceDefaults.maxBatchingWindowMs,
    label: `batch ${STACK_BATCH}, Lambda's default window (${EventSourceDefaults.maxBatchingWindowMs} ms): each partition's last batch waits it out`,
  },
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
/** A drain time as the rate of `records` it makes. */
const formatRate = (records: number) => (ms: number) => `${Math.round(records / (ms / 1000) / 1000)}k/s`;

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
  const measured = { handler: Number.NaN, ceiling: Number.NaN, handlerAgrees: 'not run', e2e: Number.NaN, p99: Number.NaN, stackRatio: Number.NaN, stackAgrees: true };
  const runId = Date.now().toString(36);
  try {
    const handlerRows = await handlerAlone(context);
    rows.push(...handlerRows.rows);
    measured.handler = handlerRows.rate;
    measured.ceiling = handlerRows.ceiling;
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
      // its own): one drain of each moved the ratio by half from one run to the next
      const repeats = context.repeats(size);
      const peerMs: number[] = [];
      const oursMs = Backlogs.map(() => [] as number[]);
      let complete = true;
      for (let r = 0; r < repeats; r++) {
        context.log(`${label} (${r + 1}/${repeats}): kafkajs peer, then the emulator + stream function, draining the topic`);
        const peer = await kafkajsPeer(brokers, topic, size, r);
        peerMs.push(peer.ms);
        complete &&= peer.seen === size;
        for (const [i, backlog] of Backlogs.entries()) {
          const store = freshStore(context, `drain-${label}-${i}`);
          const drained = await drain(log, topic, `bench-${runId}-${label}-${i}-${r}`, createStreamHandler({ store }), size, backlog);
          oursMs[i]!.push(drained.ms);
          complete &&= drained.delivered === size;
        }
      }
      for (const [i, backlog] of Backlogs.entries()) {
        const times = oursMs[i]!;
        rows.push({
          measure: `${label}: emulator + stream function, backlog, ${backlog.label}; peer: bare kafkajs consumer`,
          records: size,
          ms: median(times),
          rate: size / (median(times) / 1000),
          peer: size / (median(peerMs) / 1000),
          ratio: ratio(median(peerMs), median(times)),
          spread: `${withSpread(times, formatRate(size))} vs peer ${withSpread(peerMs, formatRate(size))}`,
        });
        if (i === 0) {
          // the largest size decides the target: small backlogs are mostly start-up
          measured.stackRatio = median(peerMs) / median(times);
          measured.stackAgrees &&= complete;
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

  const handlerRatio = measured.handler / measured.ceiling;
  const targets: Target[] = [
    {
      name: `stream function alone (10,000-record MSKEvent, no writes) at least ${CEILING_RATIO}x the rate of base64 decode + JSON.parse of the same event`,
      measured: `${Math.round(measured.handler).toLocaleString('en')} vs ${Math.round(measured.ceiling).toLocaleString('en')} records/s: ${handlerRatio.toFixed(2)}x; same counts: ${measured.handlerAgrees}`,
      met: handlerRatio >= CEILING_RATIO && measured.handlerAgrees === 'yes',
    },
    {
      name: `end to end, backlog at the stack's batch size (${STACK_BATCH}, no batching window), at least ${PEER_RATIO}x the bare kafkajs consumer's rate`,
      measured: Number.isNaN(measured.stackRatio) ? 'not run (no size <= 200k)' : `${measured.stackRatio.toFixed(2)}x${measured.stackAgrees ? '' : ' (a side did not see every record)'}`,
      met: Number.isNaN(measured.stackRatio) ? undefined : measured.stackRatio >= PEER_RATIO && measured.stackAgrees,
    },
    {
      name: 'end to end >= 20,000 records/s sustained',
      measured: Number.isNaN(measured.e2e) ? 'not run (no size <= 200k)' : `${Math.round(measured.e2e).toLocaleString('en')} records/s`,
      met: Number.isNaN(measured.e2e) ? undefined : measured.e2e >= 20_000,
    },
    { name: `end-to-end p99 < 1 s at ${LATENCY_RATE.toLocaleString('en')} records/s`, measured: `${Math.round(measured.p99)} ms`, met: measured.p99 < 1_000 },
  ];
  const notes = [
    'Rates of the emulator and the peer run from the first record received to the last one processed (the consumer-group join of kafkajs and the emulator start are not counted); the peer and ours drain the same backlog in turn, --repeats times (3 by default), and the rates are of the median drain times; the topics have 3 partitions, 1% of the readings are malformed (dead-lettered). A backlog fills every batch, so the batching window only holds back the last batch of each partition (a fixed wait, not throughput): the backlog rows run without one, but for the last, which shows that wait with Lambda\'s default window.',
    'End to end: the producer sends while the emulator consumes; latency is from the Kafka record timestamp (set by the producer) to the moment the function has written the batch partial (folder store).',
    `Sizes above ${MAX_RECORDS.toLocaleString('en')} are skipped in this part. The machine is shared: the broker, producer and consumer run on the same cores.`,
  ];
  return { columns, rows, targets, notes };
}

/**
 * The stream function on a 10,000-record MSKEvent: compute only (against the ceiling, base64 and
 * JSON.parse of every value, the two timed alternately), and with its writes to a folder.
 */
async function handlerAlone(context: BenchContext): Promise<{ rows: Row[]; rate: number; ceiling: number; agreement: string }> {
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
  // many short runs, alternated, after a warm-up long enough for the optimising compiler: the
  // machine is shared, and a median of few runs moved by 0.2 in the ratio from one run to the next
  const runs = Math.max(31, context.repeats(10_000) * 6);
  const ours = createStreamHandler({ store: nullStore });
  const ceiling = async (): Promise<number> => decodeAndParse(event);
  context.log('stream function alone on a 10,000-record MSKEvent, and the decode-and-parse ceiling, alternately');
  for (let i = 0; i < 10; i++) {
    await ours(event);
    await ceiling();
  }
  const oursTimes: number[] = [];
  const ceilingTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    await ours(event);
    oursTimes.push(performance.now() - started);
    started = performance.now();
    await ceiling();
    ceilingTimes.push(performance.now() - started);
  }
  const compute = median(oursTimes);
  const bare = median(ceilingTimes);
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
      { measure: 'stream function alone, 10,000-record MSKEvent, no writes; peer: base64 + JSON.parse of every value', records: 10_000, ms: compute, rate: 10_000 / (compute / 1000), peer: 10_000 / (bare / 1000), ratio: bare / compute, p50: null, p99: null, spread: withSpread(oursTimes, (ms) => `${ms.toFixed(1)} ms`) },
      { measure: 'stream function alone, 10,000-record MSKEvent, writing to a folder', records: 10_000, ms: written, rate: 10_000 / (written / 1000) },
    ],
    rate: 10_000 / (compute / 1000),
    ceiling: 10_000 / (bare / 1000),
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

/** Drains `count` records of `topic` with the emulator; ms from the first invocation to the last success. */
async function drain(
  log: KafkaLog,
  topic: string,
  group: string,
  handler: KafkaHandler,
  count: number,
  { batchSize, windowMs }: { batchSize: number; windowMs: number },
): Promise<{ ms: number; delivered: number }> {
  let first = Number.NaN;
  let last = Number.NaN;
  let delivered = 0;
  const source = createEventSource({
    log,
    topic,
    group,
    handler,
    batchSize,
    maxBatchingWindowMs: windowMs,
    onEvent: (e) => {
      if (e.type === 'invoke' && Number.isNaN(first)) first = performance.now();
      if (e.type === 'success') {
        delivered += e.records;
        last = performance.now();
      }
    },
  });
  await source.start();
  while (delivered < count) await sleep(5);
  await source.stop();
  return { ms: last - first, delivered };
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

