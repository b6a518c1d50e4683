/**
 * The body of `pipeline analyze` (loaded only when the command runs: arquero, Parquet and the
 * charts stay out of `pipeline --help`).
 */
import { basename, dirname, extname } from 'node:path';
import { FolderStore } from '../../adapters/folder-store.js';
import { S3Store, s3ClientFor } from '../../adapters/s3-store.js';
import { responseModelFrom } from '../../analytics/model.js';
import { runRepeated, type RepeatedSummary } from '../../analytics/repeat.js';
import { loadModel, reportKeys, type AnalyticsResult, type ModelLookup } from '../../analytics/service.js';
import { readCleanedParquet } from '../../analytics/table.js';
import { selectAnalyses } from '../../analytics/registry.js';
import type { PipelineConfig } from '../../config.js';
import { InputError } from '../../errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { locate, openStore, parseLocation, readLocation } from '../../stores.js';
import { cleanedDataset } from '../datasets.js';
import type { CliContext } from '../main.js';
import type { AnalyzeOptions } from './analyze.js';

/** A name for the report of a file given by path: its folder's name for `.../<name>/cleaned.parquet`. */
function datasetOf(path: string): string {
  const stem = basename(path, extname(path));
  return stem === 'cleaned' ? basename(dirname(path)) || stem : stem;
}

/** Where results.json and report.html go. */
function outputOf(options: AnalyzeOptions, config: PipelineConfig, dataset: string): { store: ObjectStore; keys: { json: string; html: string } } {
  if (options.out === undefined) return { store: openStore(config, 'results'), keys: reportKeys(dataset) };
  const parsed = parseLocation(options.out);
  if (parsed.kind === 's3') {
    const prefix = parsed.key === '' || parsed.key.endsWith('/') ? parsed.key : `${parsed.key}/`;
    return { store: new S3Store(s3ClientFor(config), parsed.bucket), keys: { json: `${prefix}results.json`, html: `${prefix}report.html` } };
  }
  return { store: new FolderStore(parsed.path), keys: { json: 'results.json', html: 'report.html' } };
}

/**
 * Runs `pipeline analyze` with parsed options.
 *
 * @example
 * await analyze({ input: 'data/out/cleaned.parquet', repeat: 5, report: false, json: true }, context);
 */
export async function analyze(options: AnalyzeOptions, context: CliContext): Promise<void> {
  const config = context.config();
  const names = options.analyses;
  selectAnalyses(names); // an unknown name fails before anything is read
  const note = (line: string) => {
    if (!options.json || context.stderr.isTTY) context.stderr.write(`${line}\n`);
  };

  let source = options.input;
  let dataset: string;
  let pointer: string | undefined;
  let fetch: () => Promise<{ bytes: Uint8Array; name: string; etag?: string }>;
  if (options.input === undefined) {
    const resolved = await cleanedDataset(config, options.dataset ?? config.analyticsDataset);
    dataset = resolved.dataset;
    source = resolved.location;
    pointer = locate(resolved.store, `processed/${dataset}/latest.json`);
    fetch = async () => {
      const object = await resolved.store.get(resolved.tableKey);
      return { bytes: object.body, name: source!, etag: object.etag };
    };
  } else {
    dataset = datasetOf(parseLocation(options.input).kind === 's3' ? options.input.replace(/^s3:\/\/[^/]+\/?/, '') : options.input);
    fetch = () => readLocation(options.input!, config);
  }

  let model: ModelLookup;
  if (options.model !== undefined) {
    const { bytes, name } = await readLocation(options.model, config);
    try {
      model = { model: responseModelFrom(JSON.parse(new TextDecoder().decode(bytes)), name) };
    } catch (error) {
      if (error instanceof SyntaxError) throw new InputError(name, `is not JSON: ${error.message}`, { cause: error });
      throw error;
    }
  } else {
    model = await loadModel(openStore(config, 'models'), config.modelName);
  }

  note(`analysing ${source} (${options.repeat} run${options.repeat > 1 ? 's' : ''}: 1 cold, ${options.repeat - 1} warm)`);
  const fetched = { bytes: 0, etag: '' };
  const { table, summary } = await runRepeated(
    async () => {
      const { bytes, name, etag } = await fetch();
      Object.assign(fetched, { bytes: bytes.byteLength, etag: etag ?? '' });
      return readCleanedParquet(bytes, name);
    },
    {
      runs: options.repeat,
      names,
      context: { model: model.model, modelNote: model.note },
      onRun: (run, result) => note(`run ${run} (${run === 1 ? 'cold' : 'warm'}): ${result.totalMs.toFixed(1)} ms`),
    },
  );

  let written: { json: string; html: string } | undefined;
  if (options.report) {
    const out = outputOf(options, config, dataset);
    const { renderReport } = await import('../../analytics/report.js');
    const html = await renderReport({
      title: `Customer analytics: ${dataset}`,
      facts: {
        table: `${source} (${table.numRows().toLocaleString('en-US')} rows)`,
        'in memory': `loaded once in ${summary.timings.loadMs.toFixed(0)} ms, then ${summary.timings.runs} run(s) over it`,
        model: model.model ? `${model.model.summary} (${model.model.source})` : model.note!,
        generated: new Date().toISOString(),
      },
      timings: { load: summary.timings.loadMs, cold: summary.timings.coldMs, ...(summary.timings.warmMs === null ? {} : { 'warm (median)': summary.timings.warmMs }) },
      analyses: summary.analyses,
    });
    written = { json: locate(out.store, out.keys.json), html: locate(out.store, out.keys.html) };
    await out.store.put(out.keys.html, html, { contentType: 'text/html; charset=utf-8' });
    const results = resultsDocument({ dataset, source: source!, pointer, fetched, rows: table.numRows(), model, summary, report: written });
    await out.store.put(out.keys.json, `${JSON.stringify(results, null, 2)}\n`, { contentType: 'application/json' });
    note(`wrote ${written.html} and ${basename(written.json)}`);
  }

  if (options.json) {
    context.stdout.write(`${JSON.stringify({ analyses: summary.analyses, timings: summary.timings } satisfies RepeatedSummary)}\n`);
  } else {
    context.stdout.write(humanSummary(summary, table.numRows(), written));
  }
}

