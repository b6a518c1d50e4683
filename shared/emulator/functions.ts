/**
 * The Kafka-triggered functions run locally: each one's topic, handler and on-failure destination,
 * and {@link serveFunction}, which runs one under the event-source emulator. `pipeline serve`,
 * `pipeline run` (npm start) and the LocalStack bridge all use it.
 */
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import type { EventLog } from '../ports/event-log.js';
import type { Area } from '../stores.js';
import type { EventSourceEvent, EventSourceStats, KafkaHandler } from './event-source.js';

/** A Kafka-triggered function: its topic, its handler (loaded on demand) and its failure destination. */
export interface KafkaFunction {
  readonly topic: (config: PipelineConfig) => { name: string; partitions: number };
  /** The module path of the handler, relative to this file, exporting `handler`. */
  readonly module: string;
  readonly source: string;
  readonly onFailure: { readonly area: Area; readonly prefix: string };
}

/** The Kafka-triggered functions, by name. */
export const KafkaFunctions = {
  stream: {
    topic: (config) => ({ name: config.kafka.topics.sensor.name, partitions: config.kafka.topics.sensor.partitions }),
    module: '../../functions/stream/handler.js',
    source: 'functions/stream/handler.ts',
    onFailure: { area: 'results', prefix: 'results/stream/on-failure/' },
  },
  cdc: {
    topic: (config) => ({ name: config.kafka.topics.cdc.name, partitions: config.kafka.topics.cdc.partitions }),
    module: '../../functions/cdc/handler.js',
    source: 'functions/cdc/handler.ts',
    onFailure: { area: 'results', prefix: 'results/cdc/on-failure/' },
  },
} as const satisfies Record<string, KafkaFunction>;
export type KafkaFunctionName = keyof typeof KafkaFunctions;

/**
 * Loads a function's handler lazily (the CDC function may not be there at all): the module's
 * `handler`, configured from the environment as on Lambda, or, given a configuration and when the
 * module offers it, the same handler built by its `handlerFor(config)`.
 *
 * @example
 * const handler = await loadHandler('stream');
 */
export async function loadHandler(name: KafkaFunctionName, config?: PipelineConfig): Promise<KafkaHandler> {
  const fn: KafkaFunction = KafkaFunctions[name];
  let module: { handler?: unknown; handlerFor?: unknown };
  try {
    module = (await import(fn.module)) as typeof module;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(fn.source.replace(/\.ts$/, ''))) {
      throw new PipelineError(`the ${name} function is not there: ${fn.source} does not exist`, { cause: error });
    }
    throw error;
  }
  if (config !== undefined && typeof module.handlerFor === 'function') return (module.handlerFor as (c: PipelineConfig) => KafkaHandler)(config);
  if (typeof module.handler !== 'function') throw new PipelineError(`${fn.source} does not export a function named handler`);
  return module.handler as KafkaHandler;
}

export interface ServeOptions {
  readonly batchSize?: number;
  readonly maxBatchingWindowMs?: number;
  readonly group?: string;
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Resolve once idle for this long (then stop); undefined: run until `signal` aborts. */
  readonly untilIdleMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: EventSourceEvent) => void;
  readonly handler?: KafkaHandler;
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
  const fn: KafkaFunction = KafkaFunctions[name];
  let stopped: (error: unknown) => void = () => {};
  const fatal = new Promise<unknown>((resolve) => (stopped = (error) => resolve(error ?? new Error('unknown error'))));
  const topic = fn.topic(config);
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
    source: {
      eventSource: 'aws:kafka',
      eventSourceArn: config.kafka.clusterArn ?? `arn:aws:kafka:${config.s3.region}:000000000000:cluster/local/pipeline`,
      bootstrapServers: brokers === '' ? 'in-process' : brokers,
    },
    functionArn: `arn:aws:lambda:${config.s3.region}:000000000000:function:pipeline-${name}`,
    onFailure: { store: openStore(config, fn.onFailure.area), prefix: fn.onFailure.prefix },
    onEvent: (event) => {
      if (event.type === 'log-error' && event.fatal) stopped(event.error);
      options.onEvent?.(event);
    },
  });
  await source.start();
  try {
    if (options.untilIdleMs !== undefined) return await source.runUntilIdle({ idleMs: options.untilIdleMs });
    // until the caller aborts, or a partition stops on an error retrying cannot mend
    const fault = await Promise.race([aborted(options.signal), fatal]);
    if (fault !== undefined) throw new PipelineError(`the ${name} function stopped: ${(fault as Error)?.message ?? String(fault)}`, { cause: fault });
    return { ...source.stats };
  } finally {
    await source.stop();
  }
}

function aborted(signal: AbortSignal | undefined): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
