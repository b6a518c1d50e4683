/**
 * Reads what the run report shows from the store, section by section, and turns it into the
 * views (summaries and samples: a section's size does not grow with the data). Reads only.
 */
import { Functions } from '../../functions/manifest.js';
import { mapLimit } from '../concurrency.js';
import { NotFoundError, PipelineError } from '../errors.js';
import type { ModelDocument } from '../cdc/model.js';
import type { LatestPointer } from '../preprocess/run.js';
import type { PreprocessReport } from '../preprocess/report.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Area } from '../stores.js';
import { readStreamStats, streamSources } from '../stream/read.js';
import { modelSources } from '../cdc/keys.js';
import { describeSource, sourceName, type Source } from '../names.js';
import { analyticsView, type AnalyticsView } from './analytics-view.js';
import { cdcView, type CdcView } from './cdc-view.js';
import { preprocessView, rejectExamples, type PreprocessView } from './preprocess-view.js';
import { RUN_RECORD_KEY, type RunRecord } from './run-record.js';
import { Sections, type SectionName } from './sections.js';
import { streamView, type DeadLetterExample, type StreamView } from './stream-view.js';

/** The store of each area (the same store for all four when they share a bucket or a folder). */
export type ReportStores = Readonly<Record<Area, ObjectStore>>;

/** Where the report reads from and what it calls things. */
export interface ReportSource {
  readonly stores: ReportStores;
  readonly modelName: string;
  /** A key's location for people: a folder path or an s3:// URL. */
  locate(store: ObjectStore, key: string): string;
}

/** Everything the report shows. */
export interface ReportData {
  /** The store, for people (`folder /data/` or `S3 http://...`). */
  readonly store: string;
  readonly modelName: string;
  /** ISO time the data was read. */
  readonly readAt: string;
  readonly run?: RunRecord;
  readonly preprocess: readonly PreprocessView[];
  readonly stream?: StreamView;
  readonly cdc?: CdcView;
  readonly analytics: readonly AnalyticsView[];
  /** Objects that were there but could not be read (not JSON...), each with the reason. */
  readonly problems: readonly string[];
}

/** The part of {@link ReportData} one section reads. */
export type SectionData = Partial<Pick<ReportData, 'run' | 'preprocess' | 'stream' | 'cdc' | 'analytics' | 'problems'>>;

export const ReportLimits = {
  /** Datasets shown in the preprocessing and analytics sections. */
  datasets: 6,
  /** CDC dead letters read for their reasons (all are counted). */
  cdcDeadLetters: 500,
  /** Reads in flight. */
  concurrency: 16,
} as const;

const decoder = new TextDecoder();

/** An object's JSON, or undefined when it is gone (it was replaced between listing and reading) or unreadable (noted). */
async function readJson<T>(store: ObjectStore, key: string, problems: string[]): Promise<T | undefined> {
  let text: string;
  try {
    text = decoder.decode((await store.get(key)).body);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    problems.push(`${key}: not JSON (${(error as Error).message})`);
    return undefined;
  }
}

const datasetOf = (pointerKey: string, area: string) => pointerKey.slice(area.length, pointerKey.lastIndexOf('/'));

/** The datasets to show: the run's own first, then the others in key order, at most {@link ReportLimits.datasets}. */
function pickDatasets<T extends { dataset: string }>(items: readonly T[], first: string | undefined): T[] {
  return [...items].sort((a, b) => Number(b.dataset === first) - Number(a.dataset === first) || (a.dataset < b.dataset ? -1 : 1)).slice(0, ReportLimits.datasets);
}

async function collectRun(source: ReportSource, problems: string[]): Promise<SectionData> {
  const run = await readJson<RunRecord>(source.stores.results, RUN_RECORD_KEY, problems);
  return run === undefined ? {} : { run };
}

