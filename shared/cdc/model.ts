/**
 * The model document (`models/<name>/current/<topic>@<log>.json`, JSON, no pickle) and how it is
 * published: the merge of every partition's exact statistics, fitted, with metrics on the current
 * table, written with If-Match so that concurrent publishers of different partitions never lose
 * each other's work. It names its source (the topic and the event log) and says whether it is
 * stale: a partition with an open gap (offsets never delivered) lacks the changes they hold.
 */
import { NotFoundError } from '../errors.js';
import { retry, RetryPolicies, type RetryPolicy } from '../retry.js';
import { lostRace } from './errors.js';
import { ExactStats } from './exact-stats.js';
import { evaluate, fitFromStats, type Fit, type FitOptions, type Metrics } from './fit.js';
import { lagDigest, type LagDigest } from './lag.js';
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
  /**
   * The last applied offset of each partition of the change topic, and the event log they are
   * offsets of (`log`, shared/names.ts; absent in documents written before sources were recorded);
   * the model reflects exactly those events, but for the gaps.
   */
  readonly offsets: { readonly topic: string; readonly log?: string; readonly partitions: Readonly<Record<string, number>> };
  /**
   * Per partition, offsets below its last applied one that were never delivered (`[first, last]`,
   * both included): a batch given up, skipped by an operator, gone by retention. Absent when there
   * are none. While any is open the model is `stale`: it lacks the changes they hold until a replay
   * delivers them (docs/cdc.md, "Never losing a change").
   */
  readonly gaps?: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>>;
  /** True while a gap is open (see `gaps`). */
  readonly stale?: boolean;
  /** The state version of each partition this model was made from (a publisher re-reads a partition the model is ahead of). */
  readonly states?: Readonly<Record<string, number>>;
  /**
   * When this version was published and how long its new events took to reach it (from their
   * timestamps on the log); absent in documents written without a clock, and in older ones.
   */
  readonly published?: PublishedAt;
}

/** The publish of a version: its time, and the lag of the events it was the first to include. */
export interface PublishedAt {
  /** ISO-8601. */
  readonly at: string;
  /** Events applied since the previous publish by this publisher that carried a timestamp. */
  readonly events: number;
  /** Their lags in milliseconds, from the event's timestamp to `at`; absent when there were none. */
  readonly lagMs?: LagDigest;
}

export interface PublishOptions {
  readonly fit?: FitOptions;
  /**
   * Metrics need every row's score (about 0.3 µs a row). Up to this many rows they are measured on
   * every publish; above it, on every `metricsEvery`-th version (the document says which version
   * and how many rows they were measured on), so that a large table is not scored on every batch.
   * `model fit` always measures the current table. @default 20,000
   */
  readonly metricsMaxRows?: number;
  /** @default 50 */
  readonly metricsEvery?: number;
  /** How a publish that lost the race for `current.json` is tried again. @default RetryPolicies.lostRace */
  readonly retry?: RetryPolicy;
  /** The clock (epoch ms) that stamps each version's `published`; without one, versions carry no time. */
  readonly now?: () => number;
}

export const PublishDefaults = { metricsMaxRows: 20_000, metricsEvery: 50 } as const;

/** The log timestamps of the events with offsets above `after` and at most `upTo`, per partition. */
export type EventTimes = (after: Readonly<Record<string, number>>, upTo: Readonly<Record<string, number>>) => readonly number[];

/** What a publish did. */
export interface PublishReport {
  readonly model: ModelDocument;
  /** False when the stored model already reflected every partition's state. */
  readonly written: boolean;
  /** Lost conditional writes (another publisher got there first), each retried. */
  readonly conflicts: number;
}

/**
 * Publishes a topic's merged model, remembering what it last read or wrote of `current.json`, so
 * that a publish costs two writes when this process is the only publisher: the remembered ETag is
 * used for If-Match, and a lost race (someone else published) re-reads it. Partition states come
 * from the state store's knowledge, re-read where the stored model is ahead of it, so a publish
 * never moves a partition's offset backwards.
 *
 * @example
 * const publisher = new ModelPublisher(states);
 * const { model, written } = await publisher.publish('customer_updates');
 */
export class ModelPublisher {
  private current: { doc: ModelDocument; etag: string } | undefined;

  constructor(
    readonly states: CdcStateStore,
    private readonly options: PublishOptions = {},
  ) {}

  /**
   * Publishes the merged model of the topic's partitions (nothing when it is already current).
   * `eventTimes` gives the log timestamps (epoch ms) of the events a new version first includes:
   * those after the offsets of the version it follows (`after`, per partition) up to its own
   * (`upTo`), for the version's lag digest.
   *
   * Publishes of one publisher run one at a time: partitions served by one process (the emulator
   * runs them side by side) then take turns instead of losing the conditional write to each other
   * and backing off; a publish that finds its partitions already published writes nothing.
   */
  publish(topic: string, eventTimes: EventTimes = () => []): Promise<PublishReport> {
    const run = this.queue.then(() => this.publishNow(topic, eventTimes));
    // the next publish's turn comes once current.json is written; this one resolves once its versions/ copy is too
    this.queue = run.catch(() => undefined);
    return run.then(async ({ report, copied }) => {
      await copied;
      return report;
    });
  }

