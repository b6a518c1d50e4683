/**
 * The whole pipeline on one machine (`npm start` = `pipeline run`): the four tasks, in order, with
 * the same handlers Lambda runs (found through functions/manifest.ts), driven by the same emulators
 * the tests and the LocalStack bridge use. Storage and the event log are whatever the configuration says: by default the embedded
 * folder store and the in-process log; with `S3_ENDPOINT` and/or `KAFKA_BROKERS`, the real ones.
 *
 * 1. input: every CSV under `data/raw/` (the user's files; anything else is listed as skipped,
 *    with the reason) and a generated marketing file beside them, all under `raw/` of the store
 *    (on S3 they are uploaded unless the same bytes are there);
 * 2. preprocess: an S3 notification per raw object, through the preprocess handler;
 * 3. stream: sensor readings produced to `sensor_data`, consumed by the streaming handler under the
 *    event-source emulator until idle;
 * 4. cdc: change events made from the cleaned customers produced to `customer_updates`, consumed by
 *    the CDC handler until idle;
 * 5. analytics: the analytics handler over the cleaned table (and the CDC model), writing the report.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { Functions } from '../../functions/manifest.js';
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import { logIdentity } from '../event-logs.js';
import { IN_PROCESS_LOG, parseSourceName, sourceName } from '../names.js';
import type { EventLog } from '../ports/event-log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { PreprocessReport } from '../preprocess/report.js';
import { locate, openStore } from '../stores.js';
import { ms } from './durations.js';
import type { RunOptions } from './options.js';

export { RunDefaults, type RunOptions } from './options.js';


/** One raw input of the run. */
export interface RunInput {
  readonly key: string;
  /** Where it came from: a local path, or the generator and its options. */
  readonly source: string;
  readonly bytes: number;
  /** Its bytes were put into the store by this run (else they were there already). */
  readonly written: boolean;
}

/** What preprocessing made of one raw input: the counts of its report.json. */
export interface RunPreprocessed {
  readonly key: string;
  readonly status: 'cleaned' | 'rejected';
  /** A complete earlier run of this version was found: nothing was cleaned again. */
  readonly reused: boolean;
  /** The key prefix of its outputs, and where that is (a path or `s3://...`). */
  readonly prefix: string;
  readonly location?: string;
  readonly schema?: string | null;
  readonly rowsIn?: number;
  readonly rowsOut?: number;
  readonly duplicates?: number;
  readonly quarantined?: number;
  /** Imputed values per column. */
  readonly imputed?: Readonly<Record<string, number>>;
  /** Why a rejected file could not be read. */
  readonly error?: string;
}

/** One analytics invocation, its times apart: what a user waits for, and the report drawn after. */
export interface RunAnalyticsCall {
  readonly state: string;
  /** Fetching and parsing the table (0 when served from memory). */
  readonly loadMs: number;
  readonly analysesMs: number;
  /** The invocation without the report: resolve, HEAD, load, analyses. */
  readonly computeMs: number;
  /** Drawing the charts and writing report.html and results.json. */
  readonly reportMs: number;
}

/** What the run did, step by step, for the summary. */
export interface RunSummary {
  store: string;
  log: string;
  inputs: RunInput[];
  /** Files under data/raw/ that were not taken, with the reason. */
  skipped?: Array<{ path: string; reason: string }>;
  preprocess: RunPreprocessed[];
  dataset?: string;
  /** The sources (shared/names.ts: `<topic>@<log>`) the run's stream and CDC results were written under. */
  sources?: { stream?: string; cdc?: string };
  stream?: { produced: number; delivered: number; invocations: number; windows: number; anomalies: number; deadLetters: number };
  cdc?: {
    produced: number;
    delivered: number;
    invocations: number;
    rows: number;
    /** Of the model's customers: those of the cleaned table's snapshot, and those the generated change events inserted. */
    fromTable?: number;
    fromEvents?: number;
    version: number;
    auc: number;
    accuracy: number;
    deadLetters: number;
  };
  analytics?: { analyses: number; rows: number; cache: string; loadMs: number; cold?: RunAnalyticsCall; warm?: RunAnalyticsCall; report: string };
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
const GENERATED_NAME = 'generated_marketing.csv';
/** What the preprocess function reads as a table, by the name's ending. */
const TABLE_FILE = /\.(csv|tsv)$/i;


/** Every file under `dir` (folders included, flagged), with its path relative to it, `/`-separated, sorted; none when it does not exist. */
async function filesUnder(dir: string): Promise<Array<{ path: string; relative: string; folder: boolean }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, relative: relative(dir, path).split(sep).join('/'), folder: entry.isDirectory() };
    })
    .sort((a, b) => a.relative.localeCompare(b.relative));
}

/**
 * Step 1: the raw inputs. Every CSV or TSV the user put under `data/raw/` (other files are listed
 * as skipped, with the reason) and a generated marketing file, under `raw/` of the store: with the
 * embedded store `data/raw/` is the raw area itself; on S3 each is put unless the same bytes are
 * there.
 *
 * @example
 * await stageInputs(context); // context.summary.inputs: [..., { key: 'raw/generated_marketing.csv', written: true, ... }]
 */
