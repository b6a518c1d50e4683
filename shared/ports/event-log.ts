/**
 * The event-log port (docs/architecture.md, "Layers"): Kafka's model of topics, partitions, offsets
 * and consumer groups, as the pipeline uses it. Adapters: an in-process partitioned log (the
 * embedded default of `npm start`) and Kafka through kafkajs.
 *
 * Offsets are numbers (Kafka's are 64-bit; a partition here never nears 2^53 records).
 * A committed offset is, as in Kafka, the offset of the next record to read.
 */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: Readonly<Record<string, Uint8Array>>;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
}

export interface OutgoingMessage {
  /** Records with the same key always land on the same partition (Kafka's default partitioner). */
  readonly key?: string | Uint8Array | null;
  readonly value: string | Uint8Array | null;
  readonly headers?: Readonly<Record<string, string | Uint8Array>>;
  /** Epoch milliseconds; defaults to now. */
  readonly timestamp?: number;
  /** Forces a partition; otherwise the key decides (or round-robin without a key). */
  readonly partition?: number;
}

export interface ProducedRecord {
  readonly partition: number;
  readonly offset: number;
}

export interface FetchOptions {
  /** At most this many records. */
  readonly maxRecords: number;
  /** At most about this many bytes of keys and values (at least one record is returned). */
  readonly maxBytes?: number;
  /** When nothing is available, wait up to this long for a record to arrive. */
  readonly waitMs?: number;
}

export interface EventLog {
  /** Creates the topic with `partitions` partitions unless it exists (then leaves it alone). */
  ensureTopic(topic: string, partitions: number): Promise<void>;
  /** Partition ids of a topic. */
  partitions(topic: string): Promise<number[]>;
  /** Appends messages (acks=all on Kafka) and resolves to where each one landed, in order. */
  produce(topic: string, messages: readonly OutgoingMessage[]): Promise<ProducedRecord[]>;
  /** Records of one partition from `offset` on, in offset order. */
  fetch(topic: string, partition: number, offset: number, options: FetchOptions): Promise<LogRecord[]>;
  /** The earliest offset still held and the next offset to be written (high watermark). */
  offsets(topic: string, partition: number): Promise<{ low: number; high: number }>;
  /** The committed offset of a consumer group on a partition, or `undefined` when none. */
  committed(group: string, topic: string, partition: number): Promise<number | undefined>;
  /** Commits `offset` (the next one to read) for a consumer group on a partition. */
  commit(group: string, topic: string, partition: number, offset: number): Promise<void>;
  /**
   * Which log this is, as Lambda's Kafka events name a cluster (`eventSourceArn`): an MSK
   * cluster's own ARN; for another Kafka cluster `arn:aws:kafka:local:000000000000:cluster/kafka/<its
   * cluster id>`; for an in-process log `...:cluster/in-process/<an id of its own>`. Results are
   * kept per log (see shared/names.ts), so offsets of one log are never taken for another's.
   */
  identity(): Promise<string>;
  close(): Promise<void>;
}
