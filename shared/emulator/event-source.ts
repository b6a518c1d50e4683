import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { isRetriable, PipelineError } from '../errors.js';
import type { EventLog, LogRecord } from '../ports/event-log.js';
import type { ObjectStore } from '../ports/object-store.js';
import { delayMs, retry, RetriesExhausted, RetryPolicies, type RetryPolicy } from '../retry.js';
import { encodedSize, encodeKafkaEvent, inProcessKafkaEvent, type EventSourceIdentity, type KafkaEvent } from '../lambda/kafka-event.js';
import { logIdOf } from '../names.js';
import { failureKey, invocationRecord, type FailureCondition } from './on-failure.js';

/** A Kafka-triggered function: the same handler Lambda would call. Its result is ignored. */
export type KafkaHandler = (event: KafkaEvent) => Promise<unknown>;


/** Lambda's own bounds on a Kafka event source mapping. */
export const EventSourceLimits = {
  maxBatchSize: 10_000,
  maxBatchingWindowMs: 300_000,
  /** Lambda's synchronous invocation payload limit. */
  maxPayloadBytes: 6 * 1024 * 1024,
} as const;

/** Defaults: Lambda's for MSK (batch 100, window 500 ms, 6 MB), and a bounded retry policy. */
export const EventSourceDefaults = {
  batchSize: 100,
  maxBatchingWindowMs: 500,
  maxPayloadBytes: EventSourceLimits.maxPayloadBytes,
  bisectBatchOnFunctionError: true,
  startingPosition: 'TRIM_HORIZON',
  /** How long an empty fetch waits for records; also bounds how fast `stop()` returns. */
  pollWaitMs: 500,
  /** A failing batch: invoked up to 11 times (Lambda's own bound is the mapping's retry attempts). */
  retry: { attempts: 11, initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 'none' } satisfies RetryPolicy,
  /** The event log failing under a partition (a broker restarting): about a minute, then the partition stops. */
  logRetry: RetryPolicies.eventLog satisfies RetryPolicy,
} as const;

/** What the emulator reports as it works; `serve` prints some, tests and the bench watch them. */
export type EventSourceEvent =
  | { readonly type: 'invoke'; readonly partition: number; readonly firstOffset: number; readonly lastOffset: number; readonly records: number; readonly attempt: number }
  | { readonly type: 'success'; readonly partition: number; readonly firstOffset: number; readonly lastOffset: number; readonly records: number; readonly ms: number }
  | { readonly type: 'error'; readonly partition: number; readonly firstOffset: number; readonly lastOffset: number; readonly attempt: number; readonly error: unknown }
  | { readonly type: 'failure'; readonly partition: number; readonly firstOffset: number; readonly lastOffset: number; readonly condition: FailureCondition; readonly key: string | undefined }
  | { readonly type: 'commit'; readonly partition: number; readonly offset: number }
  | { readonly type: 'log-error'; readonly partition: number; readonly error: unknown; readonly fatal: boolean };

