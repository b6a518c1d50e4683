/**
 * The whole pipeline on one machine (`npm start` = `pipeline run`): the four tasks, in order, with
 * the same handlers Lambda runs (found through functions/manifest.ts), driven by the same emulators
 * the tests and the LocalStack bridge use. Storage and the event log are whatever the configuration says: by default the embedded
 * folder store and the in-process log; with `S3_ENDPOINT` and/or `KAFKA_BROKERS`, the real ones.
 *
 * 1. input: take `data/raw/marketing_campaign.csv` when present and generate a marketing file
 *    beside it; both are dropped under `raw/` (unchanged bytes are not rewritten);
 * 2. preprocess: an S3 notification per raw object, through the preprocess handler;
 * 3. stream: sensor readings produced to `sensor_data`, consumed by the streaming handler under the
 *    event-source emulator until idle;
 * 4. cdc: change events made from the cleaned customers produced to `customer_updates`, consumed by
 *    the CDC handler until idle;
 * 5. analytics: the analytics handler over the cleaned table (and the CDC model), writing the report.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Functions } from '../../functions/manifest.js';
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import { IN_PROCESS_LOG, logIdOf, parseSourceName, sourceName } from '../names.js';
import type { EventLog } from '../ports/event-log.js';
import type { ObjectStore } from '../ports/object-store.js';
import { openStore } from '../stores.js';
import type { RunOptions } from './options.js';

export { RunDefaults, type RunOptions } from './options.js';


/** What the run did, step by step, for the summary. */
export interface RunSummary {
  store: string;
  log: string;
  inputs: Array<{ key: string; source: string; bytes: number; written: boolean }>;
  preprocess: Array<{ key: string; status: string; reused: boolean; rowsIn?: number; rowsOut?: number; prefix: string }>;
  dataset?: string;
  /** The sources (shared/names.ts: `<topic>@<log>`) the run's stream and CDC results were written under. */
  sources?: { stream?: string; cdc?: string };
  stream?: { produced: number; delivered: number; invocations: number; windows: number; anomalies: number; deadLetters: number };
  cdc?: { produced: number; delivered: number; invocations: number; rows: number; version: number; auc: number; accuracy: number; deadLetters: number };
  analytics?: { analyses: number; rows: number; cache: string; loadMs: number; report: string };
  /** Wall time of each step, in ms. */
  timings: Record<string, number>;
}

/** The state shared by the steps of one run. */
export interface RunContext {
  readonly config: PipelineConfig;
  readonly options: RunOptions;
  readonly summary: RunSummary;
  /** Progress text for the display (a line, replaced as the step goes). */
  report(text: string): void;
}

const REAL_FILE = 'marketing_campaign.csv';
const GENERATED_KEY = 'raw/generated_marketing.csv';

/** Where the embedded store keeps an area's key on disk, or the bucket's URL, for messages. */
export function locate(store: ObjectStore, key: string): string {
  return store.name.startsWith('s3://') ? `${store.name}/${key}` : join(store.name, key);
}

/**
 * Step 1: the raw inputs. The real file (when the user dropped it into `data/raw/`) and a
 * generated one, put under `raw/` unless the same bytes are already there.
 *
 * @example
 * await stageInputs(context); // context.summary.inputs: [{ key: 'raw/generated_marketing.csv', written: true, ... }]
 */
export async function stageInputs(context: RunContext): Promise<void> {
  const { config, options, summary } = context;
  const raw = openStore(config, 'raw');
  const { generateMarketing } = await import('../../data/generators/marketing.js');
  const realPath = join(config.dataDir, 'raw', REAL_FILE);
  const candidates: Array<{ key: string; source: string; bytes: () => Promise<Uint8Array> }> = [];
  if (existsSync(realPath)) candidates.push({ key: `raw/${REAL_FILE}`, source: realPath, bytes: async () => new Uint8Array(await readFile(realPath)) });
  candidates.push({
    key: GENERATED_KEY,
    source: `generator (rows ${options.rows}, seed ${options.seed})`,
    bytes: async () => Buffer.concat([...generateMarketing({ rows: options.rows, seed: options.seed })]),
  });
  for (const candidate of candidates) {
    context.report(`staging ${candidate.key}`);
    const bytes = await candidate.bytes();
    const md5 = `"${createHash('md5').update(bytes).digest('hex')}"`;
    const current = await raw.head(candidate.key);
    // the folder store's ETag is the MD5; S3's is too for single-part puts
    const written = current?.etag !== md5;
    if (written) await raw.put(candidate.key, bytes, { contentType: 'text/csv' });
    summary.inputs.push({ key: candidate.key, source: candidate.source, bytes: bytes.byteLength, written });
  }
}

