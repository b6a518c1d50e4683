import { z } from 'zod';

export { Measures, type Measure } from './measures.js';

/**
 * Metric values are summed exactly as integers of this many units per unit (0.001 resolution),
 * so that sums do not depend on how a stream was cut into batches. Beyond ±1e12 a value cannot be
 * summed exactly and is no sensor's reading: it is rejected.
 */
export const MetricBound = 1e12;

/** A value as an error message shows it: JSON, cut at 60 characters. */
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Largest and smallest epoch milliseconds a JavaScript Date can hold. */
const maxTime = 8.64e15;

const metric = z.number().gt(-MetricBound).lt(MetricBound).nullish();

/** The longest sensor id, in characters: a fleet names its devices in a few dozen. */
export const MaxSensorIdLength = 128;

/**
 * Whether `id` can name a sensor: 1 to {@link MaxSensorIdLength} characters, none of them a
 * control, format (zero-width), surrogate, private-use or unassigned character (Unicode's
 * category C), and not all white space.
 *
 * @example
 * validSensorId('s-001'); // true
 * validSensorId('\u200b'); // false: a zero-width space shows nothing
 */
export function validSensorId(id: string): boolean {
  if (id.length === 0 || id.length > 2 * MaxSensorIdLength) return false;
  return [...id].length <= MaxSensorIdLength && !/\p{C}/u.test(id) && /\S/.test(id);
}

/**
 * The `sensor_data` value (docs/stream.md, "Readings and the producer"), as the declared schema: `sensorId` 1 to
 * 128 printable characters (see {@link validSensorId}); `ts` epoch milliseconds or an ISO-8601 date-time with a zone (`Z` or
 * `+hh:mm`), naming a real instant; each metric, when present and not null, a finite number.
 * Other fields are allowed and ignored. A null metric is a dropout: the same as an absent one.
 *
 * The streaming core checks the common shapes with a faster hand-written test
 * ({@link parseReading}) and falls back to this schema, which decides and explains, for the rest.
 *
 * @example
 * SensorReadingSchema.safeParse({ sensorId: 's-1', ts: '2024-05-01T12:00:00Z', temperature: 21.5 }).success; // true
 */
export const SensorReadingSchema = z.looseObject({
  sensorId: z.string().refine(validSensorId, `must be 1 to ${MaxSensorIdLength} printable characters, not all spaces`),
  ts: z.union(
    [
      z.number().gte(-maxTime).lte(maxTime),
      z.iso
        .datetime({ offset: true, error: (issue) => `must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z), got ${shown(issue.input)}` })
        .refine((text) => !Number.isNaN(Date.parse(text)), { error: 'is not a valid time', when: (payload) => payload.issues.length === 0 }),
    ],
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is missing'
          : `must be epoch milliseconds or an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z), got ${shown(issue.input)}`,
    },
  ),
  temperature: metric,
  humidity: metric,
  pressure: metric,
  battery: metric,
});

/** A valid reading: time as epoch milliseconds, each metric a number or undefined. */
export interface SensorReading {
  readonly sensorId: string;
  readonly ts: number;
  readonly temperature: number | undefined;
  readonly humidity: number | undefined;
  readonly pressure: number | undefined;
  readonly battery: number | undefined;
}

export type ParseResult = { readonly ok: true; readonly reading: SensorReading } | { readonly ok: false; readonly reason: string };

/**
 * Parses one `sensor_data` value (JSON text) into a reading, or says why it is malformed, in the
 * words of {@link SensorReadingSchema}. A hand-written check accepts the common shapes quickly;
 * whatever it does not accept, the zod schema decides.
 *
 * @example
 * parseReading('{"sensorId":"s-1","ts":1714564800000,"temperature":21.5}'); // { ok: true, reading: {...} }
 * parseReading('{"ts":1}'); // { ok: false, reason: 'sensorId: Invalid input: expected string, received undefined' }
 */
export function parseReading(text: string): ParseResult {
  let data: unknown;
  // a malformed reading costs its error, and most of an error is its stack trace, which no one
  // reads here: the message is the reason (the limit is put back before anything else runs)
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const quick = quickReading(data);
  if (quick !== undefined) return { ok: true, reading: quick };
  // the Standard Schema entry point gives zod's issues without building a ZodError, which cost
  // ten times the check itself
  const checked = SensorReadingSchema['~standard'].validate(data);
  if (checked instanceof Promise) throw new TypeError('SensorReadingSchema must check synchronously');
  if (checked.issues !== undefined) {
    return { ok: false, reason: checked.issues.map((issue) => `${issue.path?.map(String).join('.') || 'value'}: ${issue.message}`).join('; ') };
  }
  return { ok: true, reading: readingOf(checked.value) };
}

/**
 * The reading a value accepted by {@link SensorReadingSchema} stands for: the time in epoch ms,
 * a null metric (a dropout) as a missing one.
 *
 * @example
 * readingOf(SensorReadingSchema.parse({ sensorId: 's-1', ts: '2024-05-01T00:00:00Z', humidity: null })).ts; // 1714521600000
 */
