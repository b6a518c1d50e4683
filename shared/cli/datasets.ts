/**
 * The cleaned datasets of the configured store, as the commands that read them find them
 * (`analyze`, `produce cdc`, `model predict`): by name through `processed/<name>/latest.json`, or
 * the newest. When there is none, the error says what was looked for, what the store has, and the
 * command that makes one.
 */
import type { PipelineConfig } from '../config.js';
import { NotFoundError, PipelineError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { locate, openStore, readLocation } from '../stores.js';

/** A cleaned dataset of the store: its name and where its cleaned table lies. */
export interface CleanedDataset {
  readonly dataset: string;
  readonly store: ObjectStore;
  /** The key of cleaned.parquet. */
  readonly tableKey: string;
  /** The same, for messages (a path or `s3://...`). */
  readonly location: string;
}

const POINTER = /^processed\/(.+)\/latest\.json$/;

/**
 * The names of the cleaned datasets in the store (each has `processed/<name>/latest.json`).
 *
 * @example
 * await datasetNames(openStore(config, 'processed')); // ['generated_marketing', 'marketing_campaign']
 */
export async function datasetNames(processed: ObjectStore): Promise<string[]> {
  return (await processed.list('processed/')).flatMap((o) => POINTER.exec(o.key)?.[1] ?? []).sort();
}

/**
 * Finds a cleaned dataset: the one named, else the most recently cleaned. A missing one is a
 * one-line error naming the pointer looked for, the datasets there are, and how to make one.
 *
 * @example
 * const { tableKey, store } = await cleanedDataset(config, 'marketing-10k');
 */
export async function cleanedDataset(config: PipelineConfig, dataset: string | undefined): Promise<CleanedDataset> {
  const processed = openStore(config, 'processed');
  const { resolveDataset } = await import('../analytics/service.js');
  try {
    const resolved = await resolveDataset(processed, dataset);
    return { dataset: resolved.dataset, store: processed, tableKey: resolved.tableKey, location: locate(processed, resolved.tableKey) };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const names = await datasetNames(processed);
    const make = '`pipeline preprocess <file.csv>` or `npm start` makes one';
    if (dataset === undefined) {
      throw new PipelineError(`no cleaned dataset in ${locate(processed, 'processed/')} (looked for processed/<name>/latest.json): ${make}`, { cause: error });
    }
    const there = names.length === 0 ? 'the store has none yet' : `the store has ${names.join(', ')}`;
    throw new PipelineError(
      `no cleaned dataset '${dataset}': ${locate(processed, `processed/${dataset}/latest.json`)} does not exist (${there}); \`pipeline preprocess <dir>/${dataset}.csv\` makes it`,
      { cause: error },
    );
  }
}

/**
 * The bytes of a cleaned table named on the command line: `--from <path or s3://...>`, else the
 * cleaned.parquet of `--dataset <name>` (default: the newest dataset of the store).
 *
 * @example
 * const { bytes, name } = await readCleaned(config, { dataset: 'marketing-10k' });
 */
export async function readCleaned(config: PipelineConfig, options: { readonly from?: string; readonly dataset?: string }): Promise<{ bytes: Uint8Array; name: string }> {
  if (options.from !== undefined) return readLocation(options.from, config);
  const found = await cleanedDataset(config, options.dataset);
  return { bytes: (await found.store.get(found.tableKey)).body, name: found.location };
}
