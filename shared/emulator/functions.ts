/**
 * The Kafka-triggered functions run locally: {@link serveFunction} runs one, as functions/manifest.ts
 * describes it (topic, handler, on-failure destination), under the event-source emulator.
 * `pipeline serve`, `pipeline run` (npm start) and the LocalStack bridge all use it.
 */
import { Functions, KafkaFunctionNames, type KafkaFunctionName } from '../../functions/manifest.js';
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
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
  const { trigger } = Functions[name];
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
    source: {
      eventSource: 'aws:kafka',
      eventSourceArn: config.kafka.clusterArn ?? `arn:aws:kafka:${config.s3.region}:000000000000:cluster/local/pipeline`,
      bootstrapServers: brokers === '' ? 'in-process' : brokers,
    },
    functionArn: `arn:aws:lambda:${config.s3.region}:000000000000:function:pipeline-${name}`,
    onFailure: { store: openStore(config, trigger.onFailure.area), prefix: trigger.onFailure.prefix },
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
