import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sensorMessages } from '../../../data/generators/sensors.js';
import { readingFromBytes } from '../../../shared/stream/fast-reading.js';
import { quickReading } from '../../../shared/stream/schema.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** What the general path answers for a text: the quick check of JSON.parse, or undefined. */
function general(text: string) {
  try {
    return quickReading(JSON.parse(text));
  } catch {
    return undefined;
  }
}

describe('readingFromBytes', () => {
  const number = fc.oneof(fc.double(), fc.double({ min: -1e13, max: 1e13 }), fc.integer(), fc.constantFrom(0, -0, 1e21, 1.5e-7, 123456789012345.6, 0.1, 1e12, -1e12));
  const value = fc.oneof(fc.constant(undefined), fc.constant(null), number, fc.string(), fc.boolean(), fc.constant([1]), fc.constant({ a: 1 }));
  const time = fc.oneof(
    number,
    fc.integer({ min: -9e15, max: 9e15 }),
    fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2024-05-01T12:00:00Z', '2024-05-01T12:00:00.5+05:30', '0050-05-01T12:00:00Z', '2024-05-31T12:00:00Z', '2024-05-01T12:00:00.1234567891Z', '2024-05-01 12:00:00Z'),
    fc.string(),
  );
  const reading = fc.record(
    {
      sensorId: fc.oneof(fc.string(), fc.constant('s-1'), fc.constantFrom(' ', ' x', 'é', 'a"b', 'a\\b', '', 'x'.repeat(128), 'x'.repeat(129)), fc.integer()),
      ts: time,
      temperature: value,
      humidity: value,
      pressure: value,
      battery: value,
      other: value,
      // names that begin as a reading's do, or are one letter off: not the field
      tsx: time,
      t: time,
      temperatur: number,
      temperaturE: number,
      sensorIdx: fc.constant('s-2'),
      sensor: fc.constant('s-3'),
      humidityy: number,
      pressur: number,
      b: number,
    },
    { requiredKeys: [] },
  );
  /** JSON text as a producer might write it: compact, spaced, with a duplicate key, or broken. */
  const text = fc.oneof(
    reading.map((r) => JSON.stringify(r)),
    reading.map((r) => JSON.stringify(r, null, 1)),
    reading.map((r) => ` ${JSON.stringify(r).replaceAll(',', ' , ').replaceAll(':', ' :\t')}\n`),
    fc.tuple(reading, reading).map(([a, b]) => `${JSON.stringify(a).slice(0, -1)}${Object.keys(a).length && Object.keys(b).length ? ',' : ''}${JSON.stringify(b).slice(1)}`),
    reading.map((r) => JSON.stringify(r).slice(0, -1)),
    fc.string(),
    fc.constantFrom('{}', '[]', 'null', '{"sensorId":"s","ts":1}x', '{"sensorId":"s","ts":01}', '{"sensorId":"s","ts":1.}', '{"sensorId":"s","ts":-}', '{"sensorId":"s","ts":1e3}', '{"sensorId":"s","ts":1,}'),
  );

  it('answers what JSON.parse and the quick check answer, or leaves the value to them', () => {
    fc.assert(
      fc.property(text, (t) => {
        const fast = readingFromBytes(bytes(t));
        if (fast !== undefined) expect(fast).toEqual(general(t));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes every valid reading the generator writes, whatever its time format', () => {
    let valid = 0;
    for (const m of sensorMessages({ count: 2_000, sensors: 20, seed: 3, badRatio: 0.05 })) {
      const expected = general(m.value);
      if (expected === undefined) continue;
      valid++;
      expect(readingFromBytes(bytes(m.value))).toEqual(expected);
    }
    expect(valid).toBeGreaterThan(1_800);
  });

  it('leaves escapes, non-ASCII text and nested values to the general path', () => {
    expect(readingFromBytes(bytes('{"sensorId":"s\\u002d1","ts":1}'))).toBeUndefined();
    expect(readingFromBytes(bytes('{"sensorId":"capteur-é","ts":1}'))).toBeUndefined();
    expect(readingFromBytes(bytes('{"sensorId":"s-1","ts":1,"meta":{"a":1}}'))).toBeUndefined();
    expect(readingFromBytes(bytes('{"sensorId":"s-1","ts":1,"temperature":21.5}'))).toEqual({ sensorId: 's-1', ts: 1, temperature: 21.5, humidity: undefined, pressure: undefined, battery: undefined });
  });
});
