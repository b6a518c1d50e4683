import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';
import { InputError } from '../errors.js';
import type { LogRecord } from '../ports/event-log.js';

/** A Kafka-triggered Lambda's event: from Amazon MSK (`aws:kafka`) or self-managed Kafka. */
export type KafkaEvent = MSKEvent | SelfManagedKafkaEvent;

/** Where the events come from, as Lambda names it in each event. */
export type EventSourceIdentity =
  | { readonly eventSource: 'aws:kafka'; readonly eventSourceArn: string; readonly bootstrapServers: string }
  | { readonly eventSource: 'SelfManagedKafka'; readonly bootstrapServers: string };

/**
 * Builds the event Lambda sends for `records`: grouped by `"<topic>-<partition>"` in the order the
 * records come, key and value base64 (absent when null, as in AWS's recorded events), each header
 * as its own `{ name: [byte, ...] }` object, timestamps in epoch milliseconds.
 *
 * @example
 * const event = encodeKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: arn, bootstrapServers: 'localhost:9092' });
 * event.records['sensor_data-0'][0].value; // 'eyJzZW5zb3JJZCI6...'
 */
export function encodeKafkaEvent(records: readonly LogRecord[], source: EventSourceIdentity): KafkaEvent {
  const groups: Record<string, MSKRecord[]> = {};
  for (const record of records) {
    const group = `${record.topic}-${record.partition}`;
    (groups[group] ??= []).push(encodeRecord(record));
  }
  return source.eventSource === 'aws:kafka'
    ? { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.bootstrapServers, records: groups }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: source.bootstrapServers, records: groups };
}

function encodeRecord(record: LogRecord): MSKRecord {
  const encoded: Partial<MSKRecord> = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
  };
  // Lambda leaves out a null key (and value) rather than sending null; @types/aws-lambda types them as always present
  if (record.key !== null) encoded.key = base64(record.key);
  if (record.value !== null) encoded.value = base64(record.value);
  encoded.headers = encodeHeaders(record.headers);
  return encoded as MSKRecord;
}

function encodeHeaders(headers: Readonly<Record<string, Uint8Array>>): MSKRecord['headers'] {
  const out: MSKRecord['headers'] = [];
  for (const name in headers) out.push({ [name]: Array.from(headers[name]!) });
  return out;
}

/** Where a record of an in-process event keeps the log record it stands for. */
const LogRecordOf = Symbol('the log record');

/** Where an in-process event keeps its log records, until a handler reads its `records`. */
const LogRecordsOf = Symbol('the log records');

/**
 * The event {@link encodeKafkaEvent} makes, for a handler in the same process: the same fields,
 * but its `records` are made only when read, and each record's key, value and headers encoded
 * only when read; `JSON.stringify` of the event gives exactly the JSON of `encodeKafkaEvent`
 * (what Lambda sends, so a bridge that invokes a function elsewhere sends Lambda's format).
 * {@link decodeKafkaEvent} takes the log records as they are, so a handler run in process (the
 * event-source emulator's) skips base64 both ways, which was a third of a backlog's cost. The
 * records share the log records' bytes: a handler must not change them (Lambda's would change
 * only its copy).
 *
 * @example
 * const event = inProcessKafkaEvent(records, source);
 * decodeKafkaEvent(event)[0].value; // the bytes of records[0].value, not copied
 * JSON.stringify(event) === JSON.stringify(encodeKafkaEvent(records, source)); // true
 */
export function inProcessKafkaEvent(records: readonly LogRecord[], source: EventSourceIdentity): KafkaEvent {
  const event: Record<string | symbol, unknown> =
    source.eventSource === 'aws:kafka'
      ? { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.bootstrapServers }
      : { eventSource: 'SelfManagedKafka', bootstrapServers: source.bootstrapServers };
  Object.defineProperty(event, LogRecordsOf, { value: records, configurable: true });
  Object.defineProperty(event, 'records', {
    enumerable: true,
    configurable: true,
    get(this: Record<string | symbol, unknown>) {
      // made once, and from then on the event is an ordinary one: decoding reads these records
      const groups = groupsOf(records);
      Object.defineProperty(this, 'records', { value: groups, enumerable: true, configurable: true, writable: true });
      delete this[LogRecordsOf];
      return groups;
    },
  });
  return event as unknown as KafkaEvent;
}

