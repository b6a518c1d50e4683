import { InputError, NotFoundError } from '../errors.js';
import type { ObjectStore, StoredObject } from '../ports/object-store.js';
import { cleanCsv, type CleanOptions } from './clean.js';
import { cleanedReport, CONTENT_TYPES, OUTPUT_FILES, rejectedOutputs, rejectedReport, renderOutputs, type OutputFile } from './outputs.js';
import type { CleanResult, PreprocessReport } from './report.js';

/** Where a run's files go: a store and a key prefix (`''` or ending in `/`). */
export interface OutputLocation {
  readonly store: ObjectStore;
  readonly prefix: string;
  /** Called after each file is written. */
  readonly onWrite?: (file: OutputFile, bytes: number) => void;
}

/** An input cleaned and reported, ready to be written; the input bytes are no longer referenced. */
export interface CleanedInput {
  readonly result: CleanResult;
  readonly report: PreprocessReport;
}

/**
 * Cleans CSV bytes and builds the report (synchronous: no I/O). Throws {@link InputError} for an
 * input that is not CSV text. Callers that hold a large input should drop their reference to it
 * after this call, before {@link writeCleaned}: the parsed input is the larger part of the memory.
 *
 * @example
 * const cleaned = cleanInput(bytes, { source: 'marketing.csv' });
 */
export function cleanInput(bytes: Uint8Array, options: CleanOptions): CleanedInput {
  const { data, result } = cleanCsv(bytes, options);
  return { result, report: cleanedReport(data, result, options.source, bytes.length) };
}

/**
 * Writes the outputs of a cleaned input under `out`, `report.json` last. A stale `report.json` at
 * the same place is removed first, and a run that fails midway removes what it wrote: an output
 * that cannot be made is an {@link OutputError} naming it, a storage failure is thrown as it is.
 *
 * @example
 * await writeCleaned(cleanInput(bytes, { source }), { store: new FolderStore('out'), prefix: '' });
 */
export async function writeCleaned(cleaned: CleanedInput, out: OutputLocation): Promise<PreprocessReport> {
  await writeFiles(out, cleaned.report.source, renderOutputs(cleaned.result, cleaned.report));
  return cleaned.report;
}

/**
 * {@link cleanInput} then {@link writeCleaned}. An input that cannot be read at all rejects with
 * its {@link InputError} before anything is written.
 *
 * @example
 * const report = await preprocessBytes(bytes, { source: 'marketing.csv' }, { store: new FolderStore('out'), prefix: '' });
 */
export function preprocessBytes(bytes: Uint8Array, options: CleanOptions, out: OutputLocation): Promise<PreprocessReport> {
  // not an async function: its frame, and so the bytes, is gone before the writing starts
  let cleaned: CleanedInput;
  try {
    cleaned = cleanInput(bytes, options);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return writeCleaned(cleaned, out);
}

/**
 * The outputs of an input could not be made: rendering one of them failed (a defect, or an input
 * the writers cannot take). Nothing of the run is left behind; the reason names the file.
 * Not retriable: the same input fails the same way.
 *
 * @example
 * if (error instanceof OutputError) console.error(error.reason); // 'features.parquet could not be made: RangeError: ...'
 */
export class OutputError extends InputError {}

/**
 * Writes the files, starting their writes in order, each made while the ones before it are
 * written, and `report.json` only once every other file is (a stale one is removed first). When a file
 * cannot be made, or written, every output at the location is removed, so a failed run leaves
 * no partial outputs (nor an earlier run's it had begun to replace): a file that cannot be made is an {@link OutputError}; a storage failure is
 * thrown as it is (transient ones are worth another run).
 */
async function writeFiles(out: OutputLocation, source: string, files: AsyncIterable<[OutputFile, Uint8Array]> | Iterable<[OutputFile, Uint8Array]>): Promise<void> {
  await out.store.delete(`${out.prefix}report.json`);
  const iterator = Symbol.asyncIterator in files ? files[Symbol.asyncIterator]() : files[Symbol.iterator]();
  // each file is made while the ones before it are being written (at 1M rows the CSV's write,
  // most of a second, left the process idle); `report.json`, which says the run is complete, is
  // written only once every other file is
  const writing: Array<Promise<unknown>> = [];
  const settle = async (): Promise<void> => {
    const results = await Promise.allSettled(writing.splice(0));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await removeOutputs(out).catch(() => undefined);
      throw failed.reason;
    }
  };
  for (const written: string[] = []; ; ) {
    let next: IteratorResult<[OutputFile, Uint8Array]>;
    try {
      next = await iterator.next();
    } catch (error) {
      await settle().catch(() => undefined);
      await removeOutputs(out);
      const file = OUTPUT_FILES.find((f) => !written.includes(`${out.prefix}${f}`)) ?? 'an output';
      const reason = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
      throw new OutputError(source, `${file} could not be made: ${reason}`, { cause: error });
    }
    if (next.done || next.value[0] === 'report.json') await settle();
    if (next.done) return;
    const [name, body] = next.value;
    written.push(`${out.prefix}${name}`);
    const write = out.store.put(`${out.prefix}${name}`, body, { contentType: CONTENT_TYPES[name] }).then(() => out.onWrite?.(name, body.length));
    // a failed write is handled by the next settle; marked handled meanwhile
    write.catch(() => undefined);
    writing.push(write);
  }
}

/** Removes every output of the location: this run's, and an earlier run's the failed one was replacing. */
async function removeOutputs(out: OutputLocation): Promise<void> {
  for (const file of OUTPUT_FILES) await out.store.delete(`${out.prefix}${file}`);
}

