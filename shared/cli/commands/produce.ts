/**
 * `pipeline produce <source>`: writes synthetic events to a Kafka topic. `produce sensors` writes
 * readings to `sensor_data` (data/generators/sensors.ts). Each source is a subcommand of
 * `produce`; add one by registering it on {@link produceCommand}.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { PipelineConfig } from '../../config.js';
import type { EventLog } from '../../ports/event-log.js';
import { produceMessages } from '../../producer.js';
import { withClusterArn } from '../kafka-options.js';
import type { CliContext } from '../main.js';
import { parseCount, parseSeed } from '../options.js';

/**
 * The `produce` command, created on first use, so that another module can add its own source as
 * a subcommand beside `sensors`.
 *
 * @example
 * produceCommand(program).command('cdc').description('change events').action(...);
 */
export function produceCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'produce')
    ?? program
      .command('produce')
      .description('send generated events to Kafka for the functions to consume: sensor readings for stream, customer change events for cdc (KAFKA_BROKERS or --cluster-arn)')
      .exitOverride()
  );
}

interface SensorsOptions {
  sensors: number;
  rate?: number;
  count?: number;
  duration?: number;
  badRatio: number;
  seed: number;
  start?: number;
  topic?: string;
  clusterArn?: string;
}

/**
 * Adds `produce sensors` to the program.
 *
 * @example
 * register(program, context); // then: pipeline produce sensors --count 10k --bad-ratio 0.01
 */
export function register(program: Command, context: CliContext): void {
  const sensors = produceCommand(program)
    .command('sensors')
    .description('sensor readings (temperature, humidity, pressure, battery) keyed by sensorId, to SENSOR_TOPIC, for the stream function')
    .option('--sensors <k>', 'number of sensors (keys)', (text: string) => parseCount(text, { min: 1 }), 10)
    .option('--rate <r>', 'messages per second; event time advances at the same pace (default: as fast as the broker takes them)', parsePositive)
    .option('--count <n>', 'messages to send, e.g. 1000, 100k (default: 1000, or no limit with --duration)', (text: string) => parseCount(text, { min: 1 }))
    .option('--duration <s>', 'send for this many seconds instead of a count (default: until --count are sent)', parsePositive)
    .option('--bad-ratio <p>', 'share of malformed messages, 0 to 1', parseRatio, 0)
    .option('--seed <n>', 'the same seed sends the same readings', parseSeed, 1)
    .option('--start <time>', 'event time of the first reading, ISO-8601 or epoch ms (default: now)', parseTime)
    .option('--topic <name>', 'the topic (default: SENSOR_TOPIC, else sensor_data)');
  withClusterArn(sensors)
    .action(async (options: SensorsOptions) => {
      if (options.count !== undefined && options.duration !== undefined) throw new InvalidArgumentError('give --count or --duration, not both.');
      const config = context.config();
      const { sensorMessages } = await import('../../../data/generators/sensors.js');
      const topic = options.topic ?? config.kafka.topics.sensor.name;
      const log = await openLog(config, options.clusterArn, 'pipeline produce');
      try {
        await log.ensureTopic(topic, config.kafka.topics.sensor.partitions);
        let bad = 0;
        const messages = sensorMessages({
          sensors: options.sensors,
          count: options.count ?? (options.duration === undefined ? 1000 : Number.POSITIVE_INFINITY),
          seed: options.seed,
          badRatio: options.badRatio,
          start: options.start ?? Date.now(),
          ...(options.rate === undefined ? {} : { intervalMs: 1000 / options.rate }),
        });
        const outgoing = (function* () {
          for (const m of messages) {
            if (m.bad !== undefined) bad++;
            yield { key: m.key, value: m.value };
          }
        })();
        const { sent, seconds } = await produceMessages(log, topic, outgoing, {
          rate: options.rate,
          durationMs: options.duration === undefined ? undefined : options.duration * 1000,
        });
        context.stdout.write(
          `produced ${sent.toLocaleString('en')} readings (${bad.toLocaleString('en')} malformed) from ${options.sensors} sensors to ${topic} `
          + `in ${seconds.toFixed(1)} s (${Math.round(sent / Math.max(seconds, 1e-3)).toLocaleString('en')} msg/s)\n`,
        );
      } finally {
        await log.close();
      }
    });
}

/** The configured Kafka (this command makes no sense on the in-process log, which dies with it). */
export async function openLog(config: PipelineConfig, clusterArn: string | undefined, purpose: string): Promise<EventLog> {
  const { openKafkaLog } = await import('../../event-logs.js');
  return openKafkaLog(config, clusterArn === undefined ? {} : { clusterArn }, purpose);
}

/** Parses a positive number (commander option parser). */
export function parsePositive(text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a positive number, got '${text}'.`);
  return value;
}

function parseRatio(text: string): number {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new InvalidArgumentError(`expected a number from 0 to 1, got '${text}'.`);
  return value;
}

/** Parses an ISO-8601 time or epoch milliseconds (commander option parser). */
export function parseTime(text: string): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`expected an ISO-8601 time or epoch milliseconds, got '${text}'.`);
  return value;
}
