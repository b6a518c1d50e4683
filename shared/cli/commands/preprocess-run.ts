/**
 * The work of `pipeline preprocess`, loaded only when the command runs (it pulls in the CSV reader
 * and Parquet).
 *
 * Without `--out` the file goes where the preprocess function would find it, under `raw/` of the
 * configured store, and the function's own code cleans it into `processed/<name>/<version>/` and
 * points `processed/<name>/latest.json` at it: `analyze`, `produce cdc` and `report` then find it
 * by name. With `--out DIR` (or `s3://bucket/prefix`) the five files go into that plain folder.
 */
import { createHash } from 'node:crypto';
import { basename, relative, resolve, sep } from 'node:path';
import { FolderStore } from '../../adapters/folder-store.js';
import { S3Store, s3ClientFor } from '../../adapters/s3-store.js';
import type { PipelineConfig } from '../../config.js';
import { InputError, PipelineError } from '../../errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { cleanInput, OUTPUT_FILES, writeCleaned, type OutputLocation, type PreprocessReport } from '../../preprocess/index.js';
import { datasetPrefix, preprocessObject, RAW_PREFIX } from '../../preprocess/run.js';
import { locate, openStore, parseLocation, readLocation } from '../../stores.js';
import type { CliContext } from '../main.js';
import { progress, type Progress } from '../progress.js';
import type { PreprocessOptions } from './preprocess.js';

/** Inputs above this size get a progress bar. */
const BAR_BYTES = 8 * 1024 * 1024;

/**
 * Reads the input, cleans it, writes the outputs, prints the summary.
 *
 * @example
 * await runPreprocess('data/raw/marketing_campaign.csv', {}, context);
 */
export async function runPreprocess(input: string, options: PreprocessOptions, context: CliContext): Promise<void> {
  if (options.out !== undefined) await intoFolder(input, options.out, options, context);
  else await intoStore(input, options, context);
}

/** `--out`: the five files in a plain folder or S3 prefix, nothing else. */
async function intoFolder(input: string, target: string, options: PreprocessOptions, context: CliContext): Promise<void> {
  const started = performance.now();
  const { out, where } = outputLocation(target, context.config());
  let bytes: Uint8Array | undefined = (await readInput(input, context.config())).bytes;
  const size = bytes.length;
  // reading and cleaning take about 40% of the time, each output file about an eighth of the rest
  const bar = size >= BAR_BYTES ? progress('preprocessing', 100, '%', context.stderr) : undefined;
  const cleaned = cleanInput(bytes, { source: input, schema: options.schema, ...(bar ? { onProgress: (read: number) => bar.update((40 * read) / size) } : {}) });
  // the input is the larger part of the memory, and writing does not need it
  bytes = undefined;
  let written = 0;
  const report = await writeCleaned(cleaned, { ...out, onWrite: () => bar?.update(40 + (60 * ++written) / OUTPUT_FILES.length) });
  const seconds = (performance.now() - started) / 1000;
  bar?.done(`in ${seconds.toFixed(1)} s`);
  context.stdout.write(summary(input, report, seconds, `  wrote ${where} (${OUTPUT_FILES.join(', ')})`));
}

