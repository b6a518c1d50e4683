/**
 * Reading change events: Debezium-style `{op, before, after, source, ts_ms}` values keyed by
 * customer ID (docs/cdc.md, "Change events"). Pure; a bad record becomes a `malformed` event with
 * the reason, never an exception, so the partition keeps moving.
 */
import { KEY } from '../preprocess/features.js';
import { encodeCustomer, type Row } from './layout.js';

/** One record of a partition, as the core needs it (MSKEvent or EventLog record alike). */
export interface CdcRecord {
  readonly offset: number;
  /** The record key: the customer ID as text, or Debezium's JSON key `{"ID": 5524}`. */
  readonly key: Uint8Array | string | null;
  readonly value: Uint8Array | string | null;
  /** When the record entered the log (epoch ms, as Kafka and the MSK event give it), where known. */
  readonly timestamp?: number;
}

/** Debezium's operations: create, update, delete, read (snapshot). */
export const OPS = ['c', 'u', 'd', 'r'] as const;
export type Op = (typeof OPS)[number];

/** A record, understood. */
export type ChangeEvent =
  | { readonly kind: 'upsert'; readonly offset: number; readonly op: 'c' | 'u' | 'r'; readonly key: string; readonly row: Row }
  | { readonly kind: 'delete'; readonly offset: number; readonly key: string }
  /** A null value: Kafka's tombstone after a delete (for log compaction); nothing to do. */
  | { readonly kind: 'tombstone'; readonly offset: number }
  | { readonly kind: 'malformed'; readonly offset: number; readonly key: string | null; readonly reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one record into a change event (or a `malformed` one naming the reason).
 *
 * @example
 * parseRecord({ offset: 7, key: '5524', value: '{"op":"d","before":null,"after":null}' });
 * // { kind: 'delete', offset: 7, key: '5524' }
 */
export function parseRecord(record: CdcRecord): ChangeEvent {
  const { offset } = record;
  let keyText: string | null;
  let valueText: string | null;
  try {
    keyText = text(record.key);
    valueText = text(record.value);
  } catch {
    return malformed(offset, 'key or value is not UTF-8 text');
  }
  const recordKey = keyText === null ? null : keyOf(keyText);
  if (recordKey === undefined) return malformed(offset, `the record key ${quote(keyText)} is not a customer ID`);
  if (valueText === null || valueText === '') return { kind: 'tombstone', offset };

  let parsed: unknown;
  try {
    parsed = JSON.parse(valueText);
  } catch (error) {
    return malformed(offset, `value is not JSON: ${(error as Error).message}`, recordKey);
  }
  // the JSON converter with schemas enabled wraps the event as {schema, payload}
  if (isObject(parsed) && 'payload' in parsed && 'schema' in parsed) parsed = parsed.payload;
  if (!isObject(parsed)) return malformed(offset, `value is ${kindOf(parsed)}, not a change event object`, recordKey);

  // (this runs for every change: no closures or lists are made on the way)
  const { op, before, after, source } = parsed;
  if (op !== 'c' && op !== 'u' && op !== 'd' && op !== 'r') {
    return malformed(offset, `unknown op ${quote(typeof op === 'string' ? op : kindOf(op))} (expected c, u, d or r)`, recordKey);
  }
  if (before !== undefined && before !== null && !isObject(before)) return malformed(offset, `before is ${kindOf(before)}, not an object or null`, recordKey);
  if (after !== undefined && after !== null && !isObject(after)) return malformed(offset, `after is ${kindOf(after)}, not an object or null`, recordKey);
  if (source !== undefined && source !== null && !isObject(source)) return malformed(offset, `source is ${kindOf(source)}, not an object`, recordKey);
  const image = (op === 'd' ? before : after) as Record<string, unknown> | null | undefined;
  const imageId = image?.[KEY];
  const imageKey = imageId === undefined || imageId === null ? null : keyOf(String(imageId));
  if (imageKey === undefined) return malformed(offset, `${op === 'd' ? 'before' : 'after'}.${KEY} ${quote(String(imageId))} is not a customer ID`, recordKey);
  const key = recordKey ?? imageKey;
  if (key === null) return malformed(offset, 'no key: neither the record key nor the image has an ID');
  if (imageKey !== null && imageKey !== key) return malformed(offset, `the record key '${key}' and ${KEY} '${imageKey}' of the image disagree`, key);

  if (op === 'd') return { kind: 'delete', offset, key };
  if (after === undefined || after === null) return malformed(offset, `op '${op}' has no after image`, key);
  const encoded = encodeCustomer(after as Record<string, unknown>);
  if ('error' in encoded) return malformed(offset, encoded.error, key);
  return { kind: 'upsert', offset, op, key, row: encoded.row };
}

function malformed(offset: number, reason: string, key: string | null = null): ChangeEvent {
  return { kind: 'malformed', offset, key, reason };
}

function text(bytes: Uint8Array | string | null): string | null {
  if (bytes === null) return null;
  return typeof bytes === 'string' ? bytes : decoder.decode(bytes);
}

/** A customer ID from key text: `5524`, `"5524"` or `{"ID": 5524}`; undefined when it is none. */
function keyOf(raw: string): string | null | undefined {
  // the usual key is all digits, which the last rule below takes as it is: answered without
  // trimming or regular expressions (this runs twice for every change)
  if (raw.length > 0 && raw.length <= 128 && isDigits(raw)) return raw;
  let value: unknown = raw.trim();
  if (value === '') return null;
  if (/^[[{"]/.test(value as string)) {
    try {
      value = JSON.parse(value as string);
    } catch {
      return undefined;
    }
    if (isObject(value) && 'payload' in value) value = value.payload;
    if (isObject(value)) value = value[KEY];
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^[\w.:-]{1,128}$/.test(value)) return value;
  return undefined;
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function quote(value: string | null): string {
  if (value === null) return 'null';
  return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
}