export function readingOf(r: z.output<typeof SensorReadingSchema>): SensorReading {
  return {
    sensorId: r.sensorId,
    ts: typeof r.ts === 'number' ? r.ts : Date.parse(r.ts),
    temperature: r.temperature ?? undefined,
    humidity: r.humidity ?? undefined,
    pressure: r.pressure ?? undefined,
    battery: r.battery ?? undefined,
  };
}

/**
 * The fast path: a reading when `data` is plainly valid, `undefined` when it is not or when it is
 * not sure (the schema then decides). It must never accept what the schema rejects; a property
 * test holds it to that.
 */
export function quickReading(data: unknown): SensorReading | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const r = data as Record<string, unknown>;
  const sensorId = r.sensorId;
  if (typeof sensorId !== 'string' || !quickSensorId(sensorId)) return undefined;
  const ts = quickTime(r.ts);
  if (ts === undefined) return undefined;
  const temperature = quickMetric(r.temperature);
  const humidity = quickMetric(r.humidity);
  const pressure = quickMetric(r.pressure);
  const battery = quickMetric(r.battery);
  if (temperature === null || humidity === null || pressure === null || battery === null) return undefined;
  return { sensorId, ts, temperature, humidity, pressure, battery };
}

/** A metric: the number, undefined when absent or null, `null` when the quick check declines. */
function quickMetric(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && value > -MetricBound && value < MetricBound) return value;
  return null;
}

/**
 * The ids the quick check takes without the schema: 1 to 128 printable ASCII characters, not all
 * spaces (what a fleet writes); anything else is left to {@link validSensorId}.
 */
function quickSensorId(id: string): boolean {
  if (id.length === 0 || id.length > MaxSensorIdLength) return false;
  let visible = false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 32 || c > 126) return false;
    if (c !== 32) visible = true;
  }
  return visible;
}

/** A digit's value, NaN for any other byte. */
const digit = (b: Uint8Array, at: number): number => {
  const d = b[at]! - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const two = (b: Uint8Array, at: number): number => digit(b, at) * 10 + digit(b, at + 1);

/** Where a time string's characters are put to be read as bytes (no allocation per call). */
const scratch = new Uint8Array(64);

/**
 * Epoch ms of `YYYY-MM-DDTHH:mm:ss[.fraction](Z|+hh:mm|-hh:mm)` read field by field (no regular
 * expression: this runs for every other record), or undefined for anything else. Days past the
 * 28th and out-of-range fields are left to the schema, which knows the calendar.
 *
 * @example
 * quickTime('2024-05-01T12:00:00.5+02:00'); // Date.parse of the same text
 */
export function quickTime(ts: unknown): number | undefined {
  if (typeof ts === 'number') return ts >= -maxTime && ts <= maxTime ? ts : undefined;
  if (typeof ts !== 'string' || ts.length < 20 || ts.length > 35) return undefined;
  for (let i = 0; i < ts.length; i++) {
    const c = ts.charCodeAt(i);
    if (c > 0x7e) return undefined;
    scratch[i] = c;
  }
  return isoTime(scratch, 0, ts.length);
}

/**
 * {@link quickTime} of the ASCII time text in `b[start, end)`, for readers that have the bytes
 * (the streaming function's reading scan), so no string is made for it.
 *
 * @example
 * isoTime(new TextEncoder().encode('2024-05-01T12:00:00Z'), 0, 20); // 1714564800000
 */
export function isoTime(b: Uint8Array, start: number, end: number): number | undefined {
  const length = end - start;
  if (length < 20 || length > 35) return undefined;
  const at0 = start;
  const year = two(b, at0) * 100 + two(b, at0 + 2);
  const month = two(b, at0 + 5);
  const day = two(b, at0 + 8);
  const hour = two(b, at0 + 11);
  const minute = two(b, at0 + 14);
  const second = two(b, at0 + 17);
  if (b[at0 + 4] !== 45 || b[at0 + 7] !== 45 || b[at0 + 10] !== 84 || b[at0 + 13] !== 58 || b[at0 + 16] !== 58) return undefined;
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59)) return undefined;
  let at = at0 + 19;
  // Date.parse keeps the first three digits of a fraction (milliseconds) and drops the rest
  let ms = 0;
  if (b[at] === 46 && at < end) {
    const first = ++at;
    while (at < end && digit(b, at) >= 0) at++;
    if (at === first || at - first > 9) return undefined;
    for (let i = 0; i < 3; i++) ms = ms * 10 + (first + i < at ? digit(b, first + i) : 0);
  }
  let offset = 0;
  if (b[at] === 90 && at < end) {
    if (at + 1 !== end) return undefined;
  } else {
    if ((b[at] !== 43 && b[at] !== 45) || at + 6 !== end || b[at + 3] !== 58) return undefined;
    const offsetHours = two(b, at + 1);
    const offsetMinutes = two(b, at + 4);
    if (!(offsetHours <= 23 && offsetMinutes <= 59)) return undefined;
    offset = (b[at] === 43 ? 1 : -1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  // the fields are checked above, so the proleptic Gregorian calendar's arithmetic gives what
  // Date.parse would, in integers (Date.UTC, which did it before, costs more than the rest of
  // this function, and reads years below 100 as 19xx)
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1_000 + ms - offset;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil): March-based years, so the leap day ends a year, in 400-year eras.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}
