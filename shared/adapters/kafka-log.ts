import { createRequire } from 'node:module';
import { Kafka, Partitioners, logLevel, type Admin, type Broker, type Cluster, type KafkaConfig, type Message, type Producer } from 'kafkajs';
import { NotFoundError, PipelineError } from '../errors.js';
import { checkTopic } from '../names.js';
import type { EventLog, FetchOptions, LogRecord, OutgoingMessage, ProducedRecord } from '../ports/event-log.js';
import { retry, RetriesExhausted, RetryPolicies } from '../retry.js';
import { mskIamTokenProvider, type KafkaConnection } from './msk.js';

/**
 * The only kafkajs release this adapter is written against. kafkajs has made no release since
 * 2.2.4 (2023) and the adapter reaches one internal of it (see {@link privateCluster}), so
 * package.json pins it exactly and {@link KafkaLog} refuses any other version.
 */
export const KAFKAJS_VERSION = '2.2.4';

/** Kafka's default `message.max.bytes` is 1 MiB per record batch; sends stay well below it. */
const SEND_CHUNK_BYTES = 512 * 1024;
const DEFAULT_FETCH_BYTES = 8 * 1024 * 1024;
const READ_COMMITTED = 1;

export interface KafkaLogOptions {
  /** kafkajs request timeout (ms); a fetch adds its `waitMs` to it. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** kafkajs connection timeout (ms). Default 3 s. */
  readonly connectionTimeoutMs?: number;
  /** kafkajs's own logging, to stderr; default `nothing` (errors reach callers as PipelineErrors). */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

const levels = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

/**
 * The kafkajs client configuration for a connection: TLS and SASL/OAUTHBEARER with a fresh
 * MSK IAM token (signed for the connection's region) when the connection uses IAM.
 *
 * @example
 * kafkajsConfig({ brokers: ['b-1:9098'], clientId: 'p', ssl: true, sasl: { mechanism: 'aws-iam', region: 'us-east-1' }, source: 'arn' });
 * // { brokers: ['b-1:9098'], ssl: true, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: [Function] }, ... }
 */
export function kafkajsConfig(connection: KafkaConnection, options: KafkaLogOptions = {}): KafkaConfig {
  return {
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: mskIamTokenProvider(connection.sasl.region) } } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: levels[options.logLevel ?? 'nothing'],
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 5000 },
  };
}

/**
 * kafkajs 2.2.4 has no public way to read one partition from an offset: `assign`/`seek` exist
 * only inside a consumer group, whose rebalances would decide which partitions we see. Its
 * producer, consumer and admin each get a `Cluster` from a private factory on the `Kafka` object;
 * we call that factory for a Cluster of our own and send Fetch, OffsetCommit and OffsetFetch to
 * the partition leader or group coordinator through it - the broker-level API kafkajs's own
 * consumer is built on, so protocol versions, TLS, SASL and reconnects stay kafkajs's. This ties
 * the adapter to kafkajs's internals, hence the exact version pin.
 */
function privateCluster(kafka: Kafka): Cluster {
  const factory = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  const create = factory === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[factory];
  if (typeof create !== 'function') throw new PipelineError(`kafkajs ${KAFKAJS_VERSION} internals not found: is another kafkajs version installed?`);
  return create({ allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED, metadataMaxAge: 60_000 }) as Cluster;
}

function assertKafkajsVersion(): void {
  const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
  if (version !== KAFKAJS_VERSION) {
    throw new PipelineError(`the Kafka adapter needs kafkajs ${KAFKAJS_VERSION} exactly (it uses its broker-level fetch), found ${version}`);
  }
}

/** The shape of what kafkajs's Fetch decoder returns, as far as we read it. */
interface FetchedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | Buffer[] | undefined>;
  readonly isControlRecord?: boolean;
  readonly batchContext?: { readonly timestampType?: number };
}
interface FetchResponse {
  readonly responses: ReadonlyArray<{
    readonly topicName: string;
    readonly partitions: ReadonlyArray<{ readonly partition: number; readonly highWatermark: string; readonly messages: readonly FetchedRecord[] }>;
  }>;
}
interface KafkaJsError extends Error {
  readonly retriable?: boolean;
  readonly type?: string;
  readonly cause?: unknown;
}

