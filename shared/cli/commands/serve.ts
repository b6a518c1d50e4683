/**
 * `pipeline serve <function>`: runs a Kafka-triggered function locally under the event-source
 * emulator (shared/emulator), with the same handler Lambda runs, against the configured Kafka.
 */
import { constants } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { Interrupted } from '../../errors.js';
import type { EventSourceStats } from '../../emulator/index.js';
import { KafkaFunctionNames, loadHandler, serveFunction, type KafkaFunctionName } from '../../emulator/functions.js';
import { withClusterArn } from '../kafka-options.js';
import type { CliContext } from '../main.js';
import { parseCount } from '../options.js';
import { openLog } from './produce.js';

interface ServeCliOptions {
  untilIdle?: boolean;
  idleMs: number;
  batchSize?: number;
  windowMs?: number;
  group?: string;
  from?: 'earliest' | 'latest';
  clusterArn?: string;
  retryAttempts?: number;
}

/**
 * Adds `serve <stream|cdc>` to the program.
 *
 * @example
 * register(program, context); // then: pipeline serve stream --until-idle
 */
export function register(program: Command, context: CliContext): void {
  const serve = program
    .command('serve')
    .summary('run the stream or cdc function over its Kafka topic on this machine, as its Lambda trigger would')
    .description(
      'run the stream or cdc function on this machine over its Kafka topic, as its Lambda trigger would: batches per partition, '
      + 'offsets committed after each batch, failed batches retried and bisected (KAFKA_BROKERS or --cluster-arn)',
    )
    .argument('<function>', `the function: ${KafkaFunctionNames.join(' or ')}`, (text: string) => {
      if (!(KafkaFunctionNames as readonly string[]).includes(text)) throw new InvalidArgumentError(`expected ${KafkaFunctionNames.join(' or ')}, got '${text}'.`);
      return text as KafkaFunctionName;
    })
    .option('--until-idle', 'exit 0 once every partition is caught up and nothing arrived for --idle-ms (default: serve until Ctrl-C)')
    .option('--idle-ms <ms>', 'quiet time that counts as idle', (text: string) => parseCount(text, { min: 1 }), 3000)
    .option('--batch-size <n>', "records per invocation, 1 to 10,000 (default: 100, Lambda's default)", (text: string) => parseCount(text, { min: 1 }))
    .option('--window-ms <ms>', 'longest wait to fill a batch (default: 500)', (text: string) => parseCount(text))
    .option('--group <id>', 'consumer group, whose committed offsets say where to go on (default: pipeline-<function>)')
    .option('--from <where>', 'where a new consumer group starts: earliest or latest (default: earliest)', (text: string) => {
      if (text !== 'earliest' && text !== 'latest') throw new InvalidArgumentError(`expected earliest or latest, got '${text}'.`);
      return text;
    })
    .option('--retry-attempts <n>', "retries of a failing batch before it is given up, -1 for never (default: the function's; cdc never gives a batch up)", (text: string) => {
      if (!/^(-1|\d+)$/.test(text.trim())) throw new InvalidArgumentError(`expected -1 or a whole number, got '${text}'.`);
      return Number(text);
    });
  withClusterArn(serve)
    .action(async (name: KafkaFunctionName, options: ServeCliOptions) => {
      const config = context.config();
      const handler = await loadHandler(name, config);
      const log = await openLog(config, options.clusterArn, `pipeline serve ${name}`);
      const stop = new AbortController();
      let signal: NodeJS.Signals | undefined;
      const onSignal = (received: NodeJS.Signals) => {
        // a second signal: the user does not want to wait for the batches in flight
        if (signal !== undefined) process.exit(128 + (constants.signals[received] ?? 2));
        signal = received;
        context.stderr.write(`${name}: ${received}: stopping (batches with the function finish and commit; the rest is delivered next time)\n`);
        stop.abort();
        // whatever still holds the process (a request to a frozen server) does not keep it alive for long
        setTimeout(() => process.exit(), 5_000).unref();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const err = context.stderr;
      const started = performance.now();
      const counts: EventSourceStats = { invocations: 0, errors: 0, delivered: 0, failed: 0, commits: 0 };
      // invocations under way, by batch: one stuck on a frozen store is reported before its request times out
      const underWay = new Map<string, number>();
      const ticker = setInterval(() => err.write(`${name}: ${describe(counts)}${stuck(underWay, performance.now())}\n`), 5_000);
      try {
        const stats = await serveFunction(name, log, config, {
          handler,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          ...(options.windowMs === undefined ? {} : { maxBatchingWindowMs: options.windowMs }),
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(options.from === undefined ? {} : { startingPosition: options.from === 'latest' ? 'LATEST' : 'TRIM_HORIZON' }),
          ...(options.untilIdle ? { untilIdleMs: options.idleMs } : {}),
          ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
          signal: stop.signal,
          onEvent: (event) => {
            const batch = 'firstOffset' in event ? `${event.partition}@${event.firstOffset}-${event.lastOffset}` : '';
            if (event.type === 'invoke') {
              counts.invocations++;
              underWay.set(batch, performance.now());
            } else if (event.type === 'success') {
              counts.delivered += event.records;
              underWay.delete(batch);
            } else if (event.type === 'error') {
              underWay.delete(batch);
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
        context.stdout.write(`${name}: ${describe(stats)} in ${seconds.toFixed(1)} s${signal === undefined ? '' : ` (stopped by ${signal})`}\n`);
      } catch (error) {
        if (error instanceof Interrupted && signal !== undefined) throw new Interrupted(`${error.message} (${signal})`, 128 + (constants.signals[signal] ?? 2));
        throw error;
      } finally {
        clearInterval(ticker);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await Promise.race([log.close(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      }
    });
}

/** `; 2 invocations under way for over 5 s (the longest: 0@100-199, for 12 s)`, or nothing. */
function stuck(underWay: ReadonlyMap<string, number>, now: number): string {
  let count = 0;
  let longest: [string, number] | undefined;
  for (const [batch, since] of underWay) {
    if (now - since < 5_000) continue;
    count++;
    if (longest === undefined || since < longest[1]) longest = [batch, since];
  }
  if (longest === undefined) return '';
  return `; ${count} invocation${count === 1 ? '' : 's'} under way for over 5 s (the longest: ${longest[0]}, for ${Math.round((now - longest[1]) / 1000)} s)`;
}

function describe(stats: EventSourceStats): string {
  return `${stats.delivered.toLocaleString('en')} records delivered in ${stats.invocations.toLocaleString('en')} invocations, ${stats.errors} errors, ${stats.failed} records given up`;
}
