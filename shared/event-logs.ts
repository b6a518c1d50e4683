import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { PipelineConfig } from './config.js';
import { ConfigError } from './errors.js';
import type { KafkaLogOptions } from './adapters/kafka-log.js';
import { mskConnection, type KafkaConnection } from './adapters/msk.js';
import type { EventLog } from './ports/event-log.js';

export interface OpenEventLogOptions {
  /** An MSK cluster to use instead of `MSK_CLUSTER_ARN` (the `--cluster-arn` option). */
  readonly clusterArn?: string;
  /** Settings of the Kafka client (timeouts, kafkajs logging). */
  readonly kafka?: KafkaLogOptions;
  /** The MSK control-plane client for GetBootstrapBrokers; defaults to one in the cluster's region. */
  readonly mskClient?: Pick<KafkaClient, 'send'>;
}

/**
 * The event log the configuration points at: Kafka when brokers (`KAFKA_BROKERS`) or an MSK
 * cluster (`--cluster-arn`, `MSK_CLUSTER_ARN`) are configured, else the in-process log (the
 * embedded default of `npm start`). kafkajs is loaded only when Kafka is used.
 *
 * @example
 * const log = await openEventLog(loadConfig(process.env));
 * await log.ensureTopic(config.kafka.topics.sensor.name, config.kafka.topics.sensor.partitions);
 */
export async function openEventLog(config: PipelineConfig, options: OpenEventLogOptions = {}): Promise<EventLog> {
  const connection = await kafkaConnection(config, { clusterArn: options.clusterArn, client: options.mskClient });
  if (connection === undefined) {
    const { MemoryLog } = await import('./adapters/memory-log.js');
    return new MemoryLog();
  }
  return openKafka(connection, options);
}

/**
 * Kafka, for commands that make no sense on the in-process log (it lives and dies with one
 * process): throws a {@link ConfigError} naming what to set when neither brokers nor a cluster
 * ARN is configured.
 *
 * @example
 * const log = await openKafkaLog(config, { clusterArn }, 'pipeline consume');
 */
export async function openKafkaLog(config: PipelineConfig, options: OpenEventLogOptions, purpose: string): Promise<EventLog & { readonly connection: KafkaConnection }> {
  const connection = await kafkaConnection(config, { clusterArn: options.clusterArn, client: options.mskClient });
  if (connection === undefined) {
    throw new ConfigError(
      'KAFKA_BROKERS',
      `(or --cluster-arn / MSK_CLUSTER_ARN) is required by ${purpose}: the in-process log lives only inside one process. Start a broker with \`npm run kafka:start\` and set KAFKA_BROKERS=localhost:9092`,
    );
  }
  return openKafka(connection, options);
}

async function openKafka(connection: KafkaConnection, options: OpenEventLogOptions) {
  const { KafkaLog } = await import('./adapters/kafka-log.js');
  return new KafkaLog(connection, options.kafka);
}

/**
 * How to reach Kafka under `config`, or `undefined` for the in-process log: a cluster ARN
 * (`--cluster-arn`, else `MSK_CLUSTER_ARN`) is looked up with GetBootstrapBrokers; otherwise
 * `KAFKA_BROKERS` is used as is, with TLS + IAM when `KAFKA_AUTH=aws-iam` (signed for `AWS_REGION`).
 *
 * @example
 * const connection = await kafkaConnection(loadConfig(process.env), { clusterArn: options.clusterArn });
 */
export async function kafkaConnection(
  config: PipelineConfig,
  options: { readonly clusterArn?: string; readonly client?: Pick<KafkaClient, 'send'> } = {},
): Promise<KafkaConnection | undefined> {
  const clusterArn = options.clusterArn ?? config.kafka.clusterArn;
  const clientId = config.kafka.clientId;
  if (clusterArn !== undefined) return mskConnection(clusterArn, { clientId, client: options.client });
  if (config.kafka.brokers.length === 0) return undefined;
  const iam = config.kafka.auth === 'aws-iam';
  return {
    brokers: config.kafka.brokers,
    clientId,
    ssl: iam,
    ...(iam ? { sasl: { mechanism: 'aws-iam', region: config.s3.region } as const } : {}),
    source: 'KAFKA_BROKERS',
  };
}

/**
 * The identity (shared/names.ts, `logIdOf`) of the event log the configuration points at, for
 * readers that pick one log's results among several: an MSK cluster's from its ARN; another
 * Kafka cluster's from the brokers (one short request); `in-process.` (any in-process log's: only
 * the last `npm start`'s is kept) when no Kafka is configured; undefined when the brokers do not
 * answer (the reader then needs `--log`).
 *
 * @example
 * const preferred = await configuredLogId(loadConfig(process.env)); // 'kafka.4L6g3nShT-eMCtK--X86sw'
 */
/**
 * An event log's identity as results name their source (shared/names.ts): `kafka.<cluster id>`
 * for a broker, `in-process.<id>` for the in-process log.
 *
 * @example
 * const logId = await logIdentity(log); // 'kafka.4L6g3nShT-eMCtK--X86sw'
 */
export async function logIdentity(log: EventLog): Promise<string> {
  const { logIdOf } = await import('./names.js');
  return logIdOf({ eventSource: 'aws:kafka', eventSourceArn: await log.identity() });
}

export async function configuredLogId(config: PipelineConfig, options: { readonly clusterArn?: string } = {}): Promise<string | undefined> {
  const { IN_PROCESS_LOG, logIdOf } = await import('./names.js');
  const clusterArn = options.clusterArn ?? config.kafka.clusterArn;
  if (clusterArn !== undefined) return logIdOf({ eventSource: 'aws:kafka', eventSourceArn: clusterArn });
  if (config.kafka.brokers.length === 0) return `${IN_PROCESS_LOG}.`;
  const log = await openEventLog(config, { kafka: { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 } });
  try {
    return await logIdentity(log);
  } catch {
    return undefined;
  } finally {
    await log.close().catch(() => undefined);
  }
}