/** No `--out`: the input under `raw/` of the configured store, cleaned by the preprocess function's code. */
async function intoStore(input: string, options: PreprocessOptions, context: CliContext): Promise<void> {
  const started = performance.now();
  const config = context.config();
  const raw = openStore(config, 'raw');
  const processed = openStore(config, 'processed');
  const { key, copied, size } = await stageRaw(input, raw, config);
  let bar: Progress | undefined;
  const outcome = await preprocessObject(raw, key, processed, {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(size >= BAR_BYTES ? { onProgress: (read: number) => (bar ??= progress('preprocessing', size, 'B', context.stderr)).update(read) } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  bar?.done(`in ${seconds.toFixed(1)} s`);
  const report = outcome.report;
  const where = locate(processed, outcome.prefix);
  if (outcome.status === 'missing' || report === undefined) throw new InputError(locate(raw, key), 'vanished while it was being cleaned');
  if (outcome.status === 'rejected') {
    const line = await rejectedLine(processed, `${outcome.prefix}rejects.csv`);
    throw new InputError(input, `${report.error ?? 'cannot be read as a table'} (recorded in ${where}report.json)`, line === undefined ? {} : { line });
  }
  if (outcome.reused && options.schema !== undefined && report.schema !== options.schema) {
    throw new PipelineError(
      `${input} was cleaned with the ${report.schema} schema already (${where}); clean it with --schema ${options.schema} into a folder of its own with --out <dir>`,
    );
  }
  const dataset = datasetPrefix(key).slice('processed/'.length, -1);
  const lines = [
    ...(copied ? [`  copied it to ${locate(raw, key)}, where the preprocess function reads its inputs`] : []),
    outcome.reused
      ? `  these bytes were cleaned before: reused ${where}`
      : `  wrote ${where} (${OUTPUT_FILES.join(', ')})`,
    `  ${locate(processed, `${datasetPrefix(key)}latest.json`)} points to it: dataset ${dataset} (pipeline analyze --dataset ${dataset})`,
  ];
  context.stdout.write(summary(input, report, seconds, lines.join('\n')));
}

/** The line a rejected input failed at: the first field of rejects.csv's one row (0: the file as a whole). */
async function rejectedLine(processed: ObjectStore, key: string): Promise<number | undefined> {
  const text = new TextDecoder().decode((await processed.get(key)).body);
  const line = Number(/^line,[^\n]*\n(\d+),/.exec(text)?.[1]);
  return line > 0 ? line : undefined;
}

/**
 * The input as an object under `raw/` of the store: itself when it already is one (a file in
 * `<PIPELINE_DATA_DIR>/raw/`, or `s3://<raw bucket>/raw/...`), else a copy named by its file name.
 * A different file already there under that name is not overwritten.
 */
async function stageRaw(input: string, raw: ObjectStore, config: PipelineConfig): Promise<{ key: string; copied: boolean; size: number }> {
  const inPlace = rawKeyOf(input, config);
  if (inPlace !== undefined) {
    const head = await raw.head(inPlace);
    if (head === undefined) throw missing(input);
    return { key: inPlace, copied: false, size: head.size };
  }
  const { bytes } = await readInput(input, config);
  const location = parseLocation(input);
  const key = `${RAW_PREFIX}${basename(location.kind === 's3' ? location.key : location.path)}`;
  const md5 = `"${createHash('md5').update(bytes).digest('hex')}"`;
  const current = await raw.head(key);
  if (current !== undefined && current.etag !== md5) {
    throw new InputError(input, `${locate(raw, key)} already holds another file of that name; rename the input, or clean it into a folder of its own with --out <dir>`);
  }
  if (current === undefined) await raw.put(key, bytes, { contentType: 'text/csv' });
  return { key, copied: current === undefined, size: bytes.length };
}

/** The input's key when it is already an object of the raw area of the configured store. */
function rawKeyOf(input: string, config: PipelineConfig): string | undefined {
  const location = parseLocation(input);
  if (location.kind === 's3') {
    return config.store === 's3' && location.bucket === config.buckets.raw && location.key.startsWith(RAW_PREFIX) ? location.key : undefined;
  }
  if (config.store !== 'folder') return undefined;
  const inRoot = relative(resolve(config.dataDir), resolve(location.path));
  return inRoot.startsWith(RAW_PREFIX.replace('/', sep)) ? inRoot.split(sep).join('/') : undefined;
}

async function readInput(input: string, config: PipelineConfig): Promise<{ bytes: Uint8Array; name: string }> {
  try {
    return await readLocation(input, config);
  } catch (error) {
    if (error instanceof InputError && error.reason === 'does not exist') throw missing(input, error);
    throw error;
  }
}

const missing = (input: string, cause?: unknown) =>
  new InputError(input, 'does not exist (`pipeline generate marketing --rows 10k --out <file>` writes a marketing file to try)', { cause });

function outputLocation(target: string, config: PipelineConfig): { out: OutputLocation; where: string } {
  const location = parseLocation(target);
  if (location.kind === 's3') {
    const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
    return { out: { store: new S3Store(s3ClientFor(config), location.bucket), prefix }, where: `s3://${location.bucket}/${prefix}` };
  }
  return { out: { store: new FolderStore(location.path), prefix: '' }, where: location.path.endsWith('/') ? location.path : `${location.path}/` };
}

const count = (n: number): string => n.toLocaleString('en');

function summary(input: string, report: PreprocessReport, seconds: number, where: string): string {
  const reasons = Object.entries(report.quarantinedByReason).map(([reason, n]) => `${reason} ${count(n)}`);
  const imputed = Object.entries(report.imputed).map(([column, n]) => `${column} ${count(n)}`);
  return [
    `preprocessed ${input} (${report.schema} schema) in ${seconds.toFixed(2)} s`,
    `  rows in ${count(report.rowsIn)}, out ${count(report.rowsOut)}: ${count(report.duplicatesRemoved)} duplicates removed, ${count(report.quarantined)} quarantined${reasons.length ? ` (${reasons.join(', ')})` : ''}`,
    `  imputed ${imputed.length ? imputed.join(', ') : 'nothing'}; dropped ${report.droppedColumns.length ? report.droppedColumns.join(', ') : 'no columns'}`,
    where,
    '',
  ].join('\n');
}
