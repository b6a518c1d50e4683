/**
 * The CDC function's work, behind its thin handler: per partition, read the state, apply the
 * batch, commit with If-Match (on a lost race: re-read, re-apply, retry); then publish the merged
 * model. Keeps its state cache across warm invocations.
 */
import type { ObjectStore } from '../ports/object-store.js';
import { retry, RetryPolicies, type RetryPolicy } from '../retry.js';
import { applyChanges, inGaps, type Span } from './apply.js';
import { lostRace } from './errors.js';
import { parseRecord, type CdcRecord, type ChangeEvent } from './events.js';
import type { FitOptions } from './fit.js';
import { ModelPublisher, type PublishOptions, type PublishReport } from './model.js';
import { CdcStateStore, type DeadLetter, type Gap, type StateOptions } from './state-store.js';

export interface CdcServiceOptions {
  readonly store: ObjectStore;
  /** The model's folder under `models/`. */
  readonly modelName: string;
  /**
   * The event log whose records this service applies (shared/names.ts, `logIdOf` of the events'
   * source): its state and model are kept under `<topic>@<log>`, apart from any other log's.
   */
  readonly log: string;
  readonly fit?: FitOptions;
  readonly state?: StateOptions;
  readonly publish?: Omit<PublishOptions, 'fit' | 'retry'>;
  /**
   * How a commit or publish that lost a race to another writer is tried again (re-read, re-apply).
   * After the last attempt the batch fails, retriably: the event source tries it again.
   * @default RetryPolicies.lostRace (30 attempts, full jitter)
   */
  readonly retry?: RetryPolicy;
  /** The clock (epoch ms) stamping each published version and its events' lag. @default Date.now */
  readonly now?: () => number;
}

/** What one partition's batch did. */
export interface BatchReport {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly applied: number;
  /** At or below the last applied offset (and in no gap): a redelivery. */
  readonly skipped: number;
  /** Offsets below the last applied one never delivered, after this batch (see apply.ts). */
  readonly gaps: readonly Gap[];
  readonly deadLettered: number;
  /** Lost conditional writes, each resolved by re-reading and re-applying. */
  readonly conflicts: number;
  readonly lastOffset: number;
  readonly stateVersion: number;
}

/** Running totals of a service, for logs, tests and the benchmark. */
export interface CdcCounters {
  batches: number;
  records: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  stateConflicts: number;
  modelConflicts: number;
  modelWrites: number;
}

/** A record of a partition, with where it came from. */
export interface PartitionRecord extends CdcRecord {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The CDC service over an object store.
 *
 * @example
 * const cdc = new CdcService({ store, modelName: 'response', log: 'kafka.q1w2' });
 * await cdc.handle(records); // records of one or more partitions, as decoded from an MSKEvent
 */
export class CdcService {
  readonly states: CdcStateStore;
  readonly counters: CdcCounters = { batches: 0, records: 0, applied: 0, skipped: 0, deadLettered: 0, stateConflicts: 0, modelConflicts: 0, modelWrites: 0 };
  private readonly options: CdcServiceOptions;
  private readonly publisher: ModelPublisher;
  /** Per topic and partition, the log timestamp by offset of events no published model is known to include yet. */
  private readonly unpublished = new Map<string, Map<string, Map<number, number>>>();

  constructor(options: CdcServiceOptions) {
    this.options = options;
    this.states = new CdcStateStore(options.store, options.modelName, options.log, options.state);
    this.publisher = new ModelPublisher(this.states, { ...options.publish, fit: options.fit, ...(options.retry ? { retry: options.retry } : {}), now: options.now ?? Date.now });
  }

  /** Applies records (grouped by topic and partition, each group in offset order), then publishes each topic's model. */
  async handle(records: readonly PartitionRecord[]): Promise<{ batches: BatchReport[]; models: PublishReport[] }> {
    const groups = new Map<string, PartitionRecord[]>();
    for (const record of records) {
      const id = `${record.topic}\u0000${record.partition}`;
      let group = groups.get(id);
      if (group === undefined) groups.set(id, (group = []));
      group.push(record);
    }
    const batches: BatchReport[] = [];
    for (const group of groups.values()) batches.push(await this.applyBatch(group[0]!.topic, group[0]!.partition, group));
    const models: PublishReport[] = [];
    for (const topic of new Set(batches.map((b) => b.topic))) models.push(await this.publish(topic));
    return { batches, models };
  }

