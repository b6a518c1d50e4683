/**
 * The option every Kafka-facing command shares (`topics ensure`, `consume`, `produce`):
 * `--cluster-arn <arn>` to reach an MSK cluster instead of KAFKA_BROKERS.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { regionOfClusterArn } from '../adapters/msk.js';

/**
 * Checks an MSK cluster ARN given on the command line; commander prints a bad one as a usage error.
 *
 * @example
 * parseClusterArn('arn:aws:kafka:us-east-1:123456789012:cluster/pipeline/uuid-1'); // the same text
 */
export function parseClusterArn(text: string): string {
  try {
    regionOfClusterArn(text, '--cluster-arn');
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  return text.trim();
}

/**
 * Adds `--cluster-arn <arn>` to a command; the action receives it as `options.clusterArn`.
 *
 * @example
 * withClusterArn(program.command('consume')).action(async (topic, options) => openKafkaLog(config, options, 'consume'));
 */
export function withClusterArn(command: Command): Command {
  return command.option(
    '--cluster-arn <arn>',
    'an MSK cluster to use instead of KAFKA_BROKERS; its brokers come from GetBootstrapBrokers, over TLS with IAM auth (default: MSK_CLUSTER_ARN)',
    parseClusterArn,
  );
}