async function collectPreprocess(source: ReportSource, problems: string[], preferred: string | undefined): Promise<SectionData> {
  const store = source.stores.processed;
  const pointers = (await store.list('processed/')).filter((o) => o.key.endsWith('/latest.json')).map((o) => ({ key: o.key, dataset: datasetOf(o.key, 'processed/') }));
  const views = await mapLimit(pickDatasets(pointers, preferred), ReportLimits.concurrency, async ({ key, dataset }) => {
    const pointer = await readJson<LatestPointer>(store, key, problems);
    if (pointer === undefined) return undefined;
    const report = await readJson<PreprocessReport>(store, pointer.report, problems);
    if (report === undefined) return undefined;
    let rejects: Uint8Array = new Uint8Array();
    try {
      rejects = (await store.get(`${pointer.prefix}rejects.csv`)).body;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return preprocessView(dataset, source.locate(store, pointer.prefix), report, rejectExamples(rejects));
  });
  return { preprocess: views.filter((v): v is PreprocessView => v !== undefined) };
}

/**
 * The source whose results a section shows: the run's own (its record names it), else the one
 * written last. Sources are never merged: two logs' offsets name different records.
 */
function sourceToShow<T extends { source: Source; lastModified: Date | undefined }>(found: readonly T[], preferred: string | undefined): T | undefined {
  const own = found.find((f) => sourceName(f.source) === preferred);
  if (own !== undefined) return own;
  return [...found].sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))[0];
}

async function collectStream(source: ReportSource, problems: string[], preferred: string | undefined): Promise<SectionData> {
  const store = source.stores.results;
  const shown = sourceToShow(await streamSources(store), preferred);
  if (shown === undefined) return {};
  const folder = `${sourceName(shown.source)}/`;
  // one read of the source's partials and dead letters: the statistics and the section's pictures both come from it
  const stats = await readStreamStats(store, shown.source);
  const partials = stats.listed.map(({ range, lastModified }) => ({ records: range.lastOffset - range.firstOffset + 1, at: lastModified }));
  const onFailure = (await store.list(`${Functions.stream.trigger.onFailure.prefix}${folder}`)).length;
  const stream: StreamView = streamView({
    location: `${source.locate(store, 'results/stream/')} (${describeSource(shown.source)})`,
    stats,
    batches: partials,
    deadLetters: stats.deadLetterFiles.flatMap((f) => f.deadLetters),
    onFailure,
  });
  return { stream };
}

async function collectCdc(source: ReportSource, problems: string[], preferred: string | undefined): Promise<SectionData> {
  const store = source.stores.models;
  const shown = sourceToShow(await modelSources(store, source.modelName), preferred);
  if (shown === undefined) return {};
  const base = `models/${source.modelName}/`;
  const folder = sourceName(shown.source);
  const versionKeys = (await store.list(`${base}versions/${folder}/`)).map((o) => o.key).filter((key) => /\/versions\/[^/]+\/\d+\.json$/.test(key));
  if (versionKeys.length === 0) return {};
  const docs = await mapLimit(versionKeys, ReportLimits.concurrency, (key) => readJson<ModelDocument>(store, key, problems));
  const letterKeys = (await store.list(`${base}dead-letter/${folder}/`)).map((o) => o.key).filter((key) => key.endsWith('.json'));
  const letters = await mapLimit(letterKeys.slice(0, ReportLimits.cdcDeadLetters), ReportLimits.concurrency, (key) => readJson<DeadLetterExample>(store, key, problems));
  const cdc = cdcView({
    model: source.modelName,
    location: `${source.locate(store, base)} (${describeSource(shown.source)})`,
    versions: docs.filter((d): d is ModelDocument => d !== undefined && typeof d.version === 'number'),
    deadLetters: letters.filter((d): d is DeadLetterExample => d !== undefined),
    deadLettersListed: letterKeys.length,
  });
  return cdc === undefined ? {} : { cdc };
}