/**
 * Step 2: an S3 notification for each raw input, handled by the preprocess function. The real
 * file's cleaned table, when there is one, is the dataset the later steps use.
 *
 * @example
 * await preprocessInputs(context); // context.summary.dataset === 'generated_marketing'
 */
export async function preprocessInputs(context: RunContext): Promise<void> {
  const { config, summary } = context;
  const raw = openStore(config, 'raw');
  const [preprocess, { s3CreatedEvent }] = await Promise.all([Functions.preprocess.load(), import('../emulator/s3-notification.js')]);
  const handle = preprocess.handlerFor(config);
  for (const input of summary.inputs) {
    context.report(`cleaning ${input.key}`);
    const object = await raw.head(input.key);
    if (object === undefined) throw new PipelineError(`${locate(raw, input.key)} vanished before it could be preprocessed`);
    const [result] = await handle(s3CreatedEvent(config.buckets.raw, object, config.s3.region));
    if (result === undefined) throw new PipelineError(`the preprocess handler skipped ${input.key}`);
    if (result.status !== 'cleaned') throw new PipelineError(`${input.key} could not be preprocessed: ${result.error ?? result.status}`);
    summary.preprocess.push({ key: input.key, status: result.status, reused: result.reused === true, rowsIn: result.rowsIn, rowsOut: result.rowsOut, prefix: result.prefix });
  }
  const chosen = summary.preprocess.find((p) => p.key === `raw/${REAL_FILE}`) ?? summary.preprocess[0]!;
  summary.dataset = chosen.key.slice('raw/'.length).replace(/\.[^.]*$/, '');
}

/**
 * The in-process log lives and dies with one run, so what the stream and CDC functions derived
 * from an earlier run's in-process log (partials named by offsets, CDC state positioned at
 * offsets) describes a log that no longer exists: it is cleared. Results are kept per log
 * (`<topic>@<log>` folders, shared/names.ts), so only those of dead in-process logs go; what any
 * Kafka cluster's records made is never touched.
 */
async function clearEarlierInProcessRuns(store: ObjectStore, prefixes: readonly string[], current: string): Promise<number> {
  let removed = 0;
  for (const prefix of prefixes) {
    for (const object of await store.list(prefix)) {
      const source = parseSourceName(object.key.slice(prefix.length).split('/', 1)[0]!.replace(/\.json$/, ''));
      if (source?.log === undefined || !source.log.startsWith(`${IN_PROCESS_LOG}.`) || source.log === current) continue;
      await store.delete(object.key);
      removed++;
    }
  }
  return removed;
}

async function logIdentity(log: EventLog): Promise<string> {
  return logIdOf({ eventSource: 'aws:kafka', eventSourceArn: await log.identity() });
}

/**
 * Step 3: sensor readings through the streaming function.
 *
 * @example
 * await streamReadings(context, log, true);
 */
export async function streamReadings(context: RunContext, log: EventLog, embeddedLog: boolean): Promise<void> {
  const { config, options, summary } = context;
  const [{ sensorMessages }, { produceMessages }, { serveFunction }, { readStreamStats }, { StreamPrefixes }] = await Promise.all([
    import('../../data/generators/sensors.js'),
    import('../producer.js'),
    import('../emulator/functions.js'),
    import('../stream/read.js'),
    import('../stream/outputs.js'),
  ]);
  const results = openStore(config, 'results');
  const topic = config.kafka.topics.sensor.name;
  const logId = await logIdentity(log);
  if (embeddedLog) await clearEarlierInProcessRuns(results, [StreamPrefixes.partials, StreamPrefixes.deadLetters, Functions.stream.trigger.onFailure.prefix], logId);
  await log.ensureTopic(topic, config.kafka.topics.sensor.partitions);
  context.report(`producing ${options.readings.toLocaleString('en')} readings to ${topic}`);
  // With the in-process log every run starts from nothing, so a fixed event time makes runs alike.
  // On a real Kafka the topic keeps earlier runs' readings: this run's are new ones, stamped now,
  // rather than the same readings sent again (which the statistics would rightly count twice).
  const start = embeddedLog ? Date.UTC(2026, 0, 1) : Date.now();
  const messages = sensorMessages({ sensors: 20, count: options.readings, seed: options.seed, badRatio: options.badRatio, start });
  const { sent } = await produceMessages(log, topic, (function* () {
    for (const m of messages) yield { key: m.key, value: m.value };
  })());
  let delivered = 0;
  const stats = await serveFunction('stream', log, config, {
    untilIdleMs: options.idleMs,
    onEvent: (event) => {
      if (event.type === 'success') context.report(`streaming: ${(delivered += event.records).toLocaleString('en')} of ${sent.toLocaleString('en')} records`);
    },
  });
  const merged = await readStreamStats(results, { topic, log: logId });
  summary.sources = { ...summary.sources, stream: sourceName({ topic, log: logId }) };
  summary.stream = {
    produced: sent,
    delivered: stats.delivered,
    invocations: stats.invocations,
    windows: merged.windows.length,
    anomalies: merged.anomalies.length,
    deadLetters: merged.deadLetters,
  };
}

