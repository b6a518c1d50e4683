/**
 * The common sensor reading read straight from its bytes: one pass over the UTF-8 JSON of a flat
 * object of ASCII strings, numbers and nulls, with no string decoded but the sensor id, no object
 * built and nothing for the collector. It answers exactly what `quickReading(JSON.parse(text))`
 * answers for such a value (the property test holds it to that), and undefined for anything else
 * (escapes, non-ASCII text, nested values, exponents in a metric, invalid JSON, a reading the
 * quick check declines), which then takes the general path: JSON.parse and the declared schema,
 * which also explain a rejection.
 *
 * Why by hand: JSON.parse of a 110-byte reading costs more than the whole aggregation of it, and
 * the streaming function is measured against decoding and parsing alone (npm run bench stream).
 */
import { isoTime, MaxSensorIdLength, type SensorReading } from './schema.js';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const OPEN = 123;
const CLOSE = 125;
const MetricBound = 1e12;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The fields a reading has, by the bytes of their names. */
const Field = { other: 0, sensorId: 1, ts: 2, temperature: 3, humidity: 4, pressure: 5, battery: 6 } as const;

// most bytes are above the space: one comparison tells them
const isSpace = (c: number): boolean => c <= 32 && (c === 32 || c === 9 || c === 10 || c === 13);

const NOT = -1;

/** The value of the last number read by {@link readNumber} (a typed array: no allocation, no object). */
const numberOut = new Float64Array(1);

/**
 * Reads a JSON number at `p`; returns the position after it (its value in `numberOut[0]`, the one
 * JSON.parse gives), or -1 when the bytes there are not a JSON number.
 */
function readNumber(b: Uint8Array, p: number, n: number): number {
  const start = p;
  const negative = b[p] === MINUS;
  if (negative) p++;
  if (p >= n) return -1;
  let m = 0;
  let digits = 0;
  const first = b[p]!;
  if (first === ZERO) {
    p++;
    // a leading zero may not be followed by another digit
    if (p < n && b[p]! >= ZERO && b[p]! <= NINE) return -1;
  } else if (first > ZERO && first <= NINE) {
    for (; p < n && b[p]! >= ZERO && b[p]! <= NINE; p++) {
      m = m * 10 + (b[p]! - ZERO);
      digits++;
    }
  } else {
    return -1;
  }
  let fraction = 0;
  if (p < n && b[p] === DOT) {
    const from = ++p;
    for (; p < n && b[p]! >= ZERO && b[p]! <= NINE; p++) {
      m = m * 10 + (b[p]! - ZERO);
      digits++;
    }
    fraction = p - from;
    if (fraction === 0) return -1;
  }
  let exponent = false;
  if (p < n && (b[p] === 101 || b[p] === 69)) {
    exponent = true;
    p++;
    if (p < n && (b[p] === 43 || b[p] === MINUS)) p++;
    const from = p;
    while (p < n && b[p]! >= ZERO && b[p]! <= NINE) p++;
    if (p === from) return -1;
  }
  // up to 15 significant digits and no exponent: an exact integer over an exact power of ten, which
  // IEEE division rounds correctly, as JSON.parse does; anything else through Number, which agrees
  if (!exponent && digits <= 15) {
    const v = fraction === 0 ? m : m / POW10[fraction]!;
    numberOut[0] = negative ? -v : v;
  } else {
    numberOut[0] = Number(latin1(b, start, p));
  }
  return p;
}

/** The end of the string whose opening quote is at `p` (printable ASCII, no escapes), or -1. */
function stringEnd(b: Uint8Array, p: number, n: number): number {
  for (let q = p + 1; q < n; q++) {
    const c = b[q]!;
    if (c === QUOTE) return q;
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  }
  return -1;
}

/** Whether `literal` is at `p`. */
function isWord(b: Uint8Array, p: number, n: number, literal: Uint8Array): boolean {
  if (p + literal.length > n) return false;
  for (let i = 0; i < literal.length; i++) if (b[p + i] !== literal[i]) return false;
  return true;
}

