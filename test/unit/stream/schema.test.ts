import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReading, quickReading, readingOf, SensorReadingSchema } from '../../../shared/stream/schema.js';

describe('parseReading', () => {
  it('reads epoch milliseconds and ISO-8601 times with a zone', () => {
    const a = parseReading('{"sensorId":"s-1","ts":1714564800000,"temperature":21.5}');
    const b = parseReading('{"sensorId":"s-1","ts":"2024-05-01T14:00:00.000+02:00","temperature":21.5}');
    expect(a).toEqual({ ok: true, reading: { sensorId: 's-1', ts: 1714564800000, temperature: 21.5, humidity: undefined, pressure: undefined, battery: undefined } });
    expect(b).toEqual(a);
  });

  it('takes a null or absent metric as a dropout and ignores other fields', () => {
    const r = parseReading('{"sensorId":"s-1","ts":0,"humidity":null,"firmware":"1.2"}');
    expect(r).toMatchObject({ ok: true, reading: { humidity: undefined, temperature: undefined } });
  });

  it('accepts the calendar days the quick check leaves to the schema', () => {
    expect(parseReading('{"sensorId":"s","ts":"2024-02-29T23:59:59Z"}')).toMatchObject({ ok: true, reading: { ts: Date.parse('2024-02-29T23:59:59Z') } });
    expect(parseReading('{"sensorId":"s","ts":"2024-01-31T00:00:00.123456Z"}').ok).toBe(true);
  });

  it.each([
    ['not json', /^not JSON: /],
    ['{"sensorId":"s","ts":1', /^not JSON: /],
    ['[1,2]', /^value: Invalid input: expected object, received array/],
    ['{"ts":1}', /^sensorId: Invalid input: expected string, received undefined/],
    ['{"sensorId":"  ","ts":1}', /^sensorId: must be 1 to 128 printable characters, not all spaces/],
    ['{"sensorId":"s","ts":"yesterday"}', /^ts: /],
    ['{"sensorId":"s","ts":"2023-02-29T00:00:00Z"}', /^ts: /],
    ['{"sensorId":"s","ts":"2024-05-01T12:00:00"}', /^ts: /],
    ['{"sensorId":"s","ts":9e15}', /^ts: /],
    ['{"sensorId":"s","ts":1,"temperature":1e999}', /^temperature: Invalid input: expected number, received Infinity/],
    ['{"sensorId":"s","ts":1,"humidity":"high"}', /^humidity: Invalid input: expected number, received string/],
    ['{"sensorId":"s","ts":1,"pressure":2e12}', /^pressure: Too big/],
  ])('rejects %s, saying why', (text, reason) => {
    const r = parseReading(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });

  it('says why in the words of every issue the schema finds, and leaves the stack trace limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const data = { sensorId: 7, ts: 'soon', temperature: 'warm', battery: 1e13 };
    const result = parseReading(JSON.stringify(data));
    expect(result).toEqual({
      ok: false,
      reason:
        'sensorId: Invalid input: expected string, received number; '
        + 'ts: must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z), got "soon"; '
        + 'temperature: Invalid input: expected number, received string; '
        + 'battery: Too big: expected number to be <1000000000000',
    });
    expect(parseReading('{"sensorId":')).toEqual({ ok: false, reason: expect.stringMatching(/^not JSON: Unexpected end of JSON input/) });
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe('quickReading', () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.double(),
    fc.double({ min: -1e13, max: 1e13 }),
    fc.string(),
    fc.boolean(),
  );
  const time = fc.oneof(
    fc.double(),
    fc.integer({ min: -9e15, max: 9e15 }),
    fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
    fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('', '.', '.5', '.123456789', '.1234567890', '.12a'), fc.constantFrom('Z', '+05:30', '-24:00', '+00:60', '', 'Zx', '+0530', '+05:3'))
      .map(([y, mo, d, h, mi, f, z]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:00${f}${z}`),
    fc.string(),
  );
  const reading = fc.record(
    {
      sensorId: fc.oneof(fc.string(), fc.constant('s-1'), fc.constantFrom('\u00a0', ' x', '\t', '\u2003s', '\u200b', 'a\u0000', 'x'.repeat(128), 'x'.repeat(129), 'é'.repeat(128)), fc.string({ minLength: 120, maxLength: 140 }), fc.integer()),
      ts: time,
      temperature: value,
      humidity: value,
      pressure: value,
      battery: value,
    },
    { requiredKeys: [] },
  );

  it('never accepts what the declared zod schema rejects, and reads the same values', () => {
    fc.assert(
      fc.property(fc.oneof(reading, fc.anything()), (data) => {
        const quick = quickReading(data);
        if (quick === undefined) return;
        const parsed = SensorReadingSchema.safeParse(data);
        expect(parsed.success).toBe(true);
        expect(quick).toEqual(readingOf(parsed.data!));
      }),
      { numRuns: 3_000 },
    );
  });

  it('accepts the shapes the generator writes, so they take the fast path', () => {
    expect(quickReading({ sensorId: 's-001', ts: 1714564800000, temperature: 21.52, humidity: 40.1, pressure: 1013.2, battery: 97.5 })).toEqual({
      sensorId: 's-001',
      ts: 1714564800000,
      temperature: 21.52,
      humidity: 40.1,
      pressure: 1013.2,
      battery: 97.5,
    });
    expect(quickReading({ sensorId: 's-001', ts: '2024-05-01T12:00:00.000Z', temperature: 21.52 })).toMatchObject({ sensorId: 's-001', ts: Date.UTC(2024, 4, 1, 12), temperature: 21.52 });
  });
});