  /**
   * Applies one partition's records exactly once, retrying lost races. The records are one batch
   * of consecutive records of the log (as an event source delivers them): a batch that starts past
   * the last applied offset + 1 opens a gap before it, one that spans a gap fills it.
   */
  async applyBatch(topic: string, partition: number, records: readonly CdcRecord[], options: { readonly span?: Span } = {}): Promise<BatchReport> {
    const events = records.map(parseRecord).sort((a, b) => a.offset - b.offset);
    // a reader that fetched from a known position knows the batch spans from there (the offsets before its first record hold none)
    const span = options.span ?? (events.length === 0 ? undefined : { first: events[0]!.offset, last: events[events.length - 1]!.offset });
    let conflicts = 0;
    return retry(
      async () => {
        const state = await this.states.load(topic, partition);
        const { lastOffset, gaps } = state.manifest;
        const fresh = events.filter((e) => e.offset > lastOffset || inGaps(gaps, e.offset));
        const lookup = await this.states.lookup(state, keysOf(fresh));
        const result = applyChanges({ stats: state.stats, lastOffset, lookup, gaps, keyOffsets: state.keyOffsets }, fresh, span);
        const letters = deadLetters(topic, partition, result.rejected, records);
        // noted before the commit, so that a publish reading the state just after it finds them; by offset, so a retry notes nothing twice
        this.noteEventTimes(topic, partition, records, fresh, result.rejected);
        const committed = await this.states.commit(state, result, letters);
        const skipped = events.length - fresh.length + result.counts.skipped;
        Object.assign(this.counters, {
          batches: this.counters.batches + 1,
          records: this.counters.records + records.length,
          applied: this.counters.applied + result.counts.applied,
          skipped: this.counters.skipped + skipped,
          deadLettered: this.counters.deadLettered + result.counts.deadLettered,
        });
        return {
          topic,
          partition,
          records: records.length,
          applied: result.counts.applied,
          skipped,
          deadLettered: result.counts.deadLettered,
          conflicts,
          lastOffset: committed.manifest.lastOffset,
          gaps: committed.manifest.gaps,
          stateVersion: committed.manifest.version,
        };
      },
      this.options.retry ?? RetryPolicies.lostRace,
      {
        what: `the commit of ${topic}/${partition}'s state (lost races)`,
        retriable: lostRace,
        onRetry: () => {
          this.states.forget(topic, partition);
          conflicts++;
          this.counters.stateConflicts++;
        },
      },
    );
  }

  /** Publishes the merged model of a topic (nothing is written when it is already current). */
  async publish(topic: string): Promise<PublishReport> {
    const waiting = this.unpublished.get(topic);
    // a version's lag covers the events it is the first to include, whichever batch (or concurrent publish) brought them
    const included = (after: Readonly<Record<string, number>>, upTo: Readonly<Record<string, number>>) => {
      const times: number[] = [];
      for (const [partition, events] of waiting ?? []) {
        const low = after[partition] ?? -1;
        const high = upTo[partition] ?? -1;
        for (const [offset, time] of events) if (offset > low && offset <= high) times.push(time);
      }
      return times;
    };
    const report = await this.publisher.publish(topic, included);
    // included now, by this publish or an earlier one (another publisher's, whose lag is not ours to know)
    for (const [partition, events] of waiting ?? []) {
      const upTo = report.model.offsets.partitions[partition] ?? -1;
      for (const offset of events.keys()) if (offset <= upTo) events.delete(offset);
    }
    this.counters.modelConflicts += report.conflicts;
    if (report.written) this.counters.modelWrites++;
    return report;
  }

  /** Remembers the log timestamps of a batch's new, well-formed events, for the lag of the version that first includes them. */
  private noteEventTimes(topic: string, partition: number, records: readonly CdcRecord[], fresh: readonly ChangeEvent[], rejected: readonly { offset: number }[]): void {
    if (fresh.length === 0 || records[0]?.timestamp === undefined) return;
    const timeAt = new Map(records.map((r) => [r.offset, r.timestamp]));
    const bad = new Set(rejected.map((r) => r.offset));
    let byPartition = this.unpublished.get(topic);
    if (byPartition === undefined) this.unpublished.set(topic, (byPartition = new Map()));
    let events = byPartition.get(String(partition));
    if (events === undefined) byPartition.set(String(partition), (events = new Map()));
    for (const event of fresh) {
      const time = timeAt.get(event.offset);
      if (time !== undefined && Number.isFinite(time) && !bad.has(event.offset)) events.set(event.offset, time);
    }
  }
}

function keysOf(events: readonly ChangeEvent[]): Set<string> {
  const keys = new Set<string>();
  for (const e of events) if (e.kind === 'upsert' || e.kind === 'delete') keys.add(e.key);
  return keys;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function deadLetters(topic: string, partition: number, rejected: readonly { offset: number; key: string | null; reason: string }[], records: readonly CdcRecord[]): DeadLetter[] {
  if (rejected.length === 0) return [];
  const byOffset = new Map(records.map((r) => [r.offset, r]));
  return rejected.map(({ offset, key, reason }) => {
    const raw = byOffset.get(offset)?.value ?? null;
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    let value: string | null = null;
    let valueBase64: string | undefined;
    if (bytes !== null) {
      try {
        value = decoder.decode(bytes);
      } catch {
        valueBase64 = Buffer.from(bytes).toString('base64');
      }
    }
    return { topic, partition, offset, key, reason, value, ...(valueBase64 === undefined ? {} : { valueBase64 }) };
  });
}