export interface EventSourceOptions {
  readonly log: EventLog;
  readonly topic: string;
  /** The consumer group whose committed offsets the mapping reads and writes. */
  readonly group: string;
  readonly handler: KafkaHandler;
  /** @default 100 (Lambda's default for MSK; at most 10,000) */
  readonly batchSize?: number;
  /** @default 500 (Lambda's default for MSK, in ms; at most 300,000) */
  readonly maxBatchingWindowMs?: number;
  /** @default 6 MB: the size of the event as JSON, as Lambda counts it */
  readonly maxPayloadBytes?: number;
  /** Split a failing batch in two and retry each half, isolating the records that fail. @default true */
  readonly bisectBatchOnFunctionError?: boolean;
  /**
   * How a failing batch is retried (with bisecting, each half starts one attempt deeper).
   * `attempts: Infinity` (a mapping's `MaximumRetryAttempts: -1`) never gives a batch up: a
   * transient failure is retried until it heals, and one retrying cannot mend stops the partition
   * with the batch uncommitted. @default EventSourceDefaults.retry
   */
  readonly retry?: Partial<RetryPolicy>;
  /** How a failing read or commit of the event log is retried before the partition stops. @default EventSourceDefaults.logRetry */
  readonly logRetry?: RetryPolicy;
  /** Time, for the batching window, backoff and idleness. @default systemClock */
  readonly clock?: Clock;
  /** Where a new consumer group starts: the oldest record or the next one. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Written into each event; defaults to the log's own identity (`EventLog.identity`) and `in-process` servers. */
  readonly source?: EventSourceIdentity;
  /** The function's ARN in invocation records. @default 'arn:aws:lambda:us-east-1:000000000000:function:<group>' */
  readonly functionArn?: string;
  /** The S3 on-failure destination: a failed batch's invocation record goes to `<prefix><topic>-<partition>/<first>-<last>.json`. Without it, a failed batch is dropped (as Lambda does). */
  readonly onFailure?: { readonly store: ObjectStore; readonly prefix: string };
  readonly onEvent?: (event: EventSourceEvent) => void;
  /** @default 500 */
  readonly pollWaitMs?: number;
}

export interface EventSourceStats {
  invocations: number;
  errors: number;
  /** Records of batches the handler returned from. */
  delivered: number;
  /** Records given up on (sent to the on-failure destination or dropped). */
  failed: number;
  commits: number;
}

/** A running event source mapping; see {@link createEventSource}. */
export interface EventSource {
  /** Finds the topic's partitions and starts one poller per partition. Idempotent. */
  start(): Promise<void>;
  /** Lets every batch in flight finish and commit, then stops polling. */
  stop(): Promise<void>;
  /**
   * Stops at once as a crash would: batches in flight are not committed (their handler calls may
   * still finish in the background), so they are delivered again by the next run.
   */
  abort(): void;
  /**
   * Starts if needed and resolves once every partition is caught up (committed up to the high
   * watermark, nothing in flight) and no record arrived for `idleMs`. Rejects when `timeoutMs`
   * passes first. The mapping keeps running; call `stop()` after.
   */
  runUntilIdle(options?: { idleMs?: number; timeoutMs?: number }): Promise<EventSourceStats>;
  readonly stats: Readonly<EventSourceStats>;
}

/**
 * Records a poller asks the log for at once, and reads ahead: 10,000 (Lambda's largest batch), or
 * two batches when a batch is larger than half that. Not a number of batches: at the stack's batch of 500, ten batches
 * a fetch made a backlog wait on twice as many broker round trips as batches of 1,000 did (about a
 * third of its drain time), for the same records. At about 200 bytes a reading, a few MB a partition.
 */
const READ_AHEAD_RECORDS = 10_000;
const readAheadRecords = (batchSize: number): number => Math.max(READ_AHEAD_RECORDS, 2 * batchSize);

class Aborted extends Error {}

/**
 * A batch failed with an error retrying cannot mend, under a policy that never gives a batch up:
 * the partition stops there, its offset uncommitted, naming the batch and the error.
 */