/** The area prefix of raw inputs; the handler ignores keys outside it. */
export const RAW_PREFIX = 'raw/';
export const PROCESSED_PREFIX = 'processed/';

/**
 * The output prefix of a raw object's version: `processed/<stem>/<version>/`, where the stem is
 * the key under `raw/` without its extension and the version is the S3 version id, else the
 * ETag without quotes. The same object version always maps to the same prefix.
 *
 * @example
 * processedPrefix('raw/2024/marketing campaign.csv', '"9b2cf535f27731c974343645a3985328"');
 * // 'processed/2024/marketing campaign/9b2cf535f27731c974343645a3985328/'
 */
export function processedPrefix(key: string, version: string): string {
  return `${datasetPrefix(key)}${version.replaceAll('"', '')}/`;
}

/**
 * `processed/<stem>/`: where every version of a raw object is processed, and its `latest.json`.
 *
 * @example
 * datasetPrefix('raw/marketing_campaign.csv'); // 'processed/marketing_campaign/'
 */
export function datasetPrefix(key: string): string {
  const rest = key.startsWith(RAW_PREFIX) ? key.slice(RAW_PREFIX.length) : key;
  const slash = rest.lastIndexOf('/');
  const dot = rest.lastIndexOf('.');
  const stem = dot > slash + 1 ? rest.slice(0, dot) : rest;
  return `${PROCESSED_PREFIX}${stem}/`;
}

/** `processed/<stem>/latest.json`: names the newest cleaned version of a raw object, for consumers such as analytics. */
export interface LatestPointer {
  readonly source: string;
  readonly version: string;
  readonly prefix: string;
  readonly report: string;
  readonly cleanedCsv: string;
  readonly cleanedParquet: string;
  readonly featuresParquet: string;
  readonly rowsOut: number;
}

/** What {@link preprocessObject} did with one raw object. */
export interface ObjectOutcome {
  /** `cleaned`: outputs written (or already there); `rejected`: unreadable, reported; `missing`: the object is gone. */
  readonly status: 'cleaned' | 'rejected' | 'missing';
  readonly key: string;
  readonly prefix: string;
  readonly report?: PreprocessReport;
  /** The run found a complete earlier run of this version and wrote nothing but the pointer. */
  readonly reused?: boolean;
}

/**
 * Processes one raw object into the processed store, idempotently: outputs go to
 * {@link processedPrefix} of the version actually read, and an existing `report.json` there means
 * the work is done (a duplicate notification). An unreadable file gets `rejects.csv` and a
 * `report.json` with status `rejected`, and returns normally (retrying cannot help). After a
 * cleaned run, `latest.json` is pointed at it if the raw object is still that version. Any other
 * error (network, throttling) is thrown, for the caller to retry.
 *
 * @example
 * await preprocessObject(openStore(config, 'raw'), 'raw/marketing_campaign.csv', openStore(config, 'processed'));
 */
export async function preprocessObject(raw: ObjectStore, key: string, processed: ObjectStore, options: Pick<CleanOptions, 'schema' | 'onProgress'> = {}): Promise<ObjectOutcome> {
  let object: StoredObject | undefined;
  try {
    object = await raw.get(key);
  } catch (error) {
    if (error instanceof NotFoundError) return { status: 'missing', key, prefix: '' };
    throw error;
  }
  const { etag, size } = object;
  const prefix = processedPrefix(key, object.versionId ?? etag);
  const out = { store: processed, prefix };
  const earlier = await readReport(processed, `${prefix}report.json`);
  if (earlier !== undefined) {
    if (earlier.status === 'cleaned') await pointLatest(raw, processed, key, etag, prefix, earlier);
    return { status: earlier.status, key, prefix, report: earlier, reused: true };
  }
  const reject = async (error: InputError): Promise<ObjectOutcome> => {
    const rejected = rejectedReport(key, size, error);
    await writeFiles(out, key, rejectedOutputs(rejected, error));
    return { status: 'rejected', key, prefix, report: rejected };
  };
  let cleaned: CleanedInput;
  try {
    cleaned = cleanInput(object.body, { ...options, source: key });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return reject(error);
  }
  // the body is the larger part of the memory and is not needed for writing
  object = undefined;
  let report: PreprocessReport;
  try {
    report = await writeCleaned(cleaned, out);
  } catch (error) {
    // an output that cannot be made fails again on every retry: it is reported, with no partial outputs
    if (!(error instanceof OutputError)) throw error;
    return reject(error);
  }
  await pointLatest(raw, processed, key, etag, prefix, report);
  return { status: 'cleaned', key, prefix, report };
}

async function readReport(store: ObjectStore, key: string): Promise<PreprocessReport | undefined> {
  try {
    return JSON.parse(new TextDecoder().decode((await store.get(key)).body)) as PreprocessReport;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Writes `latest.json` for a cleaned version, unless the raw object has changed since it was read
 * (then a newer notification will point it at the newer version; a late one must not point back).
 */
async function pointLatest(raw: ObjectStore, processed: ObjectStore, key: string, etag: string, prefix: string, report: PreprocessReport): Promise<void> {
  const current = await raw.head(key);
  if (current === undefined || current.etag !== etag) return;
  const version = prefix.slice(datasetPrefix(key).length, -1);
  const pointer: LatestPointer = {
    source: key,
    version,
    prefix,
    report: `${prefix}report.json`,
    cleanedCsv: `${prefix}cleaned.csv`,
    cleanedParquet: `${prefix}cleaned.parquet`,
    featuresParquet: `${prefix}features.parquet`,
    rowsOut: report.rowsOut,
  };
  await processed.put(`${datasetPrefix(key)}latest.json`, `${JSON.stringify(pointer, null, 2)}\n`, { contentType: 'application/json' });
}
