import { describe, expect, it } from 'vitest';
import { formatRecord } from '../../../shared/cli/commands/consume.js';
import type { LogRecord } from '../../../shared/ports/event-log.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const record = (overrides: Partial<LogRecord> = {}): LogRecord => ({
  topic: 'sensor_data',
  partition: 1,
  offset: 42,
  key: bytes('s-7'),
  value: bytes('{"sensorId":"s-7","temperature":21.5}'),
  headers: {},
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
  timestampType: 'CREATE_TIME',
  ...overrides,
});

describe('formatRecord', () => {
  it('prints a line with where the record is, its time, key and compact JSON value', () => {
    expect(formatRecord(record(), { json: false })).toBe('sensor_data/1@42 2026-01-02T03:04:05.000Z key=s-7 {"sensorId":"s-7","temperature":21.5}');
  });

  it('writes JSON with the value parsed, the key and headers as text', () => {
    const line = formatRecord(record({ key: bytes('5524'), headers: { trace: bytes('abc') } }), { json: true });
    expect(JSON.parse(line)).toEqual({
      topic: 'sensor_data',
      partition: 1,
      offset: 42,
      timestamp: '2026-01-02T03:04:05.000Z',
      key: '5524',
      headers: { trace: 'abc' },
      value: { sensorId: 's-7', temperature: 21.5 },
    });
  });

  it('keeps a value that is not JSON as text, and bytes that are not UTF-8 as base64', () => {
    expect(JSON.parse(formatRecord(record({ value: bytes('not json') }), { json: true })).value).toBe('not json');
    const binary = record({ key: new Uint8Array([0xc3]), value: new Uint8Array([0xff, 0]), headers: { raw: new Uint8Array([0xfe]) } });
    expect(JSON.parse(formatRecord(binary, { json: true }))).toMatchObject({ key: { base64: 'ww==' }, value: { base64: '/wA=' }, headers: { raw: { base64: '/g==' } } });
    expect(formatRecord(binary, { json: false })).toBe('sensor_data/1@42 2026-01-02T03:04:05.000Z key=base64:ww== base64:/wA=');
  });

  it('shows a null key and a null value (a tombstone) as null', () => {
    expect(formatRecord(record({ key: null, value: null }), { json: false })).toMatch(/key=null null$/);
    expect(JSON.parse(formatRecord(record({ key: null, value: null }), { json: true }))).toMatchObject({ key: null, value: null });
  });
});