/**
 * Step 4: change events made from the cleaned customers, through the CDC function.
 *
 * @example
 * await applyChangeEvents(context, log, true);
 */
export async function applyChangeEvents(context: RunContext, log: EventLog, embeddedLog: boolean): Promise<void> {
  const { config, options, summary } = context;
  const processed = openStore(config, 'processed');
  const models = openStore(config, 'models');
  const [{ cdcMessages }, { readCustomers }, { produceMessages }, { serveFunction }, { cdcKeys }] = await Promise.all([
    import('../../data/generators/cdc.js'),
    import('../cdc/customers.js'),
    import('../producer.js'),
    import('../emulator/functions.js'),
    import('../cdc/keys.js'),
  ]);
  const topic = config.kafka.topics.cdc.name;
  const pointer = JSON.parse(new TextDecoder().decode((await processed.get(`processed/${summary.dataset}/latest.json`)).body)) as { cleanedParquet: string };
  const customers = await readCustomers((await processed.get(pointer.cleanedParquet)).body, pointer.cleanedParquet);
  const logId = await logIdentity(log);
  const model = `models/${config.modelName}`;
  if (embeddedLog) await clearEarlierInProcessRuns(models, [`${model}/current/`, `${model}/versions/`, `${model}/state/`, `${model}/dead-letter/`, Functions.cdc.trigger.onFailure.prefix], logId);
  await log.ensureTopic(topic, config.kafka.topics.cdc.partitions);
  context.report(`producing change events for ${customers.length.toLocaleString('en')} customers to ${topic}`);
  const { sent } = await produceMessages(log, topic, (function* () {
    for (const m of cdcMessages({ customers, count: options.changes, seed: options.seed, duplicateRatio: 0.02, badRatio: options.badRatio / 2 })) {
      yield { key: m.key, value: m.value };
    }
  })());
  let delivered = 0;
  const stats = await serveFunction('cdc', log, config, {
    batchSize: 500,
    untilIdleMs: options.idleMs,
    onEvent: (event) => {
      if (event.type === 'success') context.report(`applying changes: ${(delivered += event.records).toLocaleString('en')} of ${sent.toLocaleString('en')} events`);
    },
  });
  const keys = cdcKeys(config.modelName, logId);
  const published = JSON.parse(new TextDecoder().decode((await models.get(keys.current(topic))).body)) as {
    rows: number;
    version: number;
    metrics: { auc: number; accuracy: number };
  };
  const deadLetters = (await models.list(keys.deadLetters(topic))).length;
  summary.sources = { ...summary.sources, cdc: sourceName({ topic, log: logId }) };
  summary.cdc = {
    produced: sent,
    delivered: stats.delivered,
    invocations: stats.invocations,
    rows: published.rows,
    version: published.version,
    auc: published.metrics.auc,
    accuracy: published.metrics.accuracy,
    deadLetters,
  };
}

/**
 * Step 5: the analytics function over the cleaned table, writing results.json and report.html.
 * It is invoked twice, as a warm container would be, so the summary shows the in-memory reuse.
 *
 * @example
 * await analyze(context);
 */
export async function analyze(context: RunContext): Promise<void> {
  const { config, summary } = context;
  const handle = (await Functions.analytics.load()).handlerFor(config);
  context.report('analysing (cold)');
  const cold = await handle({ dataset: summary.dataset });
  context.report('analysing (warm)');
  const warm = await handle({ dataset: summary.dataset });
  const report = warm.report?.html ?? cold.report?.html;
  if (report === undefined) throw new PipelineError('the analytics function wrote no report');
  summary.analytics = {
    analyses: Object.keys(warm.analyses).length,
    rows: warm.source.rows,
    cache: `${cold.cache.state} ${Math.round(cold.timings.totalMs)} ms, then ${warm.cache.state} ${Math.round(warm.timings.totalMs)} ms`,
    loadMs: cold.cache.loadMs,
    report,
  };
}
