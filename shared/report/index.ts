/**
 * The run report: one offline HTML page over whatever the configured store holds (the four
 * tasks' outputs), written by `pipeline run` and `pipeline report`, and served live by
 * `pipeline dashboard`.
 */
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { locate, openStore } from '../stores.js';
import { collectReport, emptyStoreError, isEmpty, type ReportSource, type ReportStores } from './collect.js';
import { renderRunReport } from './render.js';
import { RUN_RECORD_KEY, RUN_REPORT_KEY, type RunRecord } from './run-record.js';

export { RUN_RECORD_KEY, RUN_REPORT_KEY, runRecord, type RunRecord } from './run-record.js';

/**
 * The configured store, for people: `folder data/` or `S3 http://localhost:4566`.
 *
 * @example
 * describeStore(loadConfig({})); // 'folder data/'
 */
export function describeStore(config: PipelineConfig): string {
  return config.store === 'folder' ? `folder ${config.dataDir}/` : `S3 ${config.s3.endpoint ?? 'AWS'} (bucket ${config.buckets.results})`;
}

/**
 * What the report reads, from a configuration; `wrap` lets the dashboard put its read cache in front of each store.
 *
 * @example
 * const source = reportSource(loadConfig(process.env));
 */
export function reportSource(config: PipelineConfig, wrap: (store: ObjectStore) => ObjectStore = (store) => store): ReportSource {
  const stores: ReportStores = {
    raw: wrap(openStore(config, 'raw')),
    processed: wrap(openStore(config, 'processed')),
    models: wrap(openStore(config, 'models')),
    results: wrap(openStore(config, 'results')),
  };
  return { stores, modelName: config.modelName, locate };
}

/**
 * Reads the store and writes the run report page to `results/run/report.html` (and the run's
 * record beside it first, when given). Returns where the page is, and how long each part took.
 * A store with nothing to show is an error naming what was looked for.
 *
 * @example
 * const { location } = await writeRunReport(config, { record, now: () => new Date() }); // '/data/results/run/report.html'
 */
export async function writeRunReport(
  config: PipelineConfig,
  options: { record?: RunRecord; now: () => Date },
): Promise<{ location: string; bytes: number; collectMs: number; renderMs: number }> {
  const source = reportSource(config);
  const results = source.stores.results;
  if (options.record !== undefined) await results.put(RUN_RECORD_KEY, `${JSON.stringify(options.record, null, 2)}\n`, { contentType: 'application/json' });
  const page = await buildRunReport(config, options.now);
  await results.put(RUN_REPORT_KEY, page.html, { contentType: 'text/html; charset=utf-8' });
  return { location: locate(results, RUN_REPORT_KEY), bytes: Buffer.byteLength(page.html), collectMs: page.collectMs, renderMs: page.renderMs };
}

/**
 * The run report page over the configured store, without writing it.
 *
 * @example
 * const { html } = await buildRunReport(config, () => new Date());
 */
export async function buildRunReport(config: PipelineConfig, now: () => Date): Promise<{ html: string; collectMs: number; renderMs: number }> {
  const started = performance.now();
  const store = describeStore(config);
  const data = await collectReport(reportSource(config), { store, now: now() }).catch((error: unknown) => {
    throw cannotRead(store, error);
  });
  if (isEmpty(data)) throw emptyStoreError(data.store, data.modelName);
  const collected = performance.now();
  const html = await renderRunReport(data);
  return { html, collectMs: collected - started, renderMs: performance.now() - collected };
}

/**
 * A store that could not be read, as one line naming it (an SDK error alone does not say which
 * bucket); the pipeline's own errors already name what they are about.
 *
 * @example
 * throw cannotRead('S3 http://localhost:4566 (bucket pipeline)', error);
 */
export function cannotRead(store: string, error: unknown): Error {
  if (error instanceof PipelineError) return error;
  return new PipelineError(`cannot read ${store}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