/** The records of an in-process event, grouped by `"<topic>-<partition>"` in the order they come. */
function groupsOf(records: readonly LogRecord[]): Record<string, MSKRecord[]> {
  return grouped(records, (record) => new InProcessRecord(record) as unknown as MSKRecord);
}

function grouped<T>(records: readonly LogRecord[], make: (record: LogRecord) => T): Record<string, T[]> {
  const groups: Record<string, T[]> = {};
  let list: T[] | undefined;
  let previous: LogRecord | undefined;
  for (const record of records) {
    // records come in runs of one partition: look the group up only when the partition changes
    if (previous === undefined || previous.partition !== record.partition || previous.topic !== record.topic) list = groups[`${record.topic}-${record.partition}`] ??= [];
    list!.push(make(record));
    previous = record;
  }
  return groups;
}

/** The log records of an in-process event whose `records` no one has read, in the event's order. */
function carriedRecords(event: object): readonly LogRecord[] | undefined {
  const records = (event as { [LogRecordsOf]?: readonly LogRecord[] })[LogRecordsOf];
  if (records === undefined || records.length === 0) return records;
  const { topic, partition } = records[0]!;
  // the emulator's batches are of one partition, already in the event's order; others are grouped
  for (const record of records) if (record.partition !== partition || record.topic !== topic) return Object.values(grouped(records, (r) => r)).flat();
  return records;
}

/** A record of an in-process event: MSKRecord's fields, key, value and headers encoded on first read. */
class InProcessRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  readonly [LogRecordOf]: LogRecord;

  constructor(record: LogRecord) {
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.timestamp = record.timestamp;
    this.timestampType = record.timestampType;
    this[LogRecordOf] = record;
  }

  get key(): string | undefined {
    const { key } = this[LogRecordOf];
    return key === null ? undefined : base64(key);
  }

  get value(): string | undefined {
    const { value } = this[LogRecordOf];
    return value === null ? undefined : base64(value);
  }

  get headers(): MSKRecord['headers'] {
    return encodeHeaders(this[LogRecordOf].headers);
  }

  toJSON(): MSKRecord {
    return encodeRecord(this[LogRecordOf]);
  }
}

/** The length of `n` bytes in base64. */
const b64 = (n: number): number => Math.ceil(n / 3) * 4;

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * One record of a Kafka event, decoded: key and value as bytes (null when absent), headers by
 * name. A value that came as base64 is decoded on each read: read it once and keep the bytes.
 */
export interface KafkaEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/**
 * Reads a Kafka-triggered Lambda's event back into records, in the event's order (per partition,
 * offset order). Throws an {@link InputError} naming the record when the event is not the shape
 * Lambda sends: that is a wiring mistake, not bad data, so it is never retried.
 *
 * @example
 * for (const record of decodeKafkaEvent(event)) JSON.parse(record.value?.toString('utf8') ?? 'null');
 */
export function decodeKafkaEvent(event: unknown): KafkaEventRecord[] {
  const source = 'the Kafka event';
  if (typeof event !== 'object' || event === null) throw new InputError(source, 'it is not an object');
  const { eventSource } = event as { eventSource?: unknown };
  if (eventSource !== 'aws:kafka' && eventSource !== 'SelfManagedKafka' && eventSource !== 'aws:SelfManagedKafka') {
    throw new InputError(source, `eventSource is ${JSON.stringify(eventSource)}, expected "aws:kafka" or "SelfManagedKafka"`);
  }
  const carried = carriedRecords(event);
  if (carried !== undefined) return carried.map(inProcess);
  const { records } = event as { records?: unknown };
  if (typeof records !== 'object' || records === null || Array.isArray(records)) throw new InputError(source, 'it has no records object');
  const out: KafkaEventRecord[] = [];
  for (const group of Object.keys(records)) {
    const list = (records as Record<string, unknown>)[group];
    if (!Array.isArray(list)) throw new InputError(source, `records["${group}"] is not an array`);
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      out.push(raw instanceof InProcessRecord ? inProcess(raw[LogRecordOf]) : decodeRecord(raw, group, i));
    }
  }
  return out;
}

/**
 * A log record as a decoded one. A record whose bytes are Buffers already is one (the Kafka
 * log's are kafkajs's own): it is taken as it is, with nothing allocated; others get Buffer views
 * of their bytes, not copies.
 */
