/** The work of `pipeline preprocess`, loaded only when the command runs (it pulls in the CSV reader and Parquet). */
import { basename, join } from 'node:path';
import { FolderStore } from '../../adapters/folder-store.js';
import { S3Store, s3ClientFor } from '../../adapters/s3-store.js';
import { cleanInput, OUTPUT_FILES, writeCleaned, type OutputLocation, type PreprocessReport } from '../../preprocess/index.js';
import { parseLocation, readLocation } from '../../stores.js';
import type { CliContext } from '../main.js';
import { progress } from '../progress.js';
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
  const started = performance.now();
  const { out, where } = outputLocation(input, options.out, context);
  let bytes: Uint8Array | undefined = (await readLocation(input, context.config())).bytes;
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
  context.stdout.write(summary(input, report, seconds, where));
}

function outputLocation(input: string, out: string | undefined, context: CliContext): { out: OutputLocation; where: string } {
  const target = out ?? join(context.config().dataDir, 'processed', stemOf(input));
  const location = parseLocation(target);
  if (location.kind === 's3') {
    const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
    return { out: { store: new S3Store(s3ClientFor(context.config()), location.bucket), prefix }, where: `s3://${location.bucket}/${prefix}` };
  }
  return { out: { store: new FolderStore(location.path), prefix: '' }, where: location.path.endsWith('/') ? location.path : `${location.path}/` };
}

const stemOf = (input: string): string => basename(input).replace(/\.[^.]*$/, '') || 'input';

const count = (n: number): string => n.toLocaleString('en');

function summary(input: string, report: PreprocessReport, seconds: number, where: string): string {
  const reasons = Object.entries(report.quarantinedByReason).map(([reason, n]) => `${reason} ${count(n)}`);
  const imputed = Object.entries(report.imputed).map(([column, n]) => `${column} ${count(n)}`);
  return [
    `preprocessed ${input} (${report.schema} schema) in ${seconds.toFixed(2)} s`,
    `  rows in ${count(report.rowsIn)}, out ${count(report.rowsOut)}: ${count(report.duplicatesRemoved)} duplicates removed, ${count(report.quarantined)} quarantined${reasons.length ? ` (${reasons.join(', ')})` : ''}`,
    `  imputed ${imputed.length ? imputed.join(', ') : 'nothing'}; dropped ${report.droppedColumns.length ? report.droppedColumns.join(', ') : 'no columns'}`,
    `  wrote ${where} (${OUTPUT_FILES.join(', ')})`,
    '',
  ].join('\n');
}