  private queue: Promise<unknown> = Promise.resolve();
  /** The last version this publisher wrote, current.json and its versions/ copy both. */
  private wrote: number | null | undefined;

  private async publishNow(topic: string, eventTimes: EventTimes): Promise<{ report: PublishReport; copied?: Promise<unknown> }> {
    const { store, keys } = this.states;
    let conflicts = 0;
    return retry(
      async () => {
        try {
          this.current ??= await readCurrent(this.states, topic);
          const current = this.current;
          const partitions = await this.states.partitionsFor(topic, current?.doc.states ?? {});
          const offsets = offsetsOf(topic, this.states.log, partitions);
          if (current !== undefined && sameStates(current.doc.states, statesOf(partitions))) {
            // a version this publisher wrote itself is known to be there: no request to check it
            if (this.wrote !== current.doc.version) await repairVersion(this.states, current.doc);
            return { report: { model: current.doc, written: false, conflicts } };
          }
          const version = (current?.doc.version ?? 0) + 1;
          const fitted = await modelOf(this.states, partitions, { ...this.options, name: this.states.modelName, version, previous: current?.doc });
          const after = current?.doc.offsets.partitions ?? {};
          const model = this.options.now === undefined ? fitted : { ...fitted, published: publishedAt(this.options.now(), eventTimes(after, offsets.partitions)) };
          const body = `${JSON.stringify(model, null, 2)}\n`;
          const { etag } = await store.put(keys.current(topic), body, { ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const }), contentType: 'application/json' });
          this.current = { doc: model, etag };
          // the copy is written while the next publish writes current.json (another key): a crash
          // before it lands leaves it for the next publisher that finds the model current (repairVersion)
          this.wrote = version;
          const copied = store.put(keys.version(topic, version), body, { contentType: 'application/json' }).catch((error: unknown) => {
            if (this.wrote === version) this.wrote = undefined;
            throw error;
          });
          // the caller sees a failed copy; the queue does not (the next publish does not depend on it)
          copied.catch(() => undefined);
          return { report: { model, written: true, conflicts }, copied };
        } catch (error) {
          this.current = undefined;
          throw error;
        }
      },
      this.options.retry ?? RetryPolicies.lostRace,
      { what: `the publish of ${keys.current(topic)} (lost races)`, retriable: lostRace, onRetry: () => void conflicts++ },
    );
  }
}

/**
 * Publishes the merged model of a topic once (see {@link ModelPublisher}).
 *
 * @example
 * const { model, written } = await publishModel(states, 'customer_updates');
 */
export function publishModel(states: CdcStateStore, topic: string, options: PublishOptions = {}): Promise<PublishReport> {
  return new ModelPublisher(states, options).publish(topic);
}

async function readCurrent(states: CdcStateStore, topic: string): Promise<{ doc: ModelDocument; etag: string } | undefined> {
  try {
    const got = await states.store.get(states.keys.current(topic));
    return { doc: JSON.parse(new TextDecoder().decode(got.body)) as ModelDocument, etag: got.etag };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
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
  return document(states.modelName, null, fit, { ...evaluate(fit, rows, states.layout), rows: fit.rows, version: null }, offsetsOf(topic, states.log, partitions), partitions);
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
  return document(options.name, options.version, fit, metrics, offsetsOf(partitions[0]?.manifest.topic ?? '', states.log, partitions), partitions);
}

function publishedAt(now: number, eventTimes: readonly number[]): PublishedAt {
  const lagMs = lagDigest(eventTimes.map((t) => now - t));
  return { at: new Date(now).toISOString(), events: eventTimes.length, ...(lagMs === undefined ? {} : { lagMs }) };
}

function document(name: string, version: number | null, fit: Fit, metrics: ModelDocument['metrics'], offsets: ModelDocument['offsets'], partitions: readonly PartitionState[]): ModelDocument {
  const gaps: Record<string, ReadonlyArray<readonly [number, number]>> = {};
  for (const state of partitions) if (state.manifest.gaps.length > 0) gaps[String(state.manifest.partition)] = state.manifest.gaps;
  const open = Object.keys(gaps).length > 0;
  return { format: 'pipeline.cdc-model/1', name, version, ...fit, metrics, offsets, ...(open ? { gaps } : {}), stale: open, states: statesOf(partitions) };
}

function offsetsOf(topic: string, log: string, partitions: readonly PartitionState[]): ModelDocument['offsets'] {
  const out: Record<string, number> = {};
  for (const state of partitions) out[String(state.manifest.partition)] = state.manifest.lastOffset;
  return { topic, log, partitions: out };
}

function statesOf(partitions: readonly PartitionState[]): Record<string, number> {
  return Object.fromEntries(partitions.map((state) => [String(state.manifest.partition), state.manifest.version]));
}

function sameStates(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>>): boolean {
  if (a === undefined) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((p) => a[p] === b[p]);
}

// current.json is written first and versions/<n>.json right after; a crash between leaves the copy
// missing, and the next publisher that finds the model current writes it.
async function repairVersion(states: CdcStateStore, doc: ModelDocument): Promise<void> {
  if (doc.version === null) return;
  const key = states.keys.version(doc.offsets.topic, doc.version);
  if ((await states.store.head(key)) === undefined) await states.store.put(key, `${JSON.stringify(doc, null, 2)}\n`, { contentType: 'application/json' });
}

