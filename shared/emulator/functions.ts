/**
 * The Kafka-triggered functions run locally: {@link serveFunction} runs one, as functions/manifest.ts
 * describes it (topic, handler, on-failure destination), under the event-source emulator.
 * `pipeline serve`, `pipeline run` (npm start) and the LocalStack bridge all use it.
 */
import { Functions, KafkaFunctionNames, type KafkaFunctionName } from '../../functions/manifest.js';
import type { PipelineConfig } from '../config.js';
import { Interrupted, PipelineError } from '../errors.js';
import type { Telemetry } from '../lambda/telemetry.js';
import type { EventLog } from '../ports/event-log.js';
import type { EventSourceEvent, EventSourceStats, KafkaHandler } from './event-source.js';

export { KafkaFunctionNames, type KafkaFunctionName };

/**
 * A Kafka-triggered function's handler, as its module builds it from `config` (the same handler
 * Lambda runs, configured from the given configuration instead of the environment).
 *
 * @example
 * const handler = await loadHandler('stream', loadConfig(process.env));
 */
export async function loadHandler(name: KafkaFunctionName, config: PipelineConfig, telemetry?: Telemetry): Promise<KafkaHandler> {
  const module = await Functions[name].load();
  return module.handlerFor(config, telemetry);
}

export interface ServeOptions {
  readonly batchSize?: number;
  readonly maxBatchingWindowMs?: number;
  readonly group?: string;
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Resolve once idle for this long (then stop); undefined: run until `signal` aborts. */
  readonly untilIdleMs?: number;
  /**
   * Stops the function: the batches with the handler finish and commit, no new attempt starts,
   * and after `stopGraceMs` whatever is still running is left uncommitted (it is delivered again
   * next time; the handlers are idempotent). With `untilIdleMs`, an abort before idle rejects with
   * an {@link Interrupted}.
   */
  readonly signal?: AbortSignal;
  /** @default 3,000 */
  readonly stopGraceMs?: number;
  readonly onEvent?: (event: EventSourceEvent) => void;
  readonly handler?: KafkaHandler;
  /** Retries of a failing batch before it is given up, as Lambda counts them (-1: never give it up); default the manifest's. */
  readonly retryAttempts?: number;
}

/**
 * Runs a function under the event-source emulator on `log`: its topic, its handler, its on-failure
 * destination in the configured store. Resolves with the emulator's counts when idle (with
 * `untilIdleMs`) or when `signal` aborts (after the batches in flight finish and commit).
 *
 * @example
 * const stats = await serveFunction('stream', log, config, { untilIdleMs: 3_000 });
 */
export async function serveFunction(name: KafkaFunctionName, log: EventLog, config: PipelineConfig, options: ServeOptions = {}): Promise<EventSourceStats> {
  const { createEventSource } = await import('./event-source.js');
  const { openStore } = await import('../stores.js');
  const { trigger, retryAttempts } = Functions[name];
  let stopped: (error: unknown) => void = () => {};
  const fatal = new Promise<unknown>((resolve) => (stopped = (error) => resolve(error ?? new Error('unknown error'))));
  const topic = config.kafka.topics[trigger.topic];
  await log.ensureTopic(topic.name, topic.partitions);
  const brokers = config.kafka.brokers.join(',');
  const source = createEventSource({
    log,
    topic: topic.name,
    group: options.group ?? `pipeline-${name}`,
    handler: options.handler ?? (await loadHandler(name, config)),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.maxBatchingWindowMs === undefined ? {} : { maxBatchingWindowMs: options.maxBatchingWindowMs }),
    ...(options.startingPosition === undefined ? {} : { startingPosition: options.startingPosition }),
    // -1 in the manifest is Lambda's "retry until the record expires": the emulator never gives such a batch up
    ...retryOf(options.retryAttempts ?? (retryAttempts < 0 ? retryAttempts : undefined)),
    // the log's own identity: the handlers keep each log's results apart by it (shared/names.ts)
    source: { eventSource: 'aws:kafka', eventSourceArn: await log.identity(), bootstrapServers: brokers === '' ? 'in-process' : brokers },
    functionArn: `arn:aws:lambda:${config.s3.region}:000000000000:function:pipeline-${name}`,
    onFailure: { store: openStore(config, trigger.onFailure.area), prefix: trigger.onFailure.prefix },
    onEvent: (event) => {
      if (event.type === 'log-error' && event.fatal) stopped(event.error);
      options.onEvent?.(event);
    },
  });
  await source.start();
  const stop = aborted(options.signal);
  try {
    if (options.untilIdleMs !== undefined) {
      const idle = source.runUntilIdle({ idleMs: options.untilIdleMs });
      idle.catch(() => {}); // when a signal wins the race below, its rejection (stopped before idle) is expected
      const outcome = await Promise.race([idle, stop.then(() => undefined)]);
      if (outcome === undefined) throw new Interrupted(`the ${name} function was stopped before it was idle (${source.stats.delivered.toLocaleString('en')} records delivered; the rest is delivered next time)`);
      return outcome;
    }
    // until the caller aborts, or a partition stops on an error retrying cannot mend
    const fault = await Promise.race([stop, fatal]);
    if (fault !== undefined) throw new PipelineError(`the ${name} function stopped: ${(fault as Error)?.message ?? String(fault)}`, { cause: fault });
    return { ...source.stats };
  } finally {
    await stopWithin(source, options.stopGraceMs ?? 3_000);
  }
}

/** The emulator's retry policy for Lambda's retry attempts (-1: until the batch succeeds), or the emulator's default. */
function retryOf(retries: number | undefined): { retry?: { attempts: number } } {
  if (retries === undefined) return {};
  return { retry: { attempts: retries < 0 ? Number.POSITIVE_INFINITY : retries + 1 } };
}

/**
 * Stops an event source gracefully, but for at most `graceMs`: a handler stuck on a frozen store
 * would otherwise hold the stop (and the process) until its request times out. What is still
 * running then is abandoned uncommitted, as a crash would leave it.
 */
async function stopWithin(source: { stop(): Promise<void>; abort(): void }, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  const outcome = await Promise.race([source.stop(), late]);
  clearTimeout(timer);
  if (outcome === 'late') source.abort();
}

function aborted(signal: AbortSignal | undefined): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