/** The headers of a record that has none: one object for all of them. */
const noHeaders: Readonly<Record<string, Uint8Array>> = Object.freeze({});
const toBuffer = (data: string | Uint8Array): Buffer => (typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
const sizeOf = (data: string | Uint8Array | null | undefined): number => (data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

/**
 * Whether kafkajs thinks trying again can help. Its retrier wraps the error it gave up on in a
 * never-retriable KafkaJSNumberOfRetriesExceeded; that cause decides, so a broker restart stays
 * retriable for the pipeline's own retry loops (the event-source emulator).
 */
function kafkaRetriable(error: unknown): boolean {
  const e = error as KafkaJsError;
  if (e?.name === 'KafkaJSNumberOfRetriesExceeded' && e.cause !== undefined) return kafkaRetriable(e.cause);
  return e?.retriable === true;
}

/** Whether an error is a broker's retriable answer, which fresh metadata may cure. */
function refreshHelps(error: unknown): boolean {
  const e = error as KafkaJsError;
  return (e?.name === 'KafkaJSProtocolError' || e?.name === 'KafkaJSRequestTimeoutError' || e?.type === 'LEADER_NOT_AVAILABLE') && e.retriable === true;
}

/**
 * The {@link EventLog} on Apache Kafka through kafkajs: an idempotent producer with acks=all,
 * keys placed by Kafka's Java-compatible default partitioner (murmur2), per-partition fetches
 * from any offset, and committed offsets of consumer groups (stored by Kafka, as a Java
 * consumer's are). Connects lazily; `close()` disconnects.
 *
 * @example
 * const log = new KafkaLog({ brokers: ['localhost:9092'], clientId: 'pipeline', ssl: false, source: 'KAFKA_BROKERS' });
 * await log.ensureTopic('sensor_data', 3);
 * await log.produce('sensor_data', [{ key: 's-1', value: '{"temperature":21}' }]);
 * await log.fetch('sensor_data', 0, 0, { maxRecords: 100, waitMs: 500 });
 */
export class KafkaLog implements EventLog {
  readonly connection: KafkaConnection;
  private readonly kafka: Kafka;
  /** Metadata and group offsets. */
  private readonly cluster: Cluster;
  /**
   * One cluster (so one connection to the leader) per partition being fetched: a broker answers
   * the requests of one connection in order, so a fetch waiting at the end of an idle partition
   * would otherwise hold up the fetches of busy ones.
   */
  private readonly fetchers = new Map<string, { readonly cluster: Cluster; readonly serial: Serial }>();
  // kafkajs opens a second connection to a broker when two requests find it unconnected at
  // once (and never closes the first), and its idempotent producer wants one send at a time:
  // each client's requests go one by one
  private readonly clusterSerial = new Serial();
  private readonly adminSerial = new Serial();
  private readonly producerSerial = new Serial();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private admin?: Promise<Admin>;
  private producer?: Promise<Producer>;
  private readonly coordinators = new Map<string, Promise<Broker>>();
  /** Average bytes of a record (key, value and overhead) of each topic, from recent fetches. */
  private readonly recordBytes = new Map<string, number>();
  /** Partitions known to exist, by topic: a known one is not looked up again before each request. */
  private readonly knownPartitions = new Map<string, Set<number>>();
  /** The highest high watermark a fetch saw, by topic and partition: a commit up to it needs no look-up. */
  private readonly highWatermarks = new Map<string, number>();
  /**
   * Records a fetch decoded beyond what it returned, by topic and partition: they answer the next
   * fetch from the offset after the last one returned, which would otherwise fetch and decode
   * them again (with the rest of the record batch they sit in).
   */
  private readonly surplus = new Map<string, LogRecord[]>();
  private closed = false;

  constructor(connection: KafkaConnection, options: KafkaLogOptions = {}) {
    assertKafkajsVersion();
    if (connection.brokers.length === 0) throw new PipelineError(`no Kafka brokers given (${connection.source})`);
    this.connection = connection;
    this.kafka = new Kafka(kafkajsConfig(connection, options));
    this.cluster = privateCluster(this.kafka);
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    checkTopic(topic);
    if (!Number.isInteger(partitions) || partitions < 1) throw new PipelineError(`topic ${topic}: partitions must be a positive integer, got ${partitions}`);
    await this.attempt(`create topic ${topic}`, () =>
      this.adminSerial.run(async () => {
        const admin = await this.adminClient();
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      }),
    );
  }

  async partitions(topic: string): Promise<number[]> {
    return (await this.partitionMetadata(topic)).map((p) => p.partitionId).sort((a, b) => a - b);
  }

  async produce(topic: string, messages: readonly OutgoingMessage[]): Promise<ProducedRecord[]> {
    checkTopic(topic);
    if (messages.length === 0) return [];
    const metadata = await this.partitionMetadata(topic);
    // place every message first (kafkajs's DefaultPartitioner: murmur2 of the key, as Java's
    // clients do), so a bad partition fails before anything is sent and offsets can be mapped
    const outgoing = messages.map((message, i): Message => {
      const key = message.key === null || message.key === undefined ? message.key : toBuffer(message.key);
      const draft: Message = { key, value: message.value === null ? null : toBuffer(message.value) };
      const partition = message.partition ?? this.partitioner({ topic, partitionMetadata: metadata, message: draft });
      if (!Number.isInteger(partition) || partition < 0 || partition >= metadata.length) {
        throw new PipelineError(`message ${i} for ${topic}: partition ${partition} does not exist (the topic has ${metadata.length})`);
      }
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = toBuffer(value);
      return { ...draft, partition, headers, timestamp: String(message.timestamp ?? Date.now()) };
    });
    return this.producerSerial.run(() => this.send(topic, outgoing));
  }

  private async send(topic: string, outgoing: readonly Message[]): Promise<ProducedRecord[]> {
    const producer = await this.producerClient();
    const placed: ProducedRecord[] = [];
    for (const chunk of chunks(outgoing)) {
      // not retried here: kafkajs's idempotent producer already retries a send with the same
      // sequence numbers (so the broker drops duplicates); sending again after that would not be
      let results;
      try {
        results = await producer.send({ topic, acks: -1, messages: chunk });
      } catch (error) {
        throw this.wrap(error, `produce ${chunk.length} record(s) to ${topic}`);
      }
      // kafkajs sends one batch per partition per call: the n-th message of a partition in this
      // chunk sits at that batch's base offset + n
      const base = new Map(results.map((r) => [r.partition, Number(r.baseOffset)]));
      const seen = new Map<number, number>();
      for (const message of chunk) {
        const partition = message.partition!;
        const n = seen.get(partition) ?? 0;
        seen.set(partition, n + 1);
        placed.push({ partition, offset: base.get(partition)! + n });
      }
    }
    return placed;
  }

  async fetch(topic: string, partition: number, offset: number, options: FetchOptions): Promise<LogRecord[]> {
    if (!Number.isInteger(offset) || offset < 0) throw new PipelineError(`${topic}-${partition}: offset ${offset} is out of range`);
    if (!Number.isInteger(options.maxRecords) || options.maxRecords < 1) throw new PipelineError(`fetch from ${topic}-${partition}: maxRecords must be a positive integer, got ${options.maxRecords}`);
    await this.checkPartition(topic, partition);
    const maxBytes = options.maxBytes ?? DEFAULT_FETCH_BYTES;
    const key = `${topic}\u0000${partition}`;
    const kept = this.surplus.get(key);
    this.surplus.delete(key);
    if (kept !== undefined && kept[0]!.offset === offset) return this.take(key, kept, options.maxRecords, maxBytes);
    // The broker answers whole record batches up to the bytes asked for (always the first batch,
    // however large), and decoding is the cost: ask for about `maxRecords` records of this
    // topic's average size rather than `maxBytes`, then trim to both limits below.
    const average = this.recordBytes.get(topic) ?? 1024;
    const requestBytes = Math.round(Math.min(maxBytes + 16 * 1024, Math.max(64 * 1024, options.maxRecords * average * 1.25 + 16 * 1024)));
    const fetcher = this.fetcher(topic, partition);
    const response = await this.attempt(
      `fetch ${topic}-${partition} from offset ${offset}`,
      () =>
        fetcher.serial.run(async () => {
          const broker = await leaderOf(fetcher.cluster, topic, partition);
          try {
            return (await broker.fetch({
              replicaId: -1,
              isolationLevel: READ_COMMITTED,
              maxWaitTime: Math.max(0, Math.round(options.waitMs ?? 0)),
              minBytes: 1,
              maxBytes: requestBytes,
              topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: requestBytes }] }],
            })) as FetchResponse;
          } catch (error) {
            if ((error as KafkaJsError).name === 'KafkaJSOffsetOutOfRange') {
              const { low, high } = await this.offsets(topic, partition);
              throw new PipelineError(`${topic}-${partition}: offset ${offset} is out of range (the log holds ${low} to ${high})`, { cause: error });
            }
            throw error;
          }
        }),
      { cluster: fetcher.cluster },
    );
    const answer = response.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition);
    const fetched = answer?.messages ?? [];
    if (answer !== undefined) {
      const high = Number(answer.highWatermark);
      if (high > (this.highWatermarks.get(key) ?? -1)) this.highWatermarks.set(key, high);
    }
    const records: LogRecord[] = [];
    let bytes = 0;
    for (const record of fetched) {
      // a fetch answers whole batches: skip the part of the first batch before `offset`, and
      // transaction markers (control records)
      const at = Number(record.offset);
      if (at < offset || record.isControlRecord) continue;
      bytes += (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
      let headers = noHeaders;
      for (const name in record.headers) {
        const value = record.headers[name];
        const first = Array.isArray(value) ? value[0] : value;
        if (first === undefined) continue;
        if (headers === noHeaders) headers = {};
        (headers as Record<string, Uint8Array>)[name] = first;
      }
      // kafkajs's Buffers as they are (views of the fetch's response): a record's bytes are not copied
      records.push({
        topic,
        partition,
        offset: at,
        key: record.key ?? null,
        value: record.value ?? null,
        headers,
        timestamp: Number(record.timestamp),
        timestampType: record.batchContext?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
      });
    }
    if (records.length > 0) this.recordBytes.set(topic, Math.max(64, (bytes + records.length * 70) / records.length));
    return this.take(key, records, options.maxRecords, maxBytes);
  }

  /** The first of `records` within `maxRecords` and `maxBytes` (at least one); the rest is kept for the next fetch. */
  private take(key: string, records: LogRecord[], maxRecords: number, maxBytes: number): LogRecord[] {
    let count = 0;
    let bytes = 0;
    for (const record of records) {
      const size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
      if (count >= maxRecords || (count > 0 && bytes + size > maxBytes)) break;
      bytes += size;
      count++;
    }
    if (count === records.length) return records;
    this.surplus.set(key, records.slice(count));
    return records.slice(0, count);
  }

  async offsets(topic: string, partition: number): Promise<{ low: number; high: number }> {
    await this.checkPartition(topic, partition);
    return this.attempt(`read the offsets of ${topic}-${partition}`, () =>
      this.adminSerial.run(async () => {
        const admin = await this.adminClient();
        const found = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)!;
        return { low: Number(found.low), high: Number(found.high) };
      }),
    );
  }

  async committed(group: string, topic: string, partition: number): Promise<number | undefined> {
    await this.checkPartition(topic, partition);
    const response = await this.attempt(
      `read the committed offset of group ${group} on ${topic}-${partition}`,
      () =>
        this.clusterSerial.run(async () => {
          const coordinator = await this.coordinatorOf(group);
          // the request encodes only the partition; kafkajs's typings ask for an offset as well
          return coordinator.offsetFetch({ groupId: group, topics: [{ topic, partitions: [{ partition, offset: '-1' }] }] });
        }),
      { group },
    );
    const found = response.responses.find((r) => r.topic === topic)?.partitions.find((p) => p.partition === partition);
    const offset = found === undefined ? -1 : Number(found.offset);
    return offset < 0 ? undefined : offset;
  }

  async commit(group: string, topic: string, partition: number, offset: number): Promise<void> {
    // an offset up to a high watermark a fetch saw exists (a log only grows); others are checked
    // against the log (two requests to the broker, which a commit after every batch would pay)
    const seen = this.highWatermarks.get(`${topic}\u0000${partition}`) ?? -1;
    const high = Number.isInteger(offset) && offset >= 0 && offset <= seen ? seen : (await this.offsets(topic, partition)).high;
    if (!Number.isInteger(offset) || offset < 0 || offset > high) {
      throw new PipelineError(`${topic}-${partition}: cannot commit offset ${offset} for group ${group} (the log holds up to ${high})`);
    }
    await this.attempt(
      `commit offset ${offset} for group ${group} on ${topic}-${partition}`,
      () =>
        this.clusterSerial.run(async () => {
          const coordinator = await this.coordinatorOf(group);
          // generation -1 and no member id: a commit from outside a group's membership, as Java's
          // KafkaConsumer.commitSync does with assign(); the broker refuses it while the group has
          // live members, so this never fights a running consumer group
          await coordinator.offsetCommit({ groupId: group, groupGenerationId: -1, memberId: '', topics: [{ topic, partitions: [{ partition, offset: String(offset) }] }] });
        }),
      { group },
    );
  }

  async identity(): Promise<string> {
    if (this.connection.source.startsWith('arn:')) return this.connection.source;
    const { clusterId } = await this.attempt('describe the cluster', () => this.adminSerial.run(async () => (await this.adminClient()).describeCluster()));
    return `arn:aws:kafka:local:000000000000:cluster/kafka/${clusterId}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // each after the requests under way on it (a waiting fetch ends within its waitMs)
    await Promise.allSettled([
      this.producerSerial.run(async () => (await this.producer?.catch(() => undefined))?.disconnect()),
      this.adminSerial.run(async () => (await this.admin?.catch(() => undefined))?.disconnect()),
      this.clusterSerial.run(() => this.cluster.disconnect()),
      ...[...this.fetchers.values()].map((f) => f.serial.run(() => f.cluster.disconnect())),
    ]);
  }

  private open(): void {
    if (this.closed) throw new PipelineError(`the Kafka event log (${this.connection.source}) is closed`);
  }

  private adminClient(): Promise<Admin> {
    this.open();
    return (this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error) => {
      this.admin = undefined;
      throw error;
    }));
  }

  private producerClient(): Promise<Producer> {
    this.open();
    return (this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })().catch((error) => {
      this.producer = undefined;
      throw this.wrap(error, `connect a producer to ${this.connection.brokers.join(',')}`);
    }));
  }

  private async partitionMetadata(topic: string) {
    return this.attempt(`read the partitions of ${topic}`, () => this.clusterSerial.run(() => topicMetadata(this.cluster, topic)));
  }

  /**
   * Checks that the partition exists. Once one is known it is not looked up again: the look-up
   * waits its turn behind the commits and metadata requests of the shared cluster, which held up
   * every fetch (a partition is never removed; a deleted topic fails the request itself).
   */
  private async checkPartition(topic: string, partition: number): Promise<void> {
    if (this.knownPartitions.get(topic)?.has(partition)) return;
    const metadata = await this.partitionMetadata(topic);
    if (!metadata.some((p) => p.partitionId === partition)) throw new NotFoundError(`partition ${partition} of topic ${topic} (it has ${metadata.length})`);
    this.knownPartitions.set(topic, new Set(metadata.map((p) => p.partitionId)));
  }

  private fetcher(topic: string, partition: number) {
    this.open();
    const key = `${topic}\u0000${partition}`;
    let fetcher = this.fetchers.get(key);
    if (fetcher === undefined) {
      fetcher = { cluster: privateCluster(this.kafka), serial: new Serial() };
      this.fetchers.set(key, fetcher);
    }
    return fetcher;
  }

  private coordinatorOf(group: string): Promise<Broker> {
    let coordinator = this.coordinators.get(group);
    if (coordinator === undefined) {
      coordinator = (async () => {
        await this.cluster.connect();
        return this.cluster.findGroupCoordinator({ groupId: group });
      })();
      coordinator.catch(() => this.coordinators.delete(group));
      this.coordinators.set(group, coordinator);
    }
    return coordinator;
  }

  /**
   * Runs one request, retrying a retriable answer of a broker (a moved leader or coordinator, a
   * coordinator still loading, a request that timed out) after refreshing metadata. Anything
   * else, or the last failure, becomes a PipelineError; connection failures come back from
   * kafkajs's own retrier and are not retried twice.
   */
  private async attempt<T>(what: string, request: () => Promise<T>, scope: { readonly group?: string; readonly cluster?: Cluster } = {}): Promise<T> {
    try {
      return await retry(
        async () => {
          this.open();
          return request();
        },
        RetryPolicies.kafkaRequest,
        {
          what,
          retriable: (error) => !(error instanceof PipelineError) && refreshHelps(error),
          onRetry: async () => {
            if (scope.group !== undefined) this.coordinators.delete(scope.group);
            const cluster = scope.cluster ?? this.cluster;
            await (cluster === this.cluster ? this.clusterSerial.run(() => cluster.refreshMetadata()) : cluster.refreshMetadata()).catch(() => {});
          },
        },
      );
    } catch (error) {
      throw error instanceof RetriesExhausted ? this.wrap(error.cause, `${what} (${error.attempts} attempts)`) : this.wrap(error, what);
    }
  }

  private wrap(error: unknown, what: string): PipelineError {
    if (error instanceof PipelineError) return error;
    const message = (error as Error)?.message ?? String(error);
    return new PipelineError(`${what} on Kafka (${this.connection.brokers.join(',')}) failed: ${message}`, {
      cause: error,
      retriable: kafkaRetriable(error),
    });
  }
}

/** Runs async tasks one at a time, in call order. */
class Serial {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => undefined);
    return next;
  }
}

/** The partitions of a topic as `cluster` knows them (loaded on first use); NotFoundError when it does not exist. */
async function topicMetadata(cluster: Cluster, topic: string) {
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
  } catch (error) {
    if ((error as KafkaJsError).type === 'UNKNOWN_TOPIC_OR_PARTITION') throw new NotFoundError(`topic ${topic}`, { cause: error });
    throw error;
  }
  await cluster.refreshMetadataIfNecessary();
  const metadata = cluster.findTopicPartitionMetadata(topic);
  if (metadata.length === 0) throw new NotFoundError(`topic ${topic}`);
  return metadata;
}

/** The broker leading a partition, connected. */
async function leaderOf(cluster: Cluster, topic: string, partition: number): Promise<Broker> {
  await topicMetadata(cluster, topic);
  const nodeId = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];
  if (nodeId === undefined) throw Object.assign(new Error(`no leader known for ${topic}-${partition}`), { retriable: true, type: 'LEADER_NOT_AVAILABLE' });
  return cluster.findBroker({ nodeId });
}

/** Splits messages into sends of at most about {@link SEND_CHUNK_BYTES}, keeping their order. */
function chunks(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message.key) + sizeOf(message.value as string | Uint8Array | null) + 64;
    if (current.length > 0 && bytes + size > SEND_CHUNK_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
