/**
 * `pipeline serve <function>`: runs a Kafka-triggered function locally under the event-source
 * emulator (shared/emulator), with the same handler Lambda runs, against the configured Kafka.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { PipelineConfig } from '../../config.js';
import { PipelineError } from '../../errors.js';
import type { EventSourceEvent, EventSourceStats, KafkaHandler } from '../../emulator/index.js';
import type { EventLog } from '../../ports/event-log.js';
import type { Area } from '../../stores.js';
import type { CliContext } from '../main.js';
import { parseCount } from '../options.js';
import { openLog } from './produce.js';

/** A Kafka-triggered function: its topic, its handler (loaded on demand) and its failure destination. */
export interface KafkaFunction {
  readonly topic: (config: PipelineConfig) => { name: string; partitions: number };
  /** The module path of the handler, relative to this file, exporting `handler`. */
  readonly module: string;
  readonly source: string;
  readonly onFailure: { readonly area: Area; readonly prefix: string };
}

/** The functions `serve` knows, by name. */
export const KafkaFunctions = {
  stream: {
    topic: (config) => ({ name: config.kafka.sensorTopic, partitions: config.kafka.sensorPartitions }),
    module: '../../../functions/stream/handler.js',
    source: 'functions/stream/handler.ts',
    onFailure: { area: 'results', prefix: 'results/stream/on-failure/' },
  },
  cdc: {
    topic: (config) => ({ name: config.kafka.cdcTopic, partitions: config.kafka.cdcPartitions }),
    module: '../../../functions/cdc/handler.js',
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
  const { createEventSource } = await import('../../emulator/index.js');
  const { openStore } = await import('../../stores.js');
  const fn: KafkaFunction = KafkaFunctions[name];
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
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  await source.start();
  try {
    if (options.untilIdleMs !== undefined) return await source.runUntilIdle({ idleMs: options.untilIdleMs });
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    return { ...source.stats };
  } finally {
    await source.stop();
  }
}

interface ServeCliOptions {
  untilIdle?: boolean;
  idleMs: number;
  batchSize?: number;
  windowMs?: number;
  group?: string;
  from?: 'earliest' | 'latest';
  clusterArn?: string;
}

/**
 * Adds `serve <stream|cdc>` to the program.
 *
 * @example
 * register(program, context); // then: pipeline serve stream --until-idle
 */
export function register(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description("run a Kafka-triggered function locally under Lambda's event-source semantics (KAFKA_BROKERS or --cluster-arn)")
    .argument('<function>', `the function: ${Object.keys(KafkaFunctions).join(' or ')}`, (text: string) => {
      if (!(text in KafkaFunctions)) throw new InvalidArgumentError(`expected ${Object.keys(KafkaFunctions).join(' or ')}, got '${text}'.`);
      return text as KafkaFunctionName;
    })
    .option('--until-idle', 'exit 0 once every partition is caught up and nothing arrived for --idle-ms')
    .option('--idle-ms <ms>', 'quiet time that counts as idle', (text: string) => parseCount(text, { min: 1 }), 3000)
    .option('--batch-size <n>', 'records per invocation, 1 to 10,000 (default 100)', (text: string) => parseCount(text, { min: 1 }))
    .option('--window-ms <ms>', 'maximum batching window (default 500)', (text: string) => parseCount(text))
    .option('--group <id>', 'consumer group (default pipeline-<function>)')
    .option('--from <where>', 'where a new consumer group starts: earliest or latest', (text: string) => {
      if (text !== 'earliest' && text !== 'latest') throw new InvalidArgumentError(`expected earliest or latest, got '${text}'.`);
      return text;
    })
    .option('--cluster-arn <arn>', 'an MSK cluster to find the brokers of (default MSK_CLUSTER_ARN)')
    .action(async (name: KafkaFunctionName, options: ServeCliOptions) => {
      const config = context.config();
      const handler = await loadHandler(name, config);
      const log = await openLog(config, options.clusterArn, `pipeline serve ${name}`);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const err = context.stderr;
      const started = performance.now();
      const counts: EventSourceStats = { invocations: 0, errors: 0, delivered: 0, failed: 0, commits: 0 };
      const ticker = setInterval(() => err.write(`${name}: ${describe(counts)}\n`), 5_000);
      try {
        const stats = await serveFunction(name, log, config, {
          handler,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          ...(options.windowMs === undefined ? {} : { maxBatchingWindowMs: options.windowMs }),
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(options.from === undefined ? {} : { startingPosition: options.from === 'latest' ? 'LATEST' : 'TRIM_HORIZON' }),
          ...(options.untilIdle ? { untilIdleMs: options.idleMs } : {}),
          signal: stop.signal,
          onEvent: (event) => {
            if (event.type === 'invoke') counts.invocations++;
            else if (event.type === 'success') counts.delivered += event.records;
            else if (event.type === 'error') {
              counts.errors++;
              err.write(`${name}: ${event.partition}@${event.firstOffset}-${event.lastOffset} attempt ${event.attempt} failed: ${(event.error as Error)?.message ?? event.error}\n`);
            } else if (event.type === 'failure') {
              counts.failed += event.lastOffset - event.firstOffset + 1;
              err.write(`${name}: gave up on ${event.partition}@${event.firstOffset}-${event.lastOffset} (${event.condition}); invocation record: ${event.key ?? 'none'}\n`);
            } else if (event.type === 'log-error') {
              err.write(`${name}: partition ${event.partition}: ${(event.error as Error)?.message ?? event.error}${event.fatal ? ' (stopped)' : ' (retrying)'}\n`);
            }
          },
        });
        const seconds = (performance.now() - started) / 1000;
        context.stdout.write(`${name}: ${describe(stats)} in ${seconds.toFixed(1)} s\n`);
      } finally {
        clearInterval(ticker);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await log.close();
      }
    });
}

function describe(stats: EventSourceStats): string {
  return `${stats.delivered.toLocaleString('en')} records delivered in ${stats.invocations.toLocaleString('en')} invocations, ${stats.errors} errors, ${stats.failed} records given up`;
}
