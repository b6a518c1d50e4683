/**
 * `pipeline consume <topic> [--from-beginning] [--json] [--max N] [--idle-ms T] [--cluster-arn <arn>]`:
 * tails a Kafka topic, every partition at once, printing each record decoded, until Ctrl-C
 * (or `--max` records, or `--idle-ms` without any).
 */
import type { Command } from 'commander';
import type { EventLog, LogRecord } from '../../ports/event-log.js';
import { withClusterArn } from '../kafka-options.js';
import type { CliContext } from '../main.js';
import { parseCount } from '../options.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text when they are UTF-8, else `undefined`. */
function asText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A value decoded for people: parsed JSON when it is JSON, text when it is UTF-8, base64 otherwise. */
type Decoded = { json: unknown } | { text: string } | { base64: string } | null;

function decode(bytes: Uint8Array | null): Decoded {
  if (bytes === null) return null;
  const text = asText(bytes);
  if (text === undefined) return { base64: Buffer.from(bytes).toString('base64') };
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { text };
  }
}

const plain = (decoded: Decoded): string =>
  decoded === null ? 'null' : 'json' in decoded ? JSON.stringify(decoded.json) : 'text' in decoded ? decoded.text : `base64:${decoded.base64}`;

/**
 * One record as one line. Plain: `topic/partition@offset time key=... value`. With `json`: an
 * object with topic, partition, offset, timestamp (ISO-8601), key, headers and value, where the
 * value is the parsed JSON when it parses, the text when it is UTF-8, and `{"base64": ...}`
 * otherwise; the key and headers are text (or `{"base64": ...}`).
 *
 * @example
 * formatRecord(record, { json: true });
 * // {"topic":"sensor_data","partition":1,"offset":42,"timestamp":"2026-01-01T00:00:00.000Z","key":"s-7","headers":{},"value":{"temperature":21.5}}
 */
export function formatRecord(record: LogRecord, options: { readonly json: boolean }): string {
  const value = decode(record.value);
  if (!options.json) {
    const key = record.key === null ? 'null' : (asText(record.key) ?? `base64:${Buffer.from(record.key).toString('base64')}`);
    return `${record.topic}/${record.partition}@${record.offset} ${new Date(record.timestamp).toISOString()} key=${key} ${plain(value)}`;
  }
  const headers: Record<string, unknown> = {};
  for (const [name, bytes] of Object.entries(record.headers)) headers[name] = textOrBase64(bytes);
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key === null ? null : textOrBase64(record.key),
    headers,
    value: value === null ? null : 'json' in value ? value.json : 'text' in value ? value.text : { base64: value.base64 },
  });
}

/** Keys and headers stay text (a key "5524" is not the number 5524); bytes that are not UTF-8 go as base64. */
const textOrBase64 = (bytes: Uint8Array): string | { base64: string } => asText(bytes) ?? { base64: Buffer.from(bytes).toString('base64') };

export interface TailOptions {
  /** Start at each partition's earliest record instead of its end. */
  readonly fromBeginning: boolean;
  /** Stop after this many records. */
  readonly max?: number;
  /** Stop once nothing has arrived for this long. */
  readonly idleMs?: number;
  /** Stops the tail from outside (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** How long one fetch waits at the end of a partition. */
  readonly pollMs?: number;
}

/**
 * Reads every partition of a topic in parallel from its start or end, handing each record to
 * `onRecord`, until `max` records, `idleMs` without any, or the signal. Resolves to the count.
 *
 * @example
 * const count = await tail(log, 'sensor_data', { fromBeginning: true, max: 10 }, (r) => console.log(r.offset));
 */
export async function tail(log: EventLog, topic: string, options: TailOptions, onRecord: (record: LogRecord) => void): Promise<number> {
  const partitions = await log.partitions(topic);
  const positions = await Promise.all(partitions.map(async (p) => (await log.offsets(topic, p))[options.fromBeginning ? 'low' : 'high']));
  const pollMs = options.pollMs ?? 500;
  let count = 0;
  let lastActivity = Date.now();
  const done = (): boolean =>
    options.signal?.aborted === true
    || (options.max !== undefined && count >= options.max)
    || (options.idleMs !== undefined && Date.now() - lastActivity >= options.idleMs);
  await Promise.all(
    partitions.map(async (partition, i) => {
      let offset = positions[i]!;
      while (!done()) {
        const waitMs = options.idleMs === undefined ? pollMs : Math.max(0, Math.min(pollMs, options.idleMs - (Date.now() - lastActivity)));
        const records = await log.fetch(topic, partition, offset, { maxRecords: 500, waitMs });
        for (const record of records) {
          if (done()) return;
          onRecord(record);
          count++;
          offset = record.offset + 1;
          lastActivity = Date.now();
        }
      }
    }),
  );
  return count;
}

/**
 * Adds `consume` to the program.
 *
 * @example
 * register(program, context); // then: pipeline consume sensor_data --from-beginning --json --max 10
 */
export function register(program: Command, context: CliContext): void {
  withClusterArn(
    program
      .command('consume')
      .summary('print the records of a Kafka topic, as they arrive or from the beginning')
      .description('print the records of a Kafka topic, every partition, one line each: from the end (new records as they arrive) or the beginning, until Ctrl-C, --max or --idle-ms')
      .argument('<topic>', 'the topic to read, e.g. sensor_data or customer_updates')
      .option('--from-beginning', 'start at the earliest record of each partition (default: at the end, printing only new records)')
      .option('--json', 'one JSON object per record: topic, partition, offset, timestamp, key, headers, value (default: one line of text per record)')
      .option('--max <n>', 'stop after this many records (default: no limit)', (text: string) => parseCount(text, { min: 1 }))
      .option('--idle-ms <ms>', 'stop once nothing has arrived for this long (default: keep waiting until Ctrl-C)', (text: string) => parseCount(text, { min: 1 })),
  ).action(async (topic: string, options: { fromBeginning?: boolean; json?: boolean; max?: number; idleMs?: number; clusterArn?: string }) => {
    const { openKafkaLog } = await import('../../event-logs.js');
    const log = await openKafkaLog(context.config(), { clusterArn: options.clusterArn }, '`pipeline consume`');
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const count = await tail(log, topic, { ...options, fromBeginning: options.fromBeginning === true, signal: stop.signal }, (record) => {
        context.stdout.write(`${formatRecord(record, { json: options.json === true })}\n`);
      }).catch(async (error: unknown) => {
        const { NotFoundError, PipelineError } = await import('../../errors.js');
        if (!(error instanceof NotFoundError)) throw error;
        const where = log.connection.source === 'KAFKA_BROKERS' ? log.connection.brokers.join(',') : log.connection.source;
        throw new PipelineError(
          `topic ${topic} does not exist on ${where}: \`pipeline topics ensure\` creates the pipeline's topics (SENSOR_TOPIC, CDC_TOPIC), and \`pipeline produce\` creates the one it sends to`,
          { cause: error },
        );
      });
      context.stderr.write(`consumed ${count} record(s) from ${topic}\n`);
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      await log.close();
    }
  });
}
