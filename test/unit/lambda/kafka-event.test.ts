import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeKafkaEvent, encodeKafkaEvent, inProcessKafkaEvent, type EventSourceIdentity } from '../../../shared/lambda/kafka-event.js';
import { InputError } from '../../../shared/errors.js';
import type { LogRecord } from '../../../shared/ports/event-log.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../../fixtures/events', name), 'utf8');

/** The log records an event was made from, as the emulator would have fetched them. */
function recordsOf(event: ReturnType<typeof decodeKafkaEvent>): LogRecord[] {
  return event.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
    timestampType: r.timestampType as LogRecord['timestampType'],
  }));
}

function identityOf(event: Record<string, string>): EventSourceIdentity {
  return event.eventSource === 'aws:kafka'
    ? { eventSource: 'aws:kafka', eventSourceArn: event.eventSourceArn!, bootstrapServers: event.bootstrapServers! }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: event.bootstrapServers! };
}

describe('encodeKafkaEvent', () => {
  it.each(['msk-powertools-base.json', 'msk-aws-lambda-events-example.json', 'self-managed-kafka.json'])(
    're-encodes the recorded AWS event %s to the same JSON, field order included',
    (name) => {
      const recorded = JSON.parse(fixture(name));
      const encoded = encodeKafkaEvent(recordsOf(decodeKafkaEvent(recorded)), identityOf(recorded));
      expect(JSON.stringify(encoded)).toBe(JSON.stringify(recorded));
    },
  );

  it('groups records by topic-partition and leaves out a null key and value', () => {
    const base = { topic: 'sensor_data', headers: {}, timestamp: 1, timestampType: 'CREATE_TIME' as const };
    const records: LogRecord[] = [
      { ...base, partition: 1, offset: 7, key: new TextEncoder().encode('s-1'), value: new TextEncoder().encode('{"a":1}') },
      { ...base, partition: 0, offset: 3, key: null, value: null },
      { ...base, partition: 1, offset: 8, key: null, value: new Uint8Array([0xff]) },
    ];
    const event = encodeKafkaEvent(records, { eventSource: 'aws:kafka', eventSourceArn: 'arn', bootstrapServers: 'b:9092' });
    expect(Object.keys(event.records)).toEqual(['sensor_data-1', 'sensor_data-0']);
    expect(event.records['sensor_data-1']!.map((r) => r.offset)).toEqual([7, 8]);
    expect(event.records['sensor_data-1']![0]).toMatchObject({ key: 'cy0x', value: 'eyJhIjoxfQ==', headers: [] });
    expect('key' in event.records['sensor_data-0']![0]!).toBe(false);
    expect('value' in event.records['sensor_data-0']![0]!).toBe(false);
    expect(event.records['sensor_data-1']![1]!.value).toBe('/w==');
  });

  it('writes each header as its own object of byte numbers', () => {
    const record: LogRecord = {
      topic: 't', partition: 0, offset: 0, key: null, value: null, timestamp: 1, timestampType: 'CREATE_TIME',
      headers: { a: new Uint8Array([1, 2]), b: new Uint8Array([]) },
    };
    const event = encodeKafkaEvent([record], { eventSource: 'SelfManagedKafka', bootstrapServers: 'b:9092' });
    expect(event.records['t-0']![0]!.headers).toEqual([{ a: [1, 2] }, { b: [] }]);
  });
});

