/**
 * `pipeline topics ensure [--cluster-arn <arn>]`: creates the pipeline's topics on Kafka (or MSK)
 * with the partition counts of the configuration, and leaves existing ones alone.
 */
import type { Command } from 'commander';
import type { PipelineConfig } from '../../config.js';
import { NotFoundError } from '../../errors.js';
import type { EventLog } from '../../ports/event-log.js';
import { withClusterArn } from '../kafka-options.js';
import type { CliContext } from '../main.js';

/** A topic the pipeline needs, with the partition count it is created with. */
export interface TopicPlan {
  readonly topic: string;
  readonly partitions: number;
  /** The settings that name it and size it, for messages. */
  readonly settings: string;
}

/** What `ensureTopics` found or did for one topic. */
export type TopicOutcome =
  | { readonly topic: string; readonly action: 'created'; readonly partitions: number }
  | { readonly topic: string; readonly action: 'exists'; readonly partitions: number; readonly wanted: number };

/**
 * The topics of the configuration: the sensor stream and the change events.
 *
 * @example
 * pipelineTopics(loadConfig({})); // [{ topic: 'sensor_data', partitions: 3, ... }, { topic: 'customer_updates', partitions: 3, ... }]
 */
export function pipelineTopics(config: PipelineConfig): TopicPlan[] {
  return [
    { topic: config.kafka.topics.sensor.name, partitions: config.kafka.topics.sensor.partitions, settings: 'SENSOR_TOPIC, SENSOR_PARTITIONS' },
    { topic: config.kafka.topics.cdc.name, partitions: config.kafka.topics.cdc.partitions, settings: 'CDC_TOPIC, CDC_PARTITIONS' },
  ];
}

/**
 * Creates each planned topic that does not exist yet; an existing topic keeps its partitions
 * (Kafka can add partitions but that moves keys, so it is left to an operator).
 *
 * @example
 * await ensureTopics(log, pipelineTopics(config)); // [{ topic: 'sensor_data', action: 'created', partitions: 3 }, ...]
 */
export async function ensureTopics(log: EventLog, plans: readonly TopicPlan[]): Promise<TopicOutcome[]> {
  const outcomes: TopicOutcome[] = [];
  for (const { topic, partitions } of plans) {
    const before = await log.partitions(topic).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (before === undefined) {
      await log.ensureTopic(topic, partitions);
      outcomes.push({ topic, action: 'created', partitions: (await log.partitions(topic)).length });
    } else {
      outcomes.push({ topic, action: 'exists', partitions: before.length, wanted: partitions });
    }
  }
  return outcomes;
}

/**
 * Adds `topics ensure` to the program.
 *
 * @example
 * register(program, context); // then: pipeline topics ensure --cluster-arn arn:aws:kafka:...
 */
export function register(program: Command, context: CliContext): void {
  const topics = program
    .command('topics')
    .description("create the pipeline's Kafka topics: the sensor readings (SENSOR_TOPIC) and the customer change events (CDC_TOPIC)")
    .exitOverride();
  withClusterArn(
    topics
      .command('ensure')
      .description('create the topics that do not exist yet, with the configured partitions (SENSOR_PARTITIONS, CDC_PARTITIONS; default 3 each); existing topics are left as they are'),
  ).action(async (options: { clusterArn?: string }) => {
    const { openKafkaLog } = await import('../../event-logs.js');
    const config = context.config();
    const log = await openKafkaLog(config, { clusterArn: options.clusterArn }, '`pipeline topics ensure`');
    try {
      const plans = pipelineTopics(config);
      const outcomes = await ensureTopics(log, plans);
      const where = log.connection.source === 'KAFKA_BROKERS' ? log.connection.brokers.join(',') : log.connection.source;
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.action === 'created') {
          context.stdout.write(`created ${outcome.topic} with ${outcome.partitions} partition(s) on ${where}\n`);
        } else {
          const note = outcome.partitions === outcome.wanted ? '' : ` (the configuration asks for ${outcome.wanted}, see ${plans[i]!.settings}; left as it is)`;
          context.stdout.write(`${outcome.topic} exists with ${outcome.partitions} partition(s) on ${where}${note}\n`);
        }
      }
    } finally {
      await log.close();
    }
  });
}
