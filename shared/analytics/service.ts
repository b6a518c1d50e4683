/**
 * The analytics function's work, behind its handler: find the cleaned table, hold it in memory
 * across invocations (TableCache), run the analyses, write `results.json` and `report.html`.
 * Everything arrives as dependencies (stores, cache, clock), so the handler, `pipeline run` and the
 * tests run the same code.
 */
import { z } from 'zod';
import { legacyModelKey, modelSources } from '../cdc/keys.js';
import { InputError, NotFoundError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { CacheState, TableCache } from './cache.js';
import { responseModelFrom, type ResponseModel } from './model.js';
import { ANALYSIS_NAMES } from './registry.js';
import { runAnalyses } from './run.js';
import type { AnalysisOutcome } from './types.js';

/** What an invocation asks for. */
export interface AnalyticsRequest {
  /** Analyses to run (default: all). */
  readonly analyses?: readonly string[];
  /** Load the table again even if its ETag is unchanged. */
  readonly refresh?: boolean;
  /** The dataset (`processed/<dataset>/latest.json`); default ANALYTICS_DATASET, else the newest. */
  readonly dataset?: string;
}

const PROCESSED = 'processed/';
const POINTER = '/latest.json';

const requestSchema = z
  .object({
    analyses: z.array(z.string().refine((name) => ANALYSIS_NAMES.includes(name), { error: (issue) => `unknown analysis '${String(issue.input)}'; known: ${ANALYSIS_NAMES.join(', ')}` })).optional(),
    refresh: z.boolean().optional(),
    dataset: z.string().min(1).optional(),
  })
  .strict();

const s3EventSchema = z.object({ Records: z.array(z.object({ s3: z.object({ object: z.object({ key: z.string() }) }) })).min(1) });

/**
 * Reads the invocation event: `{analyses?, refresh?, dataset?}`, an S3 notification for a new
 * `processed/<dataset>/latest.json` (the dataset is taken from its key), or nothing (run all).
 * Anything else is an {@link InputError} saying what is wrong.
 *
 * @example
 * parseAnalyticsEvent({ analyses: ['rfm'], refresh: true }); // { analyses: ['rfm'], refresh: true }
 */
export function parseAnalyticsEvent(event: unknown): AnalyticsRequest {
  if (event === undefined || event === null) return {};
  const s3 = s3EventSchema.safeParse(event);
  if (s3.success) {
    // S3 keys arrive URL-encoded, '+' for a space, as S3 sends them
    const keys = s3.data.Records.map((record) => decodeURIComponent(record.s3.object.key.replaceAll('+', ' ')));
    const pointer = keys.find((key) => key.startsWith(PROCESSED) && key.endsWith(POINTER));
    return pointer === undefined ? {} : { dataset: pointer.slice(PROCESSED.length, -POINTER.length) };
  }
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError('analytics event', `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}

/** The pointer preprocessing writes (shared/preprocess/run.ts, LatestPointer); the fields used here. */
interface Pointer {
  readonly cleanedParquet: string;
  readonly rowsOut?: number;
}

/** The dataset an invocation analyses: its name, its pointer and the cleaned table's key. */
export interface ResolvedDataset {
  readonly dataset: string;
  readonly pointerKey: string;
  readonly tableKey: string;
}

/**
 * Finds the cleaned table to analyse: `processed/<dataset>/latest.json` when a dataset is named,
 * else the most recently written `latest.json` under `processed/`.
 *
 * @example
 * await resolveDataset(processed, 'marketing_campaign'); // { dataset, pointerKey, tableKey: 'processed/marketing_campaign/<v>/cleaned.parquet' }
 */
export async function resolveDataset(processed: ObjectStore, dataset?: string): Promise<ResolvedDataset> {
  let pointerKey: string;
  if (dataset !== undefined) {
    pointerKey = `${PROCESSED}${dataset}${POINTER}`;
  } else {
    const pointers = (await processed.list(PROCESSED)).filter((info) => info.key.endsWith(POINTER));
    if (pointers.length === 0) throw new NotFoundError(`${processed.name}/${PROCESSED}*${POINTER} (no cleaned dataset yet: run the preprocessing first)`);
    const time = (info: (typeof pointers)[number]) => info.lastModified?.getTime() ?? 0;
    pointerKey = pointers.reduce((newest, info) => (time(info) >= time(newest) ? info : newest)).key;
  }
  let text: string;
  try {
    text = new TextDecoder().decode((await processed.get(pointerKey)).body);
  } catch (error) {
    if (error instanceof NotFoundError && dataset !== undefined) {
      throw new NotFoundError(`${processed.name}/${pointerKey} (no cleaned dataset '${dataset}')`, { cause: error });
    }
    throw error;
  }
  let pointer: Pointer;
  try {
    pointer = JSON.parse(text) as Pointer;
  } catch (error) {
    throw new InputError(`${processed.name}/${pointerKey}`, 'is not JSON', { cause: error });
  }
  if (typeof pointer?.cleanedParquet !== 'string') throw new InputError(`${processed.name}/${pointerKey}`, "has no 'cleanedParquet' key");
  return { dataset: pointerKey.slice(PROCESSED.length, -POINTER.length), pointerKey, tableKey: pointer.cleanedParquet };
}

/** The CDC model, or why there is none. */
export type ModelLookup = { readonly model: ResponseModel; readonly note?: undefined } | { readonly model?: undefined; readonly note: string };

/**
 * Reads the CDC model: the one published last among the model's sources
 * (`models/<name>/current/<topic>@<log>.json`; its location names the source), else one written
 * before sources were recorded (`models/<name>/current.json`). A missing or unusable model is a
 * note, not an error (the analyses that need it are skipped and say why).
 *
 * @example
 * const { model, note } = await loadModel(models, 'response');
 */
export async function loadModel(models: ObjectStore, name: string): Promise<ModelLookup> {
  const latest = (await modelSources(models, name)).sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))[0];
  const key = latest?.key ?? legacyModelKey(name);
  const location = `${models.name}/${key}`;
  try {
    const object = await models.get(key);
    return { model: responseModelFrom(JSON.parse(new TextDecoder().decode(object.body)), location) };
  } catch (error) {
    if (error instanceof NotFoundError) return { note: `no CDC model under ${models.name}/models/${name}/current/ yet` };
    if (error instanceof InputError || error instanceof SyntaxError) return { note: `the CDC model at ${location} cannot be used: ${error.message}` };
    throw error;
  }
}

/** What the analytics function needs. */
export interface AnalyticsDeps {
  readonly processed: ObjectStore;
  readonly models: ObjectStore;
  readonly results: ObjectStore;
  /** The in-memory table; keep one per container (module level in the handler). */
  readonly cache: TableCache;
  /** The CDC model to score with, and the dataset to analyse when the event names none (the newest when undefined). */
  readonly config: { readonly modelName: string; readonly analyticsDataset: string | undefined };
  /** Writes results.json and report.html (default true). */
  readonly writeReport?: boolean;
  readonly clock?: () => number;
  /** Wall-clock time, for the report's date only. */
  readonly now?: () => Date;
  /** A structured log line per invocation. */
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Timings of one invocation, in milliseconds. */
export interface AnalyticsTimings {
  /** Finding the dataset's pointer. */
  readonly resolveMs: number;
  /** The HEAD that decides warm or not. */
  readonly headMs: number;
  /** Fetching and parsing the table in this invocation: 0 when warm. */
  readonly loadMs: number;
  /** All analyses. */
  readonly analysesMs: number;
  /** Each analysis. */
  readonly analyses: Readonly<Record<string, number>>;
  /** Rendering and writing results.json and report.html. */
  readonly reportMs: number;
  readonly totalMs: number;
}

/** What an invocation returns (and writes to results.json). */
export interface AnalyticsResult {
  readonly dataset: string;
  readonly source: { readonly location: string; readonly etag: string; readonly bytes: number; readonly rows: number; readonly pointer: string };
  /** The in-memory reuse: cold (first load), warm (served from memory) or reloaded (the object changed or a refresh). */
  readonly cache: { readonly state: CacheState; readonly reason: string | undefined; readonly uses: number; readonly loadMs: number };
  /** The model's summary, or why there is none. */
  readonly model: string;
  readonly analyses: Readonly<Record<string, AnalysisOutcome>>;
  readonly timings: AnalyticsTimings;
  /** Where results.json and report.html were written (`s3://...` or a path), unless not written. */
  readonly report: { readonly json: string; readonly html: string } | undefined;
}

/**
 * The results area keys of a dataset's report.
 *
 * @example
 * reportKeys('marketing_campaign').html; // 'results/analytics/marketing_campaign/report.html'
 */
export function reportKeys(dataset: string): { json: string; html: string } {
  return { json: `results/analytics/${dataset}/results.json`, html: `results/analytics/${dataset}/report.html` };
}

/**
 * One invocation: resolve the dataset, get the table (from memory when warm), run the analyses,
 * write the report.
 *
 * @example
 * const result = await runAnalytics({}, { processed, models, results, cache, config });
 * result.cache.state; // 'cold', then 'warm' on the next call
 */
export async function runAnalytics(request: AnalyticsRequest, deps: AnalyticsDeps): Promise<AnalyticsResult> {
  const clock = deps.clock ?? (() => performance.now());
  const started = clock();
  const resolved = await resolveDataset(deps.processed, request.dataset ?? deps.config.analyticsDataset);
  const resolveMs = clock() - started;
  const table = await deps.cache.get(deps.processed, resolved.tableKey, { refresh: request.refresh === true });
  const { model, note } = await loadModel(deps.models, deps.config.modelName);
  const run = runAnalyses(table.table, { names: request.analyses, context: { model, modelNote: note }, clock });
  const analysesDone = clock();
  const result = {
    dataset: resolved.dataset,
    source: { location: table.location, etag: table.etag, bytes: table.bytes, rows: table.table.numRows(), pointer: `${deps.processed.name}/${resolved.pointerKey}` },
    cache: { state: table.state, reason: table.reason, uses: table.uses, loadMs: table.loadMs },
    model: model ? `${model.summary} (${model.source})` : note!,
    analyses: run.analyses,
  };
  const timings = (reportMs: number): AnalyticsTimings => ({
    resolveMs,
    headMs: table.headMs,
    loadMs: table.loadedMs,
    analysesMs: run.totalMs,
    analyses: Object.fromEntries(Object.entries(run.analyses).map(([name, outcome]) => [name, outcome.ms])),
    reportMs,
    totalMs: analysesDone - started + reportMs,
  });
  let report: AnalyticsResult['report'];
  let reportMs = 0;
  if (deps.writeReport !== false) {
    const keys = reportKeys(resolved.dataset);
    report = { json: `${deps.results.name}/${keys.json}`, html: `${deps.results.name}/${keys.html}` };
    const reportStarted = clock();
    const { renderReport } = await import('./report.js');
    const html = await renderReport({
      title: `Customer analytics: ${resolved.dataset}`,
      facts: {
        dataset: resolved.dataset,
        table: `${table.location} (${result.source.rows.toLocaleString('en-US')} rows, ETag ${table.etag})`,
        'in memory': `${table.state}${table.reason ? ` (${table.reason})` : ''}; this copy has served ${table.uses} invocation(s)`,
        model: result.model,
        generated: (deps.now?.() ?? new Date()).toISOString(),
      },
      timings: { load: table.loadedMs, 'load (this copy)': table.loadMs, analyses: run.totalMs },
      analyses: run.analyses,
    });
    await deps.results.put(keys.html, html, { contentType: 'text/html; charset=utf-8' });
    reportMs = clock() - reportStarted;
    await deps.results.put(keys.json, `${JSON.stringify({ ...result, timings: timings(reportMs), report }, null, 2)}\n`, { contentType: 'application/json' });
    reportMs = clock() - reportStarted;
  }
  const final: AnalyticsResult = { ...result, timings: timings(reportMs), report };
  deps.log?.('analytics', {
    dataset: final.dataset,
    rows: final.source.rows,
    cache: final.cache.state,
    reason: final.cache.reason,
    uses: final.cache.uses,
    loadMs: round(final.timings.loadMs),
    analysesMs: round(final.timings.analysesMs),
    reportMs: round(final.timings.reportMs),
    analyses: Object.fromEntries(Object.entries(final.timings.analyses).map(([name, ms]) => [name, round(ms)])),
  });
  return final;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