/** Which field the key in `b[start, end)` names: told apart by length and first letter, then checked. */
function fieldOf(b: Uint8Array, start: number, end: number): number {
  let name: Uint8Array;
  let field: number;
  const length = end - start;
  if (length === 2) {
    name = TS;
    field = Field.ts;
  } else if (length === 7) {
    name = BATTERY;
    field = Field.battery;
  } else if (length === 8) {
    const c = b[start];
    name = c === 115 ? SENSOR_ID : c === 104 ? HUMIDITY : PRESSURE;
    field = c === 115 ? Field.sensorId : c === 104 ? Field.humidity : Field.pressure;
  } else if (length === 11) {
    name = TEMPERATURE;
    field = Field.temperature;
  } else {
    return Field.other;
  }
  for (let i = 0; i < length; i++) if (b[start + i] !== name[i]) return Field.other;
  return field;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const TS = ascii('ts');
const BATTERY = ascii('battery');
const SENSOR_ID = ascii('sensorId');
const HUMIDITY = ascii('humidity');
const PRESSURE = ascii('pressure');
const TEMPERATURE = ascii('temperature');

/** A reading's field names with their closing quote, by the first letter of the name. */
const QUOTED = {
  ts: ascii('ts"'),
  battery: ascii('battery"'),
  sensorId: ascii('sensorId"'),
  humidity: ascii('humidity"'),
  pressure: ascii('pressure"'),
  temperature: ascii('temperature"'),
};

/** The field {@link knownKey} matched. */
let keyField = 0;

/**
 * The position of the closing quote of the key that opens at `p` when it is one of a reading's
 * names (the field in `keyField`), or -1 (then `stringEnd` and `fieldOf` decide). It reads the
 * key's bytes once, where finding its end and then naming it read them twice; a name matched
 * byte for byte has no escape and no other byte to check.
 */
function knownKey(b: Uint8Array, p: number, n: number): number {
  let name: Uint8Array;
  switch (b[p + 1]) {
    case 115:
      name = QUOTED.sensorId;
      keyField = Field.sensorId;
      break;
    case 116:
      if (b[p + 2] === 115) {
        name = QUOTED.ts;
        keyField = Field.ts;
      } else {
        name = QUOTED.temperature;
        keyField = Field.temperature;
      }
      break;
    case 104:
      name = QUOTED.humidity;
      keyField = Field.humidity;
      break;
    case 112:
      name = QUOTED.pressure;
      keyField = Field.pressure;
      break;
    case 98:
      name = QUOTED.battery;
      keyField = Field.battery;
      break;
    default:
      return -1;
  }
  const start = p + 1;
  if (start + name.length > n) return -1;
  for (let i = 1; i < name.length; i++) if (b[start + i] !== name[i]) return -1;
  return start + name.length - 1;
}

/**
 * Sensor ids seen, by their bytes, so that each distinct id is made a string once: a stream
 * carries a few thousand sensors at most, and a string made once also hashes once in the maps
 * that group readings by sensor.
 */
const ids = {
  slots: new Int32Array(8192).fill(-1),
  keys: [] as Uint8Array[],
  strings: [] as string[],
};
const MAX_IDS = 4096;

function idString(b: Uint8Array, start: number, end: number): string {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 16777619);
  const mask = ids.slots.length - 1;
  for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
    const at = ids.slots[slot]!;
    if (at === -1) {
      const text = latin1(b, start, end);
      if (ids.keys.length < MAX_IDS) {
        ids.slots[slot] = ids.keys.length;
        ids.keys.push(b.slice(start, end));
        ids.strings.push(text);
      }
      return text;
    }
    const key = ids.keys[at]!;
    if (key.length === end - start) {
      let same = true;
      for (let i = 0; i < key.length && same; i++) same = key[i] === b[start + i];
      if (same) return ids.strings[at]!;
    }
  }
}

/** A metric as the quick check takes it: the number, undefined for null; NOT when it declines. */
function metric(kind: number): number | undefined {
  if (kind === KIND_NULL) return undefined;
  const v = numberOut[0]!;
  if (kind === KIND_NUMBER && v > -MetricBound && v < MetricBound) return v;
  return NOT;
}

const KIND_STRING = 1;
const KIND_NUMBER = 2;
const KIND_NULL = 3;
const KIND_BOOLEAN = 4;
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');

/**
 * The reading in `b` (a sensor_data value's UTF-8 bytes), or undefined when it is not a flat
 * ASCII object the quick check accepts (then the caller decodes and parses it).
 *
 * @example
 * readingFromBytes(new TextEncoder().encode('{"sensorId":"s-1","ts":1714564800000,"temperature":21.5}'));
 * // { sensorId: 's-1', ts: 1714564800000, temperature: 21.5, humidity: undefined, pressure: undefined, battery: undefined }
 */