function inProcess(record: LogRecord): KafkaEventRecord {
  const { key, value, headers } = record;
  let buffers = (key === null || Buffer.isBuffer(key)) && (value === null || Buffer.isBuffer(value));
  for (const name in headers) buffers &&= Buffer.isBuffer(headers[name]);
  if (buffers) return record as KafkaEventRecord;
  let decoded: Record<string, Buffer> = noHeaders;
  for (const name in headers) {
    if (decoded === noHeaders) decoded = {};
    decoded[name] = asBuffer(headers[name]!);
  }
  return new DecodedRecord(record.topic, record.partition, record.offset, record.timestamp, record.timestampType, key === null ? null : asBuffer(key), value === null ? null : asBuffer(value), decoded);
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** Where a record is in the event, for errors: made only when one is thrown. */
const at = (group: string, i: number): string => `records["${group}"][${i}]`;

function decodeRecord(raw: unknown, group: string, i: number): KafkaEventRecord {
  if (typeof raw !== 'object' || raw === null) throw new InputError('the Kafka event', `${at(group, i)} is not an object`);
  const r = raw as Record<string, unknown>;
  const topic = r.topic;
  const partition = typeof r.partition === 'number' ? r.partition : Number(r.partition);
  const offset = typeof r.offset === 'number' ? r.offset : Number(r.offset);
  if (typeof topic !== 'string' || topic === '') throw new InputError('the Kafka event', `${at(group, i)} has no topic`);
  if (!Number.isInteger(partition) || partition < 0) throw new InputError('the Kafka event', `${at(group, i)} has partition ${JSON.stringify(r.partition)}, not a whole number`);
  if (!Number.isInteger(offset) || offset < 0) throw new InputError('the Kafka event', `${at(group, i)} has offset ${JSON.stringify(r.offset)}, not a whole number`);
  let headers: Record<string, Buffer> = noHeaders;
  if (Array.isArray(r.headers) && r.headers.length > 0) {
    headers = {};
    for (const header of r.headers as unknown[]) {
      for (const [name, bytes] of Object.entries((header ?? {}) as Record<string, unknown>)) {
        // Lambda sends byte arrays; some tools record base64 strings instead
        headers[name] = Array.isArray(bytes) ? Buffer.from(bytes as number[]) : Buffer.from(String(bytes), 'base64');
      }
    }
  }
  return new DecodedRecord(
    topic,
    partition,
    offset,
    typeof r.timestamp === 'number' ? r.timestamp : Number(r.timestamp),
    typeof r.timestampType === 'string' ? r.timestampType : String(r.timestampType ?? 'CREATE_TIME'),
    typeof r.key === 'string' ? r.key : null,
    typeof r.value === 'string' ? r.value : null,
    headers,
  );
}

const noHeaders: Readonly<Record<string, Buffer>> = Object.freeze({});

/**
 * A decoded record. The key is decoded on first use (most handlers never read it); a value sent
 * as base64 is decoded each time it is read, so the bytes of a batch's values live no longer than
 * their reader keeps them (a handler that reads each value once holds no bytes of the others).
 */
class DecodedRecord implements KafkaEventRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    readonly timestampType: string,
    /** The key: base64 until first read, then its bytes. */
    private rawKey: string | Buffer | null,
    /** The value: base64, or its bytes. */
    private readonly rawValue: string | Buffer | null,
    readonly headers: Readonly<Record<string, Buffer>>,
  ) {}

  get key(): Buffer | null {
    if (typeof this.rawKey === 'string') this.rawKey = Buffer.from(this.rawKey, 'base64');
    return this.rawKey;
  }

  get value(): Buffer | null {
    return typeof this.rawValue === 'string' ? Buffer.from(this.rawValue, 'base64') : this.rawValue;
  }
}

/**
 * The approximate size in bytes of one record inside a Lambda event, as JSON: base64 key and
 * value, header byte arrays written as decimal numbers, and the fixed fields. The emulator sums it
 * against Lambda's 6 MB payload limit.
 *
 * @example
 * encodedSize(record); // ~ 4/3 of the value's bytes + 150
 */
export function encodedSize(record: LogRecord): number {
  let size = 150 + record.topic.length + b64(record.key?.length ?? 0) + b64(record.value?.length ?? 0);
  for (const name in record.headers) size += name.length + 8 + record.headers[name]!.length * 4;
  return size;
}
