import { Random } from './random.js';

/** The kinds of malformed `sensor_data` messages `--bad-ratio` mixes in. */
export const BadKinds = ['not-json', 'missing-sensor-id', 'bad-ts', 'non-finite', 'wrong-type', 'empty'] as const;
export type BadKind = (typeof BadKinds)[number];

export interface SensorGeneratorOptions {
  /** Number of sensors (keys). @default 10 */
  readonly sensors?: number;
  /** Messages to generate; `Infinity` for an endless stream. */
  readonly count: number;
  /** @default 1 */
  readonly seed?: number;
  /** Share of malformed messages, 0 to 1. @default 0 */
  readonly badRatio?: number;
  /** Event time of the first reading, epoch ms. @default 2024-05-01T00:00:00Z */
  readonly start?: number;
  /** Event time between consecutive messages. @default 1000 / sensors (each sensor once a second) */
  readonly intervalMs?: number;
}

/** One message for `sensor_data`: keyed by sensor, JSON value; `bad` says how it is malformed. */
export interface SensorMessage {
  readonly key: string;
  readonly value: string;
  /** Event time, epoch ms (also the Kafka record timestamp). */
  readonly timestamp: number;
  readonly bad?: BadKind;
}

interface Sensor {
  readonly id: string;
  readonly baseTemperature: number;
  readonly amplitude: number;
  readonly baseHumidity: number;
  pressure: number;
  battery: number;
  readonly drain: number;
  /** Readings left in the current outage (the sensor sends nothing). */
  silent: number;
}

const HourMs = 3_600_000;
const DayMs = 24 * HourMs;
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A stream of synthetic sensor readings, deterministic per seed: each sensor has its own climate
 * (a daily temperature cycle peaking mid-afternoon, humidity moving against it, pressure drifting
 * as a random walk, a battery slowly draining), measurement noise, occasional spikes (a reading
 * far off, the anomalies to find), dropouts (a metric missing or null, or a sensor silent for a
 * while). `ts` is written as epoch milliseconds or as ISO-8601 (with `Z` or an offset), both as
 * they occur in the wild. With `badRatio`, that share of messages is malformed in one of
 * {@link BadKinds}.
 *
 * @example
 * for (const m of sensorMessages({ count: 3, seed: 7 })) console.log(m.key, m.value);
 * // s-001 {"sensorId":"s-001","ts":1714521600000,"temperature":14.87,...}
 */
export function* sensorMessages(options: SensorGeneratorOptions): Generator<SensorMessage> {
  const count = options.count;
  const sensorCount = options.sensors ?? 10;
  if (!Number.isInteger(sensorCount) || sensorCount < 1) throw new RangeError(`sensors must be a positive integer, got ${sensorCount}`);
  const badRatio = options.badRatio ?? 0;
  if (!(badRatio >= 0 && badRatio <= 1)) throw new RangeError(`badRatio must be between 0 and 1, got ${badRatio}`);
  const rng = new Random(options.seed ?? 1);
  const start = options.start ?? Date.parse('2024-05-01T00:00:00Z');
  const interval = options.intervalMs ?? 1000 / sensorCount;
  const sensors: Sensor[] = Array.from({ length: sensorCount }, (_, i) => ({
    id: `s-${String(i + 1).padStart(3, '0')}`,
    baseTemperature: rng.normal(19, 4),
    amplitude: 2 + rng.float() * 6,
    baseHumidity: 40 + rng.float() * 30,
    pressure: rng.normal(1013, 6),
    battery: 60 + rng.float() * 40,
    drain: 0.0001 + rng.float() * 0.0004,
    silent: 0,
  }));

  let produced = 0;
  for (let slot = 0; produced < count; slot++) {
    const sensor = sensors[slot % sensorCount]!;
    const ts = Math.round(start + slot * interval);
    // the sensor's state moves on even while it is silent
    sensor.pressure += rng.normal(0, 0.05) + (1013 - sensor.pressure) * 0.001;
    sensor.battery = Math.max(0, sensor.battery - sensor.drain);
    if (sensor.silent > 0) {
      sensor.silent--;
      continue;
    }
    if (rng.chance(0.0005)) {
      sensor.silent = 30 + rng.below(270);
      continue;
    }
    produced++;
    if (badRatio > 0 && rng.chance(badRatio)) {
      const kind = BadKinds[rng.below(BadKinds.length)]!;
      yield { key: sensor.id, value: malformed(kind, sensor.id, ts, rng), timestamp: ts, bad: kind };
      continue;
    }
    const hourOfDay = (((ts % DayMs) + DayMs) % DayMs) / HourMs;
    const cycle = Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24); // peaks at 15:00
    let temperature = sensor.baseTemperature + sensor.amplitude * cycle + rng.normal(0, 0.3);
    let humidity = sensor.baseHumidity - 2.5 * sensor.amplitude * cycle + rng.normal(0, 1.5);
    let pressure = sensor.pressure + rng.normal(0, 0.2);
    if (rng.chance(0.002)) {
      // a spike: one reading far off (a heat source, a faulty channel)
      const which = rng.below(3);
      if (which === 0) temperature += (rng.chance(0.5) ? 1 : -1) * (25 + rng.float() * 20);
      else if (which === 1) humidity = rng.chance(0.5) ? 100 + rng.float() * 5 : rng.float() * 3;
      else pressure -= 40 + rng.float() * 40;
    }
    humidity = Math.min(100, Math.max(0, humidity));
    const reading: Record<string, unknown> = { sensorId: sensor.id, ts: timeText(ts, rng) };
    const put = (name: string, value: number, digits: number): void => {
      // a dropout: the channel is missing, or sent as null
      if (rng.chance(0.01)) {
        if (rng.chance(0.5)) reading[name] = null;
        return;
      }
      reading[name] = round(value, digits);
    };
    put('temperature', temperature, 2);
    put('humidity', humidity, 2);
    put('pressure', pressure, 2);
    put('battery', sensor.battery, 1);
    yield { key: sensor.id, value: JSON.stringify(reading), timestamp: ts };
  }
}

/** `ts` as epoch ms (half the time) or ISO-8601 in UTC (`Z`) or, now and then, with an offset. */
function timeText(ts: number, rng: Random): number | string {
  const pick = rng.float();
  if (pick < 0.5) return ts;
  if (pick < 0.9) return new Date(ts).toISOString();
  const offsetHours = 1 + rng.below(9);
  const local = new Date(ts + offsetHours * HourMs).toISOString().slice(0, -1);
  return `${local}+${String(offsetHours).padStart(2, '0')}:00`;
}

function malformed(kind: BadKind, sensorId: string, ts: number, rng: Random): string {
  const good = { sensorId, ts, temperature: round(rng.normal(20, 3), 2), humidity: round(rng.normal(50, 5), 2) };
  switch (kind) {
    case 'not-json':
      return JSON.stringify(good).slice(0, 10 + rng.below(20));
    case 'missing-sensor-id': {
      const { sensorId: _, ...rest } = good;
      return JSON.stringify(rest);
    }
    case 'bad-ts':
      return JSON.stringify({ ...good, ts: ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T10:00:00Z', '', null][rng.below(5)] });
    case 'non-finite':
      // JSON has no Infinity: 1e999 parses to it, and some senders write "NaN"
      return rng.chance(0.5) ? JSON.stringify(good).replace(/"temperature":[^,}]+/, '"temperature":1e999') : JSON.stringify({ ...good, temperature: 'NaN' });
    case 'wrong-type':
      return JSON.stringify({ ...good, humidity: 'high' });
    case 'empty':
      return '';
  }
}