async function collectAnalytics(source: ReportSource, problems: string[], preferred: string | undefined): Promise<SectionData> {
  const store = source.stores.results;
  const found = (await store.list('results/analytics/')).filter((o) => o.key.endsWith('/results.json')).map((o) => ({ key: o.key, dataset: datasetOf(o.key, 'results/analytics/') }));
  const views = await mapLimit(pickDatasets(found, preferred), ReportLimits.concurrency, async ({ key, dataset }) => {
    const results = await readJson<Parameters<typeof analyticsView>[0]>(store, key, problems);
    if (results === undefined) return undefined;
    const reportKey = `results/analytics/${dataset}/report.html`;
    return analyticsView({ ...results, dataset }, reportKey, source.locate(store, reportKey));
  });
  return { analytics: views.filter((v): v is AnalyticsView => v !== undefined) };
}

/**
 * Reads one section's data. `preferred` names the dataset to put first (the run's), or for the
 * stream and CDC sections the source to show (the run's, `<topic>@<log>`).
 *
 * @example
 * const { stream } = await collectSection('stream', source);
 */
export async function collectSection(name: SectionName, source: ReportSource, preferred?: string): Promise<SectionData> {
  const problems: string[] = [];
  let data: SectionData;
  switch (name) {
    case 'summary':
      data = await collectRun(source, problems);
      break;
    case 'preprocess':
      data = await collectPreprocess(source, problems, preferred);
      break;
    case 'stream':
      data = await collectStream(source, problems, preferred);
      break;
    case 'cdc':
      data = await collectCdc(source, problems, preferred);
      break;
    case 'analytics':
      data = await collectAnalytics(source, problems, preferred);
      break;
  }
  return problems.length > 0 ? { ...data, problems } : data;
}

/** Nothing any section could show. */
export class EmptyStoreError extends PipelineError {
  override readonly name = 'EmptyStoreError';
}

/**
 * Whether the data holds nothing to show (no section found its objects).
 *
 * @example
 * if (isEmpty(data)) throw emptyStoreError(data.store, data.modelName);
 */
export function isEmpty(data: Pick<ReportData, 'preprocess' | 'stream' | 'cdc' | 'analytics'>): boolean {
  return data.preprocess.length === 0 && data.stream === undefined && data.cdc === undefined && data.analytics.length === 0;
}

/**
 * The one-line error for a store with nothing to show: what was looked for, and what makes it.
 *
 * @example
 * emptyStoreError('folder data/', 'response').message; // 'nothing to show in folder data/: no processed/<dataset>/latest.json, ... ; npm start (pipeline run) makes them'
 */
export function emptyStoreError(store: string, modelName: string): EmptyStoreError {
  const looked = (['preprocess', 'stream', 'cdc', 'analytics'] as const).map((name) => Sections[name].looksFor(modelName));
  return new EmptyStoreError(`nothing to show in ${store}: found no ${looked.join(', no ')}; 'npm start' (pipeline run) makes them`);
}

/**
 * Reads every section.
 *
 * @example
 * const data = await collectReport(source, { store: 'folder data/', now: new Date() });
 */
export async function collectReport(source: ReportSource, options: { store: string; now: Date }): Promise<ReportData> {
  const run = await collectSection('summary', source);
  const preferred = run.run?.summary.dataset;
  const sources = run.run?.summary.sources;
  const [preprocess, stream, cdc, analytics] = await Promise.all([
    collectSection('preprocess', source, preferred),
    collectSection('stream', source, sources?.stream),
    collectSection('cdc', source, sources?.cdc),
    collectSection('analytics', source, preferred),
  ]);
  return assemble(options.store, source.modelName, options.now, [run, preprocess, stream, cdc, analytics]);
}

/**
 * Report data from sections' data (later sections' problems appended).
 *
 * @example
 * assemble('folder data/', 'response', new Date(), [await collectSection('stream', source)]);
 */
export function assemble(store: string, modelName: string, now: Date, sections: readonly SectionData[]): ReportData {
  const merged: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const section of sections) {
    const { problems: found, ...rest } = section;
    Object.assign(merged, rest);
    problems.push(...(found ?? []));
  }
  return {
    store,
    modelName,
    readAt: now.toISOString(),
    preprocess: [],
    analytics: [],
    ...(merged as SectionData),
    problems,
  };
}
