/**
 * `pipeline produce cdc`: writes Debezium-style change events for the customers of a cleaned
 * table to CDC_TOPIC (data/generators/cdc.ts): a snapshot, then inserts, updates and deletes.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { withClusterArn } from '../kafka-options.js';
import type { CliContext } from '../main.js';
import { parseCount, parseSeed } from '../options.js';
import { produceMessages } from '../../producer.js';
import { openLog, parsePositive, produceCommand } from './produce.js';

interface ProduceCdcOptions {
  from?: string;
  dataset?: string;
  count: number;
  updateRatio: number;
  deleteRatio: number;
  duplicateRatio: number;
  beforeRatio: number;
  badRatio: number;
  snapshot: boolean;
  seed: number;
  rate?: number;
  topic?: string;
  clusterArn?: string;
}

const ratio = (text: string): number => {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new InvalidArgumentError(`expected a number from 0 to 1, got '${text}'.`);
  return value;
};

/**
 * Adds `produce cdc` to the program.
 *
 * @example
 * register(program, context); // then: pipeline produce cdc --dataset marketing-10k --count 5000
 */
export function register(program: Command, context: CliContext): void {
  const cdc = produceCommand(program)
    .command('cdc')
    .description(
      'customer change events in Debezium\'s envelope, keyed by ID, to CDC_TOPIC, for the cdc function: a snapshot of every customer of a cleaned table, '
      + 'then inserts of new customers, updates and deletes',
    )
    .option('--dataset <name>', 'a cleaned dataset of the configured store, processed/<name>/latest.json (default: the newest)')
    .option('--from <cleaned>', 'cleaned.csv or cleaned.parquet, a path or s3://bucket/key (default: the dataset of --dataset)')
    .option('--count <n>', 'changes after the snapshot, e.g. 5000, 100k', (text: string) => parseCount(text), 1000)
    .option('--update-ratio <u>', 'share of changes that update a customer', ratio, 0.3)
    .option('--delete-ratio <d>', 'share of changes that delete one (the rest insert new customers)', ratio, 0.1)
    .option('--duplicate-ratio <p>', 'share of messages sent twice, as at-least-once delivery does', ratio, 0)
    .option('--before-ratio <b>', 'share of updates and deletes with a full before image', ratio, 0.5)
    .option('--bad-ratio <p>', 'share of malformed messages', ratio, 0)
    .option('--no-snapshot', 'skip the snapshot (op r) of the table (default: send it first)')
    .option('--seed <n>', 'the same seed sends the same events', parseSeed, 1)
    .option('--rate <r>', 'messages per second (default: as fast as the broker takes them)', parsePositive)
    .option('--topic <name>', 'the topic (default: CDC_TOPIC, else customer_updates)');
  withClusterArn(cdc)
    .action(async (options: ProduceCdcOptions) => {
      if (options.updateRatio + options.deleteRatio > 1) throw new InvalidArgumentError('--update-ratio and --delete-ratio add up to more than 1.');
      const config = context.config();
      if (options.from !== undefined && options.dataset !== undefined) throw new InvalidArgumentError('give --dataset <name> or --from <cleaned>, not both.');
      const [{ cdcMessages }, { readCustomers }, { readCleaned }] = await Promise.all([import('../../../data/generators/cdc.js'), import('../../cdc/customers.js'), import('../datasets.js')]);
      const { bytes, name } = await readCleaned(config, options);
      const customers = await readCustomers(bytes, name);
      const topic = options.topic ?? config.kafka.topics.cdc.name;
      const counts: Record<string, number> = {};
      const outgoing = (function* () {
        for (const m of cdcMessages({ ...options, customers })) {
          const kind = m.duplicate ? 'duplicate' : m.kind;
          counts[kind] = (counts[kind] ?? 0) + 1;
          yield { key: m.key, value: m.value };
        }
      })();
      const log = await openLog(config, options.clusterArn, 'pipeline produce');
      try {
        await log.ensureTopic(topic, config.kafka.topics.cdc.partitions);
        const { sent, seconds } = await produceMessages(log, topic, outgoing, { rate: options.rate });
        const parts = Object.entries({ r: 'snapshot', c: 'inserts', u: 'updates', d: 'deletes', duplicate: 'duplicates', bad: 'malformed' })
          .filter(([k]) => counts[k])
          .map(([k, label]) => `${counts[k]!.toLocaleString('en')} ${label}`);
        context.stdout.write(
          `produced ${sent.toLocaleString('en')} change events (${parts.join(', ')}) for ${customers.length.toLocaleString('en')} customers of ${name} to ${topic} `
          + `in ${seconds.toFixed(1)} s (${Math.round(sent / Math.max(seconds, 1e-3)).toLocaleString('en')} msg/s)\n`,
        );
      } finally {
        await log.close();
      }
    });
}
