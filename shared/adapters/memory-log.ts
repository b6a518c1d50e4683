import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { NotFoundError, PipelineError } from '../errors.js';
import { checkTopic, IN_PROCESS_LOG } from '../names.js';
import type { EventLog, FetchOptions, LogRecord, OutgoingMessage, ProducedRecord } from '../ports/event-log.js';
import { createPartitioner, type Partitioner } from './partitioner.js';

const encoder = new TextEncoder();
const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? encoder.encode(data) : data);

interface Partition {
  readonly records: LogRecord[];
  /** Fetches waiting for the next record; each is woken once. */
  readonly waiters: Set<() => void>;
}

export interface MemoryLogOptions {
  /** Epoch milliseconds for records produced without a timestamp; defaults to `Date.now`. */
  readonly now?: () => number;
  /** Places records without an explicit partition; defaults to Kafka's default partitioner. */
  readonly partitioner?: Partitioner;
  /** What a waiting fetch waits on; default real time (a timer cleared when a record arrives). */
  readonly clock?: Clock;
}

/**
 * The {@link EventLog} in process: the embedded default of `npm start`, with Kafka's semantics
 * where the pipeline relies on them: topics of fixed partitions, offsets from 0 within a
 * partition, keys placed by Kafka's default partitioner (so the same key lands on the same
 * partition here and on a broker), committed offsets per consumer group, and fetches that wait
 * (up to `waitMs`) for a record to be produced. Nothing is persisted; records live as long as the
 * object.
 *
 * @example
 * const log = new MemoryLog();
 * await log.ensureTopic('sensor_data', 3);
 * const [{ partition, offset }] = await log.produce('sensor_data', [{ key: 's-1', value: '{}' }]);
 * await log.fetch('sensor_data', partition, offset, { maxRecords: 10 }); // [ the record ]
 */
export class MemoryLog implements EventLog {
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, number>();
  private readonly now: () => number;
  private readonly partitioner: Partitioner;
  private readonly clock: Clock | undefined;
  private closed = false;
  /** This log's own identity: a log that dies with its process is never another run's. */
  private readonly id = randomBytes(6).toString('hex');

  constructor(options: MemoryLogOptions = {}) {
    this.now = options.now ?? Date.now;
    this.partitioner = options.partitioner ?? createPartitioner();
    this.clock = options.clock;
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    this.open();
    checkTopic(topic);
    if (!Number.isInteger(partitions) || partitions < 1) throw new PipelineError(`topic ${topic}: partitions must be a positive integer, got ${partitions}`);
    if (this.topics.has(topic)) return;
    this.topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ records: [], waiters: new Set<() => void>() })),
    );
  }

  async partitions(topic: string): Promise<number[]> {
    return this.topic(topic).map((_, i) => i);
  }

  async produce(topic: string, messages: readonly OutgoingMessage[]): Promise<ProducedRecord[]> {
    const partitions = this.topic(topic);
    // place and check every message first, so a bad one appends nothing
    const placed = messages.map((message, i) => {
      const partition = message.partition ?? this.partitioner(topic, message.key, partitions.length);
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions.length) {
        throw new PipelineError(`message ${i} for ${topic}: partition ${partition} does not exist (the topic has ${partitions.length})`);
      }
      return partition;
    });
    const touched = new Set<Partition>();
    const now = this.now();
    const produced = messages.map((message, i): ProducedRecord => {
      const partition = placed[i]!;
      const target = partitions[partition]!;
      const headers: Record<string, Uint8Array> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = bytesOf(value);
      const record: LogRecord = {
        topic,
        partition,
        offset: target.records.length,
        key: message.key === null || message.key === undefined ? null : bytesOf(message.key),
        value: message.value === null ? null : bytesOf(message.value),
        headers,
        timestamp: message.timestamp ?? now,
        timestampType: 'CREATE_TIME',
      };
      target.records.push(record);
      touched.add(target);
      return { partition, offset: record.offset };
    });
    for (const target of touched) wake(target);
    return produced;
  }

  async fetch(topic: string, partition: number, offset: number, options: FetchOptions): Promise<LogRecord[]> {
    const target = this.partition(topic, partition);
    const high = target.records.length;
    if (!Number.isInteger(offset) || offset < 0 || offset > high) {
      throw new PipelineError(`${topic}-${partition}: offset ${offset} is out of range (the log holds 0 to ${high})`);
    }
    if (offset === high && (options.waitMs ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          target.waiters.delete(wake);
          resolve();
        };
        const timer = this.clock === undefined ? setTimeout(wake, options.waitMs) : undefined;
        if (this.clock !== undefined) void this.clock.sleep(options.waitMs!).then(wake);
        target.waiters.add(wake);
      });
    }
    return take(target.records, offset, options);
  }

  async offsets(topic: string, partition: number): Promise<{ low: number; high: number }> {
    return { low: 0, high: this.partition(topic, partition).records.length };
  }

  async committed(group: string, topic: string, partition: number): Promise<number | undefined> {
    this.partition(topic, partition);
    return this.groups.get(groupKey(group, topic, partition));
  }

  async commit(group: string, topic: string, partition: number, offset: number): Promise<void> {
    const high = this.partition(topic, partition).records.length;
    if (!Number.isInteger(offset) || offset < 0 || offset > high) {
      throw new PipelineError(`${topic}-${partition}: cannot commit offset ${offset} for group ${group} (the log holds 0 to ${high})`);
    }
    this.groups.set(groupKey(group, topic, partition), offset);
  }

  async identity(): Promise<string> {
    return `arn:aws:kafka:local:000000000000:cluster/${IN_PROCESS_LOG}/${this.id}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const partitions of this.topics.values()) for (const partition of partitions) wake(partition);
  }

  private open(): void {
    if (this.closed) throw new PipelineError('the in-process event log is closed');
  }

  private topic(topic: string): Partition[] {
    this.open();
    const partitions = this.topics.get(topic);
    if (partitions === undefined) throw new NotFoundError(`topic ${topic}`);
    return partitions;
  }

  private partition(topic: string, partition: number): Partition {
    const partitions = this.topic(topic);
    const target = partitions[partition];
    if (target === undefined) throw new NotFoundError(`partition ${partition} of topic ${topic}`);
    return target;
  }
}

const groupKey = (group: string, topic: string, partition: number): string => `${group}\u0000${topic}\u0000${partition}`;

function wake(partition: Partition): void {
  for (const waiter of [...partition.waiters]) waiter();
}

/** Records from `offset` on, at most `maxRecords`, and about `maxBytes` of keys and values (at least one). */
function take(records: readonly LogRecord[], offset: number, options: FetchOptions): LogRecord[] {
  const end = Math.min(records.length, offset + Math.max(0, options.maxRecords));
  if (options.maxBytes === undefined) return records.slice(offset, end);
  const out: LogRecord[] = [];
  let bytes = 0;
  for (let i = offset; i < end; i++) {
    const record = records[i]!;
    bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (out.length > 0 && bytes > options.maxBytes) break;
    out.push(record);
  }
  return out;
}