export async function stageInputs(context: RunContext): Promise<void> {
  const { config, options, summary } = context;
  const raw = openStore(config, 'raw');
  const { generateMarketing } = await import('../../data/generators/marketing.js');
  const candidates: Array<{ key: string; source: string; inPlace: boolean; bytes: () => Promise<Uint8Array> }> = [];
  summary.skipped ??= [];
  for (const file of await filesUnder(join(config.dataDir, 'raw'))) {
    if (file.folder || file.relative === GENERATED_NAME) continue;
    const name = basename(file.relative);
    if (name.startsWith('.')) summary.skipped.push({ path: file.path, reason: 'a hidden file' });
    else if (!TABLE_FILE.test(name)) summary.skipped.push({ path: file.path, reason: 'not a .csv or .tsv file' });
    else {
      candidates.push({
        key: `raw/${file.relative}`,
        source: file.path,
        inPlace: config.store === 'folder',
        bytes: async () => new Uint8Array(await readFile(file.path)),
      });
    }
  }
  candidates.push({
    key: `raw/${GENERATED_NAME}`,
    source: `generator (rows ${options.rows}, seed ${options.seed})`,
    inPlace: false,
    bytes: async () => Buffer.concat([...generateMarketing({ rows: options.rows, seed: options.seed })]),
  });
  for (const candidate of candidates) {
    context.report(`staging ${candidate.key}`);
    if (candidate.inPlace) {
      // the file is where the preprocess function reads it
      summary.inputs.push({ key: candidate.key, source: candidate.source, bytes: (await raw.head(candidate.key))?.size ?? 0, written: false });
      continue;
    }
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
 * Step 2: an S3 notification for each raw input, handled by the preprocess function, and the
 * counts of each one's report. A file the function cannot read is reported as rejected, with the
 * reason, and the run goes on. The real file's cleaned table, when it has the marketing columns,
 * is the dataset the later steps use, else the generated one.
 *
 * @example
 * await preprocessInputs(context); // context.summary.dataset === 'generated_marketing'
 */
export async function preprocessInputs(context: RunContext): Promise<void> {
  const { config, summary } = context;
  const raw = openStore(config, 'raw');
  const processed = openStore(config, 'processed');
  const [preprocess, { s3CreatedEvent }] = await Promise.all([Functions.preprocess.load(), import('../emulator/s3-notification.js')]);
  const handle = preprocess.handlerFor(config);
  for (const input of summary.inputs) {
    context.report(`cleaning ${input.key}`);
    const object = await raw.head(input.key);
    if (object === undefined) throw new PipelineError(`${locate(raw, input.key)} vanished before it could be preprocessed`);
    const [result] = await handle(s3CreatedEvent(config.buckets.raw, object, config.s3.region));
    if (result === undefined) throw new PipelineError(`the preprocess handler skipped ${input.key}`);
    if (result.status === 'missing') throw new PipelineError(`${locate(raw, input.key)} vanished while it was preprocessed`);
    const report = JSON.parse(new TextDecoder().decode((await processed.get(`${result.prefix}report.json`)).body)) as PreprocessReport;
    summary.preprocess.push({
      key: input.key,
      status: result.status,
      reused: result.reused === true,
      prefix: result.prefix,
      location: locate(processed, result.prefix),
      schema: report.schema,
      rowsIn: report.rowsIn,
      rowsOut: report.rowsOut,
      duplicates: report.duplicatesRemoved,
      quarantined: report.quarantined,
      imputed: report.imputed,
      ...(report.error === undefined ? {} : { error: report.error }),
    });
  }
  const cleaned = summary.preprocess.filter((p) => p.status === 'cleaned');
  const chosen = cleaned.find((p) => p.key === `raw/${REAL_FILE}` && p.schema === 'marketing') ?? cleaned.find((p) => p.key === `raw/${GENERATED_NAME}`);
  if (chosen === undefined) throw new PipelineError(`the generated file raw/${GENERATED_NAME} could not be cleaned`);
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
  // which customers the events leave, and where each came from: the table's snapshot or an insert
  const fromTable = new Set(customers.map((c) => String(c.ID)));
  const live = new Set<string>();
  const { sent } = await produceMessages(log, topic, (function* () {
    for (const m of cdcMessages({ customers, count: options.changes, seed: options.seed, duplicateRatio: 0.02, badRatio: options.badRatio / 2 })) {
      if (m.key !== null && (m.kind === 'r' || m.kind === 'c' || m.kind === 'u')) live.add(m.key);
      else if (m.key !== null && m.kind === 'd') live.delete(m.key);
      yield { key: m.key, value: m.value };
    }
  })());
  const liveFromTable = [...live].filter((id) => fromTable.has(id)).length;
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
    // the model's table is what these events leave unless an earlier run on the same topic left more
    ...(live.size === published.rows ? { fromTable: liveFromTable, fromEvents: live.size - liveFromTable } : {}),
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
  const [{ handlerFor }, { reportKeys }] = await Promise.all([Functions.analytics.load(), import('../analytics/service.js')]);
  const handle = handlerFor(config);
  context.report('analysing (cold)');
  const cold = await handle({ dataset: summary.dataset });
  context.report('analysing (warm)');
  const warm = await handle({ dataset: summary.dataset });
  if ((warm.report ?? cold.report) === undefined) throw new PipelineError('the analytics function wrote no report');
  const report = locate(openStore(config, 'results'), reportKeys(warm.dataset).html);
  const call = (result: typeof cold): RunAnalyticsCall => ({
    state: result.cache.state,
    loadMs: result.timings.loadMs,
    analysesMs: result.timings.analysesMs,
    computeMs: result.timings.totalMs - result.timings.reportMs,
    reportMs: result.timings.reportMs,
  });
  const [first, second] = [call(cold), call(warm)];
  summary.analytics = {
    analyses: Object.keys(warm.analyses).length,
    rows: warm.source.rows,
    cache: `${first.state} ${ms(first.computeMs)}, then ${second.state} ${ms(second.computeMs)}; the report drawn apart in ${ms(first.reportMs)} and ${ms(second.reportMs)}`,
    loadMs: cold.cache.loadMs,
    cold: first,
    warm: second,
    report,
  };
}