export function readingFromBytes(b: Uint8Array): SensorReading | undefined {
  const n = b.length;
  let p = 0;
  while (p < n && isSpace(b[p]!)) p++;
  if (b[p] !== OPEN) return undefined;
  p++;
  let hasId = false;
  let idStart = 0;
  let idEnd = 0;
  let ts: number | undefined;
  let tsKind = 0;
  let temperature: number | undefined;
  let humidity: number | undefined;
  let pressure: number | undefined;
  let battery: number | undefined;
  while (p < n && isSpace(b[p]!)) p++;
  if (b[p] === CLOSE) {
    p++;
  } else {
    for (;;) {
      while (p < n && isSpace(b[p]!)) p++;
      if (b[p] !== QUOTE) return undefined;
      let keyEnd = knownKey(b, p, n);
      let field = keyField;
      if (keyEnd < 0) {
        keyEnd = stringEnd(b, p, n);
        if (keyEnd < 0) return undefined;
        field = fieldOf(b, p + 1, keyEnd);
      }
      p = keyEnd + 1;
      while (p < n && isSpace(b[p]!)) p++;
      if (b[p] !== COLON) return undefined;
      p++;
      while (p < n && isSpace(b[p]!)) p++;
      if (p >= n) return undefined;
      // the value: a string, null, true, false or a number (an object or a list: not here)
      const c = b[p]!;
      let kind: number;
      let valueStart = p + 1;
      let valueEnd = 0;
      if (c === QUOTE) {
        valueEnd = stringEnd(b, p, n);
        if (valueEnd < 0) return undefined;
        kind = KIND_STRING;
        p = valueEnd + 1;
      } else if (c === 110) {
        if (!isWord(b, p, n, NULL)) return undefined;
        kind = KIND_NULL;
        p += 4;
      } else if (c === 116 || c === 102) {
        const word = c === 116 ? TRUE : FALSE;
        if (!isWord(b, p, n, word)) return undefined;
        kind = KIND_BOOLEAN;
        p += word.length;
      } else {
        valueStart = p;
        p = readNumber(b, p, n);
        if (p < 0) return undefined;
        kind = KIND_NUMBER;
      }
      // a later duplicate key wins, as in JSON.parse
      switch (field) {
        case Field.sensorId:
          hasId = kind === KIND_STRING;
          idStart = valueStart;
          idEnd = valueEnd;
          break;
        case Field.ts:
          tsKind = kind;
          ts = kind === KIND_NUMBER ? numberOut[0] : kind === KIND_STRING ? isoTime(b, valueStart, valueEnd) : undefined;
          break;
        case Field.temperature:
          temperature = metric(kind);
          break;
        case Field.humidity:
          humidity = metric(kind);
          break;
        case Field.pressure:
          pressure = metric(kind);
          break;
        case Field.battery:
          battery = metric(kind);
          break;
      }
      while (p < n && isSpace(b[p]!)) p++;
      const next = b[p++];
      if (next === COMMA) continue;
      if (next === CLOSE) break;
      return undefined;
    }
  }
  while (p < n && isSpace(b[p]!)) p++;
  if (p !== n || !hasId) return undefined;
  // at most 128 characters (ASCII: bytes) and not blank: some byte other than a space (printable ASCII holds no other white space)
  if (idEnd - idStart > MaxSensorIdLength) return undefined;
  let visible = false;
  for (let i = idStart; i < idEnd && !visible; i++) visible = b[i] !== 32;
  if (!visible) return undefined;
  if (tsKind === KIND_NUMBER ? !(ts! >= -8.64e15 && ts! <= 8.64e15) : tsKind !== KIND_STRING || ts === undefined) return undefined;
  if (temperature === NOT || humidity === NOT || pressure === NOT || battery === NOT) return undefined;
  return { sensorId: idString(b, idStart, idEnd), ts: ts!, temperature, humidity, pressure, battery };
}

/** Printable ASCII bytes as a string. */
function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.isBuffer(b) ? b.toString('latin1', start, end) : String.fromCharCode(...b.subarray(start, end));
}