describe('inProcessKafkaEvent', () => {
  const encoder = new TextEncoder();
  const base = { topic: 'sensor_data', timestamp: 1714564800000, timestampType: 'CREATE_TIME' as const };
  const records: LogRecord[] = [
    { ...base, partition: 1, offset: 7, key: encoder.encode('s-1'), value: encoder.encode('{"a":1}'), headers: { trace: new Uint8Array([1, 2]) } },
    { ...base, partition: 0, offset: 3, key: null, value: null, headers: {} },
    { ...base, partition: 1, offset: 8, key: null, value: new Uint8Array([0xff]), headers: {} },
    { ...base, topic: 'other', partition: 1, offset: 2, key: encoder.encode(''), value: encoder.encode(''), headers: { a: new Uint8Array([]), b: new Uint8Array([9]) } },
  ];
  const source: EventSourceIdentity = { eventSource: 'aws:kafka', eventSourceArn: 'arn', bootstrapServers: 'b:9092' };

  it.each([source, { eventSource: 'SelfManagedKafka', bootstrapServers: 'b:9092' } as const])('serializes to the JSON encodeKafkaEvent makes (%o)', (identity) => {
    expect(JSON.stringify(inProcessKafkaEvent(records, identity))).toBe(JSON.stringify(encodeKafkaEvent(records, identity)));
  });

  it('answers key, value and headers as Lambda sends them when a handler reads them', () => {
    const event = inProcessKafkaEvent(records, source);
    const plain = encodeKafkaEvent(records, source);
    expect(Object.keys(event.records)).toEqual(Object.keys(plain.records));
    for (const [group, list] of Object.entries(event.records)) {
      list.forEach((record, i) => {
        const expected = plain.records[group]![i]!;
        expect([record.topic, record.partition, record.offset, record.timestamp, record.timestampType]).toEqual([expected.topic, expected.partition, expected.offset, expected.timestamp, expected.timestampType]);
        expect([record.key, record.value, record.headers]).toEqual([expected.key, expected.value, expected.headers]);
      });
    }
  });

  it('decodes to the log records it was made from, sharing their bytes', () => {
    const decoded = decodeKafkaEvent(inProcessKafkaEvent(records, source));
    // grouped by topic-partition, as Lambda groups them
    expect(recordsOf(decoded).map(plain)).toEqual([records[0]!, records[2]!, records[1]!, records[3]!].map(plain));
    expect(decoded[0]!.value!.buffer).toBe(records[0]!.value!.buffer);
    // the same once a handler has read the event's records
    const read = inProcessKafkaEvent(records, source);
    expect(Object.keys(read.records)).toEqual(['sensor_data-1', 'sensor_data-0', 'other-1']);
    expect(recordsOf(decodeKafkaEvent(read)).map(plain)).toEqual(recordsOf(decoded).map(plain));
  });
});

/** A record with its bytes as number arrays, to compare Buffers with Uint8Arrays. */
const plain = (r: LogRecord) => ({
  ...r,
  key: r.key && [...r.key],
  value: r.value && [...r.value],
  headers: Object.fromEntries(Object.entries(r.headers).map(([name, bytes]) => [name, [...bytes]])),
});

describe('decodeKafkaEvent', () => {
  it('decodes key, value and headers of the recorded MSK event', () => {
    const [record] = decodeKafkaEvent(JSON.parse(fixture('msk-powertools-base.json')));
    expect(record).toMatchObject({ topic: 'mytopic', partition: 0, offset: 15, timestamp: 1545084650987, timestampType: 'CREATE_TIME' });
    expect(record!.key!.toString()).toBe('recordKey');
    expect(JSON.parse(record!.value!.toString())).toEqual({ key: 'value' });
    expect(record!.headers.headerKey!.toString()).toBe('headerValue');
  });

  it('reads a record without a key, and a partition written as a string', () => {
    const [record] = decodeKafkaEvent(JSON.parse(fixture('msk-lambda-docs-no-key.json')));
    expect(record!.key).toBeNull();
    expect(record!.partition).toBe(0);
    expect(record!.value!.toString()).toBe('Hello, this is a test.');
  });

  it('rejects what is not a Kafka event, naming the problem', () => {
    expect(() => decodeKafkaEvent({ Records: [] })).toThrow(InputError);
    expect(() => decodeKafkaEvent({ eventSource: 'aws:kafka', records: { 't-0': [{ topic: 't', partition: 0, offset: -1 }] } })).toThrow(
      /records\["t-0"\]\[0\] has offset -1/,
    );
  });
});