class Unmendable extends PipelineError {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)} (not retriable; the batch is kept, not given up: the partition stops here until this is fixed)`, { cause });
  }
}

/**
 * Lambda's Kafka event source mapping over any {@link EventLog} (docs/architecture.md, "The
 * event-source emulator"): per partition, batches of up to `batchSize` records gathered for at most
 * `maxBatchingWindowMs` and 6 MB of event; the `MSKEvent` Lambda would send; the next batch of a
 * partition only after the previous one is done (partitions run in parallel); offsets committed
 * only after the handler returns, so a crash redelivers (at-least-once: handlers must be
 * idempotent). A failing batch is retried with exponential backoff, bisected (when
 * `bisectBatchOnFunctionError`) to isolate the failing records, and after `retry.attempts` its
 * invocation record goes to the on-failure destination and the partition moves on. Errors that
 * are not retriable (see `isRetriable`; an error the handler did not classify is not) are
 * bisected but not retried. A partition whose event log keeps failing stops after `logRetry`,
 * naming what it gave up on, and `runUntilIdle` (or `serve`) reports it.
 *
 * @example
 * const source = createEventSource({ log, topic: 'sensor_data', group: 'stream', handler });
 * await source.runUntilIdle({ idleMs: 2_000 });
 * await source.stop();
 */
export function createEventSource(options: EventSourceOptions): EventSource {
  const settings = resolve(options);
  const stats: EventSourceStats = { invocations: 0, errors: 0, delivered: 0, failed: 0, commits: 0 };
  const emit = options.onEvent ?? (() => {});
  let workers: PartitionWorker[] | undefined;
  let starting: Promise<void> | undefined;
  const clock = settings.clock;
  let lastActivity = clock.now();
  let stopped: () => void = () => {};
  const state: WorkerState = { stopping: false, aborted: false, stopped: new Promise<void>((resolve) => (stopped = resolve)) };

  const context: WorkerContext = {
    ...settings,
    options,
    stats,
    state,
    emit,
    touch: () => {
      lastActivity = clock.now();
    },
  };

  const start = (): Promise<void> =>
    (starting ??= (async () => {
      context.source = options.source ?? { eventSource: 'aws:kafka', eventSourceArn: await options.log.identity(), bootstrapServers: 'in-process' };
      context.log = logIdOf(context.source);
      const partitions = await options.log.partitions(options.topic);
      workers = partitions.map((p) => new PartitionWorker(context, p));
      for (const worker of workers) worker.start();
    })());

  return {
    start,
    stats,
    async stop() {
      state.stopping = true;
      stopped();
      if (starting) await starting.catch(() => {});
      await Promise.all((workers ?? []).map((w) => w.done));
    },
    abort() {
      state.stopping = true;
      state.aborted = true;
      stopped();
    },
    async runUntilIdle({ idleMs = 2_000, timeoutMs = Number.POSITIVE_INFINITY } = {}) {
      const began = clock.now();
      await start();
      lastActivity = Math.max(lastActivity, began);
      const tick = Math.max(20, Math.min(200, idleMs / 10));
      for (;;) {
        const failure = workers!.find((w) => w.fatal !== undefined);
        if (failure) throw failure.fatal;
        if (state.stopping) throw new PipelineError('the event source was stopped before it became idle');
        let caughtUp = true;
        for (const worker of workers!) {
          if (!(await worker.caughtUp())) {
            caughtUp = false;
            break;
          }
        }
        if (!caughtUp) lastActivity = clock.now();
        if (caughtUp && clock.now() - lastActivity >= idleMs) return { ...stats };
        if (clock.now() - began > timeoutMs) {
          throw new PipelineError(`${options.topic}: not idle after ${timeoutMs} ms (${stats.delivered} records delivered, ${stats.failed} failed)`);
        }
        await clock.sleep(tick);
      }
    },
  };
}

function resolve(options: EventSourceOptions) {
  const batchSize = options.batchSize ?? EventSourceDefaults.batchSize;
  const maxBatchingWindowMs = options.maxBatchingWindowMs ?? EventSourceDefaults.maxBatchingWindowMs;
  const maxPayloadBytes = options.maxPayloadBytes ?? EventSourceDefaults.maxPayloadBytes;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > EventSourceLimits.maxBatchSize) {
    throw new PipelineError(`batchSize must be a whole number from 1 to ${EventSourceLimits.maxBatchSize}, got ${batchSize}`);
  }
  if (!(maxBatchingWindowMs >= 0 && maxBatchingWindowMs <= EventSourceLimits.maxBatchingWindowMs)) {
    throw new PipelineError(`maxBatchingWindowMs must be from 0 to ${EventSourceLimits.maxBatchingWindowMs}, got ${maxBatchingWindowMs}`);
  }
  if (!(maxPayloadBytes > 0)) throw new PipelineError(`maxPayloadBytes must be positive, got ${maxPayloadBytes}`);
  const retry: RetryPolicy = { ...EventSourceDefaults.retry, ...options.retry };
  if (!(retry.attempts >= 1)) throw new PipelineError(`retry.attempts must be 1 or more, got ${retry.attempts}`);
  return {
    batchSize,
    maxBatchingWindowMs,
    maxPayloadBytes,
    retry,
    logRetry: options.logRetry ?? EventSourceDefaults.logRetry,
    clock: options.clock ?? systemClock,
    bisect: options.bisectBatchOnFunctionError ?? EventSourceDefaults.bisectBatchOnFunctionError,
    pollWaitMs: options.pollWaitMs ?? EventSourceDefaults.pollWaitMs,
    functionArn: options.functionArn ?? `arn:aws:lambda:us-east-1:000000000000:function:${options.group}`,
    /** How events name their source, and that log's identity (shared/names.ts); known once started. */
    source: undefined as EventSourceIdentity | undefined,
    log: '',
  };
}

interface WorkerState {
  stopping: boolean;
  aborted: boolean;
  /** Settles when a stop or abort begins: waits between attempts end early then. */
  readonly stopped: Promise<void>;
}

type WorkerContext = ReturnType<typeof resolve> & {
  readonly options: EventSourceOptions;
  readonly stats: EventSourceStats;
  readonly state: WorkerState;
  readonly emit: (event: EventSourceEvent) => void;
  readonly touch: () => void;
};

/** One partition's poller: gathers a batch, delivers it (retrying, bisecting), commits, repeats. */
class PartitionWorker {
  /** Next offset to fetch; undefined until read from the committed offset. */
  private position: number | undefined;
  /** Offset up to which everything is committed (next to read). */
  private committedOffset: number | undefined;
  /** Offset after the last batch done with (delivered or given up); commits trail it. */
  private doneOffset: number | undefined;
  /** The offset to commit next, while a commit is in flight or failing. */
  private pendingCommit: number | undefined;
  private committing: Promise<void> | undefined;
  /** Fetched but not yet delivered: `buffer` from index `head` on. */
  private buffer: LogRecord[] = [];
  private head = 0;
  /** A fetch from `from` started before its records were needed (see {@link readAhead}). */
  private ahead: { readonly from: number; readonly records: Promise<LogRecord[]> } | undefined;
  private busy = false;
  fatal: unknown;
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: WorkerContext,
    readonly partition: number,
  ) {}

  start(): void {
    this.done = this.run();
  }

  async caughtUp(): Promise<boolean> {
    if (this.busy || this.head < this.buffer.length || this.committedOffset === undefined || this.pendingCommit !== undefined || this.committing) return false;
    try {
      const { high } = await this.ctx.options.log.offsets(this.ctx.options.topic, this.partition);
      return this.committedOffset >= high;
    } catch {
      return false; // the log is unreachable for now: not known to be caught up
    }
  }

  private async run(): Promise<void> {
    const { state } = this.ctx;
    let failures = 0;
    let next: Promise<LogRecord[]> | undefined;
    while (!state.stopping) {
      try {
        if (this.position === undefined) await this.initialise();
        const batch = await (next ?? this.collect());
        next = undefined;
        if (batch.length === 0 || state.stopping) continue;
        // gather the next batch while this one is with the handler (Lambda's pollers read ahead
        // too); only one batch of a partition is ever with the handler
        next = this.collect();
        next.catch(() => {}); // its failure is handled where it is awaited
        this.busy = true;
        await this.deliver(batch, 1);
        this.busy = false;
        if (state.aborted) break;
        this.doneOffset = batch[batch.length - 1]!.offset + 1;
        this.commit(this.doneOffset);
        failures = 0;
      } catch (error) {
        this.busy = false;
        // let a read-ahead settle before starting over, so it cannot refill the buffer after
        if (next !== undefined) await next.catch(() => {});
        next = undefined;
        if (error instanceof Aborted || state.aborted) break;
        // the log (or the on-failure store) failed: start over after the last batch done with,
        // with the log's retry policy; stop when retrying cannot help (a missing topic, an offset
        // out of range) or the policy's attempts are spent, naming what it gave up on
        failures++;
        const { logRetry, options } = this.ctx;
        const fatal = error instanceof Unmendable ? error : !isRetriable(error) ? error : failures >= logRetry.attempts ? new RetriesExhausted(`reading ${options.topic}-${this.partition}`, failures, error) : undefined;
        this.ctx.emit({ type: 'log-error', partition: this.partition, error: fatal ?? error, fatal: fatal !== undefined });
        if (fatal !== undefined) {
          this.fatal = fatal;
          break;
        }
        this.position = this.doneOffset;
        this.buffer = [];
        this.head = 0;
        await this.pause(delayMs(logRetry, failures));
      }
    }
    if (next !== undefined) await next.catch(() => {});
    await this.ahead?.records.catch(() => {});
    // a graceful stop commits what was done; a crash (abort) does not
    while (!state.aborted && (this.committing || this.pendingCommit !== undefined)) {
      await (this.committing ?? (this.committing = this.flushCommits({ ...this.ctx.logRetry, attempts: Math.min(5, this.ctx.logRetry.attempts) })));
    }
  }

  /** Commits `offset` soon: commits run one at a time per partition, and a newer offset replaces a waiting one. */
  private commit(offset: number): void {
    this.pendingCommit = offset;
    this.committing ??= this.flushCommits(this.ctx.logRetry);
  }

  /** Commits the pending offset (and any newer one that arrives meanwhile), retrying under `policy`; when it gives up, the partition stops. */
  private async flushCommits(policy: RetryPolicy): Promise<void> {
    const { log, group, topic } = this.ctx.options;
    try {
      while (this.pendingCommit !== undefined && !this.ctx.state.aborted) {
        const offset = this.pendingCommit;
        try {
          await retry(() => log.commit(group, topic, this.partition, offset), policy, {
            what: `the commit of offset ${offset} for group ${group} on ${topic}-${this.partition}`,
            sleep: (ms) => this.ctx.clock.sleep(ms),
            onRetry: (error) => this.ctx.emit({ type: 'log-error', partition: this.partition, error, fatal: false }),
          });
        } catch (error) {
          this.ctx.emit({ type: 'log-error', partition: this.partition, error, fatal: true });
          this.fatal ??= error;
          this.pendingCommit = undefined;
          return;
        }
        if (this.pendingCommit === offset) this.pendingCommit = undefined;
        this.committedOffset = Math.max(this.committedOffset ?? 0, offset);
        this.ctx.stats.commits++;
        this.ctx.emit({ type: 'commit', partition: this.partition, offset });
        this.ctx.touch();
      }
    } finally {
      this.committing = undefined;
    }
  }

  private async initialise(): Promise<void> {
    const { log, group, topic } = this.ctx.options;
    const committed = await log.committed(group, topic, this.partition);
    const { low, high } = await log.offsets(topic, this.partition);
    let position = committed;
    if (position === undefined || position < low) {
      position = committed === undefined && (this.ctx.options.startingPosition ?? EventSourceDefaults.startingPosition) === 'LATEST' ? high : low;
    }
    this.position = position;
    this.doneOffset = position;
    this.committedOffset = committed === undefined ? undefined : position;
    if (committed === undefined) {
      // a new group: record where it starts, so `caughtUp` has a committed offset to compare
      await log.commit(group, topic, this.partition, position);
      this.committedOffset = position;
    }
  }

  /** A batch: up to batchSize records, the payload limit, or the batching window, whichever first. */
  private async collect(): Promise<LogRecord[]> {
    const { state, batchSize, maxPayloadBytes, maxBatchingWindowMs, pollWaitMs } = this.ctx;
    const batch: LogRecord[] = [];
    let bytes = 0;
    let deadline: number | undefined;
    for (;;) {
      const { buffer } = this;
      while (this.head < buffer.length && batch.length < batchSize) {
        const record = buffer[this.head]!;
        const size = encodedSize(record);
        // a record too big for any event travels alone; deliver() sends it to the on-failure destination
        if (batch.length > 0 && bytes + size > maxPayloadBytes) break;
        batch.push(record);
        bytes += size;
        this.head++;
        if (bytes >= maxPayloadBytes) break;
      }
      if (batch.length >= batchSize || bytes >= maxPayloadBytes || this.head < buffer.length) {
        this.readAhead();
        return batch;
      }
      // records read ahead open the batching window as fetched ones do
      const { clock } = this.ctx;
      if (batch.length > 0) deadline ??= clock.now() + maxBatchingWindowMs;
      if (state.stopping) return [];
      const now = clock.now();
      if (deadline !== undefined && now >= deadline) return batch;
      const waitMs = deadline === undefined ? pollWaitMs : deadline - now;
      const fetched = await this.fetchNext(waitMs, Math.max(1, Math.floor(((maxPayloadBytes - bytes) * 3) / 4)));
      if (fetched.length > 0) {
        this.position = fetched[fetched.length - 1]!.offset + 1;
        this.buffer = this.head < this.buffer.length ? this.buffer.slice(this.head).concat(fetched) : fetched;
        this.head = 0;
        this.ctx.touch();
        deadline ??= clock.now() + maxBatchingWindowMs;
      } else if (batch.length === 0) {
        return batch;
      } else if (clock.now() === now) {
        // the log waited in real time, which a virtual clock does not see: let it see the wait
        await clock.sleep(waitMs);
      }
    }
  }

  /**
   * The records from `position` on: those of the fetch read ahead from there if it found any,
   * else a fetch that waits up to `waitMs` for a record. A fetch asks for up to
   * READ_AHEAD_RECORDS, many batches at a time when there are that many: one broker round trip (and one socket write) per batch was
   * most of a backlog's cost; the rest waits in the buffer.
   */
  private async fetchNext(waitMs: number, maxBytes: number): Promise<LogRecord[]> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead !== undefined && ahead.from === this.position) {
      const records = await ahead.records;
      if (records.length > 0) return records;
    }
    const { options, batchSize } = this.ctx;
    return options.log.fetch(options.topic, this.partition, this.position!, { maxRecords: readAheadRecords(batchSize), maxBytes, waitMs });
  }

  /**
   * Starts the next fetch (one that does not wait) while half the records read ahead are still
   * to deliver, so a backlog's batches do not wait for the broker: the records arrive while the
   * handler works on those before them.
   */
  private readAhead(): void {
    const { options, state, batchSize, maxPayloadBytes } = this.ctx;
    if (this.ahead !== undefined || state.stopping || this.buffer.length - this.head >= readAheadRecords(batchSize) / 2) return;
    const from = this.position!;
    const records = options.log.fetch(options.topic, this.partition, from, {
      maxRecords: readAheadRecords(batchSize),
      maxBytes: Math.floor((maxPayloadBytes * 3) / 4),
      waitMs: 0,
    });
    records.catch(() => {}); // a failure is handled where the records are awaited, or dropped with them
    this.ahead = { from, records };
  }

  /**
   * Invokes the handler until the records are done: returned from, or given up on. `attempt` is
   * how deep this delivery starts (bisected halves start one deeper than their batch).
   */
  private async deliver(records: LogRecord[], attempt: number): Promise<void> {
    const { options, stats, state, retry: policy, bisect, source, emit, maxPayloadBytes, clock } = this.ctx;
    const first = records[0]!.offset;
    const last = records[records.length - 1]!.offset;
    const range = { partition: this.partition, firstOffset: first, lastOffset: last };
    if (records.length === 1 && encodedSize(records[0]!) > maxPayloadBytes) {
      await this.giveUp(records, 'MaximumPayloadSizeExceeded', 0, undefined);
      return;
    }
    const splittable = bisect && records.length > 1;
    let invocations = attempt - 1;
    try {
      await retry(
        async () => {
          // stopping: the invocation under way finishes, no new attempt starts (the batch stays uncommitted)
          if (state.aborted || (state.stopping && invocations >= attempt)) throw new Aborted();
          invocations++;
          // Lambda's event, its bytes encoded only if the handler reads them as base64 or sends the
          // event on as JSON (the LocalStack bridge): a handler in this process takes them as they are
          const event = inProcessKafkaEvent(records, source!);
          emit({ type: 'invoke', ...range, records: records.length, attempt: invocations });
          stats.invocations++;
          const started = clock.now();
          try {
            await options.handler(event);
          } catch (error) {
            stats.errors++;
            emit({ type: 'error', ...range, attempt: invocations, error });
            throw error;
          }
          stats.delivered += records.length;
          emit({ type: 'success', ...range, records: records.length, ms: clock.now() - started });
        },
        // a batch that can be split is tried once, then its halves; the rest up to the bound, the
        // backoff going on from the depth this delivery starts at
        {
          ...policy,
          attempts: splittable ? 1 : Math.max(1, policy.attempts - attempt + 1),
          initialDelayMs: policy.initialDelayMs * policy.multiplier ** (attempt - 1),
        },
        { what: `${options.topic}-${this.partition} offsets ${first}-${last}`, sleep: (ms) => this.pause(ms) },
      );
    } catch (thrown) {
      if (thrown instanceof Aborted || state.aborted || state.stopping) throw new Aborted();
      const error = thrown instanceof RetriesExhausted ? thrown.cause : thrown;
      // retrying forever (a function that must not skip a batch): what retrying cannot mend stops the partition, uncommitted
      if (policy.attempts === Number.POSITIVE_INFINITY && !isRetriable(error)) throw new Unmendable(`${options.topic}-${this.partition} offsets ${first}-${last}`, error);
      if (splittable) {
        if (isRetriable(error)) await this.pause(delayMs(policy, attempt));
        if (state.stopping) throw new Aborted();
        const middle = Math.ceil(records.length / 2);
        await this.deliver(records.slice(0, middle), attempt + 1);
        await this.deliver(records.slice(middle), attempt + 1);
        return;
      }
      await this.giveUp(records, 'RetryAttemptsExhausted', invocations, error);
    }
  }

  /** Waits `ms` on the clock, or less when the event source starts to stop. */
  private pause(ms: number): Promise<void> {
    return Promise.race([this.ctx.clock.sleep(ms), this.ctx.state.stopped]);
  }

  private async giveUp(records: LogRecord[], condition: FailureCondition, invocations: number, error: unknown): Promise<void> {
    const { options, stats, source, functionArn, emit } = this.ctx;
    if (this.ctx.state.aborted) throw new Aborted();
    // the invocation record's time is a date, not a duration: the wall clock's
    let key: string | undefined;
    if (options.onFailure) {
      key = failureKey(options.onFailure.prefix, records, this.ctx.log);
      const record = invocationRecord(records, encodeKafkaEvent(records, source!), source!, {
        condition,
        approximateInvokeCount: invocations,
        error,
        functionArn,
        requestId: randomUUID(),
        at: Date.now(),
      });
      await options.onFailure.store.put(key, `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json' });
    }
    stats.failed += records.length;
    emit({ type: 'failure', partition: this.partition, firstOffset: records[0]!.offset, lastOffset: records[records.length - 1]!.offset, condition, key });
  }
}
