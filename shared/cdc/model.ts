/**
 * The model document (`models/<name>/current.json`, JSON, no pickle) and how it is published: the
 * merge of every partition's exact statistics, fitted, with metrics on the current table, written
 * with If-Match so that concurrent publishers of different partitions never lose each other's work.
 */
import { NotFoundError } from '../errors.js';
import { jitterBackoff, lostRace } from './errors.js';
import { ExactStats } from './exact-stats.js';
import { evaluate, fitFromStats, type Fit, type FitOptions, type Metrics } from './fit.js';
import type { Row } from './layout.js';
import type { CdcStateStore, PartitionState } from './state-store.js';

/** The model as stored and printed. */
export interface ModelDocument extends Fit {
  readonly format: 'pipeline.cdc-model/1';
  readonly name: string;
  /** Incremented by every publish; `versions/<version>.json` holds each. null for an unpublished fit. */
  readonly version: number | null;
  /** Measured on the table of model `version` with `rows` rows (the current one unless the table is large; see PublishOptions). */
  readonly metrics: Metrics & { readonly rows: number; readonly version: number | null };
  /** The last applied offset of each partition of the change topic; the model reflects exactly those events. */
  readonly offsets: { readonly topic: string; readonly partitions: Readonly<Record<string, number>> };
}

export interface PublishOptions {
  readonly fit?: FitOptions;
  /**
   * Metrics need every row's score. Up to this many rows they are measured on every publish; above
   * it, on every `metricsEvery`-th version (the document says which version they belong to), so
   * that a large table is not re-read on every batch. @default 250,000
   */
  readonly metricsMaxRows?: number;
  /** @default 20 */
  readonly metricsEvery?: number;
  /** Attempts at the conditional write before giving up. @default 30 */
  readonly maxAttempts?: number;
  /** Waits between attempts; randomised backoff by default. */
  readonly backoff?: (attempt: number) => Promise<void>;
}

export const PublishDefaults = { metricsMaxRows: 250_000, metricsEvery: 20, maxAttempts: 30 } as const;

/** What a publish did. */
export interface PublishReport {
  readonly model: ModelDocument;
  /** False when the stored model already reflected every partition's state. */
  readonly written: boolean;
  /** Lost conditional writes (another publisher got there first), each retried. */
  readonly conflicts: number;
}

/**
 * Publishes the merged model of a topic's partitions: reads `current.json`, every partition's
 * manifest, fits, and writes `current.json` (If-Match) and then `versions/<n>.json`. Does nothing
 * when the current model already reflects the same offsets.
 *
 * @example
 * const { model, written } = await publishModel(states, 'customer_updates');
 * model.rows; // customers in the table
 */
export async function publishModel(states: CdcStateStore, topic: string, options: PublishOptions = {}): Promise<PublishReport> {
  const { store, keys } = states;
  const maxAttempts = options.maxAttempts ?? PublishDefaults.maxAttempts;
  let conflicts = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      let current: { doc: ModelDocument; etag: string } | undefined;
      try {
        const got = await store.get(keys.current);
        current = { doc: JSON.parse(new TextDecoder().decode(got.body)) as ModelDocument, etag: got.etag };
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      // read after current.json: the manifests are at least as new as what it reflects
      const partitions = await states.loadAll(topic);
      const offsets = offsetsOf(topic, partitions);
      if (current !== undefined && sameOffsets(current.doc.offsets, offsets)) {
        await repairVersion(states, current.doc);
        return { model: current.doc, written: false, conflicts };
      }
      const version = (current?.doc.version ?? 0) + 1;
      const model = await modelOf(states, partitions, { ...options, name: states.modelName, version, previous: current?.doc });
      const body = `${JSON.stringify(model, null, 2)}\n`;
      await store.put(keys.current, body, { ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const }), contentType: 'application/json' });
      await store.put(keys.version(version), body, { contentType: 'application/json' });
      return { model, written: true, conflicts };
    } catch (error) {
      if (!lostRace(error) || attempt >= maxAttempts) throw error;
      conflicts++;
      await (options.backoff ?? jitterBackoff)(attempt);
    }
  }
}

/**
 * Fits the model from scratch on the table held in the partitions' state: every row read, the
 * statistics summed afresh, fitted and measured. The incremental model must equal it.
 *
 * @example
 * const fit = await fitCurrentTable(states, await states.loadAll('customer_updates'));
 */
export async function fitCurrentTable(states: CdcStateStore, partitions: readonly PartitionState[], options: { fit?: FitOptions } = {}): Promise<ModelDocument> {
  const rows = await allRows(states, partitions);
  const fit = fitFromStats(ExactStats.of(states.layout.width, rows), options.fit, states.layout);
  const topic = partitions[0]?.manifest.topic ?? '';
  return document(states.modelName, null, fit, { ...evaluate(fit, rows, states.layout), rows: fit.rows, version: null }, offsetsOf(topic, partitions));
}

/** Every row of the partitions' tables. */
export async function allRows(states: CdcStateStore, partitions: readonly PartitionState[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const state of partitions) for await (const [, row] of states.rows(state)) rows.push(row);
  return rows;
}

async function modelOf(
  states: CdcStateStore,
  partitions: readonly PartitionState[],
  options: PublishOptions & { name: string; version: number; previous: ModelDocument | undefined },
): Promise<ModelDocument> {
  const merged = new ExactStats(states.layout.width);
  for (const state of partitions) merged.merge(state.stats);
  const fit = fitFromStats(merged, options.fit, states.layout);
  const maxRows = options.metricsMaxRows ?? PublishDefaults.metricsMaxRows;
  const every = options.metricsEvery ?? PublishDefaults.metricsEvery;
  const measure = fit.rows <= maxRows || options.version % every === 0 || options.previous === undefined;
  const metrics = measure
    ? { ...evaluate(fit, await allRows(states, partitions), states.layout), rows: fit.rows, version: options.version }
    : options.previous!.metrics;
  return document(options.name, options.version, fit, metrics, offsetsOf(partitions[0]?.manifest.topic ?? '', partitions));
}

function document(name: string, version: number | null, fit: Fit, metrics: ModelDocument['metrics'], offsets: ModelDocument['offsets']): ModelDocument {
  return { format: 'pipeline.cdc-model/1', name, version, ...fit, metrics, offsets };
}

function offsetsOf(topic: string, partitions: readonly PartitionState[]): ModelDocument['offsets'] {
  const out: Record<string, number> = {};
  for (const state of partitions) out[String(state.manifest.partition)] = state.manifest.lastOffset;
  return { topic, partitions: out };
}

function sameOffsets(a: ModelDocument['offsets'] | undefined, b: ModelDocument['offsets']): boolean {
  if (a === undefined || a.topic !== b.topic) return false;
  const ka = Object.keys(a.partitions);
  return ka.length === Object.keys(b.partitions).length && ka.every((p) => a.partitions[p] === b.partitions[p]);
}

// current.json is written first and versions/<n>.json right after; a crash between leaves the copy
// missing, and the next publisher that finds the model current writes it.
async function repairVersion(states: CdcStateStore, doc: ModelDocument): Promise<void> {
  if (doc.version === null) return;
  const key = states.keys.version(doc.version);
  if ((await states.store.head(key)) === undefined) await states.store.put(key, `${JSON.stringify(doc, null, 2)}\n`, { contentType: 'application/json' });
}