/**
 * results.json as the analytics function writes it (AnalyticsResult), so that the run report and
 * the dashboard read the command's results as they read the function's; `repeat` adds the
 * command's own cold and warm timings.
 */
function resultsDocument(run: {
  dataset: string;
  source: string;
  pointer: string | undefined;
  fetched: { bytes: number; etag: string };
  rows: number;
  model: ModelLookup;
  summary: RepeatedSummary;
  report: { json: string; html: string };
}): AnalyticsResult & { repeat: RepeatedSummary['timings'] } {
  const { loadMs, coldMs, warmMs, runs } = run.summary.timings;
  const analysesMs = warmMs ?? coldMs - loadMs;
  return {
    dataset: run.dataset,
    source: { location: run.source, etag: run.fetched.etag, bytes: run.fetched.bytes, rows: run.rows, pointer: run.pointer ?? run.source },
    cache: { state: 'cold', reason: undefined, uses: runs, loadMs },
    model: run.model.model ? `${run.model.model.summary} (${run.model.model.source})` : run.model.note!,
    analyses: run.summary.analyses,
    timings: {
      resolveMs: 0,
      headMs: 0,
      loadMs,
      analysesMs,
      analyses: Object.fromEntries(Object.entries(run.summary.analyses).map(([name, outcome]) => [name, outcome.ms])),
      reportMs: 0,
      totalMs: loadMs + analysesMs,
    },
    report: run.report,
    repeat: run.summary.timings,
  };
}

function humanSummary(summary: RepeatedSummary, rows: number, written: { json: string; html: string } | undefined): string {
  const { loadMs, coldMs, warmMs, runs } = summary.timings;
  const lines = [`${rows.toLocaleString('en-US')} rows; load ${loadMs.toFixed(0)} ms, cold run ${coldMs.toFixed(0)} ms${warmMs === null ? '' : `, warm run ${warmMs.toFixed(1)} ms (median of ${runs - 1}; ${(coldMs / warmMs).toFixed(0)}x faster)`}`];
  const width = Math.max(...Object.keys(summary.analyses).map((name) => name.length));
  for (const [name, outcome] of Object.entries(summary.analyses)) {
    lines.push(`  ${name.padEnd(width)}  ${outcome.skipped !== undefined ? `skipped: ${outcome.skipped}` : `${String(outcome.rows.length).padStart(4)} rows  ${outcome.ms.toFixed(1).padStart(8)} ms`}`);
  }
  if (written) lines.push(`report: ${written.html}`);
  return `${lines.join('\n')}\n`;
}

