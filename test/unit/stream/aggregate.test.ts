import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregatePartition,
  mergeWindows,
  streamObjects,
  summarizeMetric,
  type StreamInput,
  type WindowPartial,
} from '../../../shared/stream/index.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const input = (offset: number, value: unknown, partition = 0): StreamInput => ({
  topic: 'sensor_data',
  partition,
  offset,
  key: utf8('k'),
  value: utf8(typeof value === 'string' ? value : JSON.stringify(value)),
});
const minute = Date.parse('2024-05-01T12:00:00Z');

describe('aggregatePartition', () => {
  it('puts readings into one-minute tumbling windows of event time, per sensor', () => {
    const { partial } = aggregatePartition([
      input(0, { sensorId: 'a', ts: minute, temperature: 20 }),
      input(1, { sensorId: 'a', ts: minute + 59_999, temperature: 22 }),
      input(2, { sensorId: 'a', ts: new Date(minute + 60_000).toISOString(), temperature: 30 }),
      input(3, { sensorId: 'b', ts: minute + 1, temperature: 5 }),
    ]);
    expect(partial.windows.map((w) => [w.sensorId, w.windowStart - minute, w.readings])).toEqual([
      ['a', 0, 2],
      ['a', 60_000, 1],
      ['b', 0, 1],
    ]);
    expect(partial.windows[0]!.metrics.temperature).toEqual({ count: 2, sum: '42000', sumSquares: '884000000', min: 20, max: 22 });
    expect(partial).toMatchObject({ topic: 'sensor_data', partition: 0, firstOffset: 0, lastOffset: 3, records: 4, valid: 4, deadLetters: 0 });
  });

  it('places times before 1970 in the window they belong to, when the configured window reaches them', () => {
    const { partial } = aggregatePartition([input(0, { sensorId: 'a', ts: -1, battery: 50 })], undefined, { earliest: -1e15, latest: 0 });
    expect(partial.windows[0]!.windowStart).toBe(-60_000);
  });

  it('dead-letters a reading whose time no fleet would send: before 2000, or more than a day after the record that carries it', () => {
    const logged = Date.parse('2026-11-30T10:00:00Z');
    const at = (offset: number, ts: number | string) => ({ ...input(offset, { sensorId: 'a', ts, temperature: 20 }), timestamp: logged });
    const { partial, deadLetters } = aggregatePartition([
      at(0, -8.64e15),
      at(1, '9999-12-31T23:59:59Z'),
      at(2, Date.parse('1999-12-31T23:59:59Z')),
      at(3, logged + 86_400_001),
      at(4, logged + 86_400_000),
      at(5, Date.parse('2000-01-01T00:00:00Z')),
    ]);
    expect(partial).toMatchObject({ records: 6, valid: 2, deadLetters: 4 });
    expect(deadLetters.map((d) => [d.offset, d.reason])).toEqual([
      [0, 'ts: -271821-04-20T00:00:00.000Z is outside the accepted window, 2000-01-01T00:00:00.000Z to 24 h after the record (2026-12-01T10:00:00.000Z)'],
      [1, 'ts: 9999-12-31T23:59:59.000Z is outside the accepted window, 2000-01-01T00:00:00.000Z to 24 h after the record (2026-12-01T10:00:00.000Z)'],
      [2, expect.stringMatching(/^ts: 1999-12-31T23:59:59\.000Z is outside/)],
      [3, expect.stringMatching(/^ts: 2026-12-01T10:00:00\.001Z is outside/)],
    ]);
    // a configured range replaces the default (a backfill of older readings, say)
    const backfill = aggregatePartition([at(0, Date.parse('1995-06-01T00:00:00Z')), at(1, logged)], undefined, { earliest: Date.parse('1990-01-01T00:00:00Z'), latest: Date.parse('2000-01-01T00:00:00Z') });
    expect(backfill.deadLetters.map((d) => d.offset)).toEqual([1]);
  });

  it('dead-letters a value that is not UTF-8 instead of replacing its bytes, keeping them for a re-send', () => {
    const bytes = Uint8Array.from([...utf8('{"sensorId":"s-'), 0xff, 0xfe, ...utf8(`","ts":${minute}}`)]);
    const { deadLetters } = aggregatePartition([{ ...input(0, ''), value: bytes, key: Uint8Array.of(0xc3) }]);
    expect(deadLetters).toEqual([
      { topic: 'sensor_data', partition: 0, offset: 0, reason: 'the value is not UTF-8 text', key: null, keyBase64: 'ww==', value: null, valueBase64: Buffer.from(bytes).toString('base64') },
    ]);
  });

  it('dead-letters sensor ids no fleet uses (empty, blank, invisible, control characters, over 128 characters) and keeps a 1 MB value whole', () => {
    const id = (sensorId: string, offset: number) => input(offset, { sensorId, ts: minute, temperature: 1 });
    const big = 'x'.repeat(1 << 20);
    const { partial, deadLetters } = aggregatePartition([id('', 0), id('   ', 1), id('\u200b', 2), id('s\u0000', 3), id('s'.repeat(129), 4), id(big, 5), id('é'.repeat(128), 6), id('s'.repeat(128), 7)]);
    expect(deadLetters.map((d) => d.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const d of deadLetters) expect(d.reason).toBe('sensorId: must be 1 to 128 printable characters, not all spaces');
    expect(deadLetters[5]!.value).toBe(JSON.stringify({ sensorId: big, ts: minute, temperature: 1 }));
    expect(partial.windows.map((w) => w.sensorId.length)).toEqual([128, 128]);
  });

  it('counts each metric only where present, a dropout leaving the others', () => {
    const { partial } = aggregatePartition([
      input(0, { sensorId: 'a', ts: minute, temperature: 20, humidity: 50 }),
      input(1, { sensorId: 'a', ts: minute, temperature: null, humidity: 52 }),
    ]);
    const w = partial.windows[0]!;
    expect(w.readings).toBe(2);
    expect(w.metrics.temperature!.count).toBe(1);
    expect(w.metrics.humidity!.count).toBe(2);
    expect(w.metrics.pressure).toBeUndefined();
  });

  it('dead-letters malformed records with topic, partition, offset and reason, and goes on', () => {
    const { partial, deadLetters } = aggregatePartition([
      input(7, 'not json'),
      input(8, { sensorId: 'a', ts: minute, temperature: 20 }),
      { ...input(9, {}), value: null },
    ]);
    expect(partial).toMatchObject({ records: 3, valid: 1, deadLetters: 2 });
    expect(deadLetters).toEqual([
      { topic: 'sensor_data', partition: 0, offset: 7, reason: expect.stringMatching(/^not JSON/), key: 'k', value: 'not json' },
      { topic: 'sensor_data', partition: 0, offset: 9, reason: 'no value (a null record)', key: 'k', value: null },
    ]);
  });

  it('flags readings outside the hard limits and still counts them', () => {
    const { partial } = aggregatePartition(
      [input(0, { sensorId: 'a', ts: minute, temperature: 99, humidity: -1 }), input(1, { sensorId: 'a', ts: minute, temperature: 20 })],
      { temperature: { max: 85 }, humidity: { min: 0 } },
    );
    expect(partial.anomalies).toEqual([
      { kind: 'limit', topic: 'sensor_data', partition: 0, offset: 0, sensorId: 'a', ts: '2024-05-01T12:00:00.000Z', metric: 'temperature', value: 99, bound: 'max', limit: 85 },
      { kind: 'limit', topic: 'sensor_data', partition: 0, offset: 0, sensorId: 'a', ts: '2024-05-01T12:00:00.000Z', metric: 'humidity', value: -1, bound: 'min', limit: 0 },
    ]);
    expect(partial.windows[0]!.metrics.temperature!.count).toBe(2);
  });

  it('keeps sums exact past 2^53', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => input(i, { sensorId: 'a', ts: minute, pressure: 99_999.999 }));
    const m = aggregatePartition(records).partial.windows[0]!.metrics.pressure!;
    expect(m.sum).toBe(String(99_999_999n * 10_000n));
    expect(m.sumSquares).toBe(String(99_999_999n * 99_999_999n * 10_000n));
    expect(summarizeMetric(m).mean).toBeCloseTo(99_999.999, 9);
  });
});

describe('streamObjects', () => {
  it('names outputs by source (topic and event log), partition and offset range, dead letters first', () => {
    const objects = streamObjects([input(100, { sensorId: 'a', ts: minute }), input(101, 'bad'), input(5, { sensorId: 'b', ts: minute }, 2)], undefined, undefined, { log: 'kafka.q1w2' });
    expect(objects.map((o) => o.key)).toEqual([
      'results/stream/dead-letters/sensor_data@kafka.q1w2/0/00000000000000000100-00000000000000000101.json',
      'results/stream/partials/sensor_data@kafka.q1w2/0/00000000000000000100-00000000000000000101.json',
      'results/stream/partials/sensor_data@kafka.q1w2/2/00000000000000000005-00000000000000000005.json',
    ]);
    expect(JSON.parse(objects[1]!.body)).toMatchObject({ topic: 'sensor_data', log: 'kafka.q1w2', partition: 0 });
  });

  it('refuses a topic that is not a Kafka topic name before building any key of it', () => {
    expect(() => streamObjects([{ ...input(0, { sensorId: 'a', ts: minute }), topic: '../../../models/response' }], undefined, undefined, { log: 'kafka.q1w2' })).toThrow(
      'invalid topic "../../../models/response"',
    );
  });

  it('writes the same bytes for the same batch, however often it is replayed', () => {
    const batch = Array.from({ length: 50 }, (_, i) => input(i, i % 7 === 0 ? 'x' : { sensorId: `s${i % 3}`, ts: minute + i * 7_000, temperature: i / 3 }));
    expect(streamObjects(batch)).toEqual(streamObjects(batch.map((r) => ({ ...r, value: new Uint8Array(r.value!) }))));
  });
});

/** A stream of sensor records: mostly valid readings over a few sensors and minutes, some malformed. */
const stream = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.record({
      sensorId: fc.constantFrom('a', 'b', 'c'),
      ts: fc.integer({ min: minute, max: minute + 5 * 60_000 }),
      temperature: fc.option(fc.double({ min: -50, max: 120, noNaN: true }), { nil: undefined }),
      pressure: fc.option(fc.double({ min: 800, max: 1100, noNaN: true }), { nil: undefined }),
      battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    }) },
    { weight: 1, arbitrary: fc.constantFrom('not json', '{"ts":1}', '{"sensorId":"a","ts":"soon"}') },
  ),
  { minLength: 1, maxLength: 300 },
);

/** Cuts `n` items into consecutive batches at the given cut points. */
function split<T>(items: readonly T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % items.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: T[][] = [];
  let start = 0;
  for (const p of [...points, items.length]) {
    out.push(items.slice(start, p));
    start = p;
  }
  return out;
}

describe('merging partials', () => {
  it('gives the same result for any split of a stream into batches, in any order', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), fc.nat(), (values, cuts, seed) => {
        const records = values.map((v, i) => input(i, v));
        const whole = aggregatePartition(records).partial.windows;
        const parts: WindowPartial[][] = split(records, cuts).map((batch) => [...aggregatePartition(batch).partial.windows]);
        // any order of the batches' partials
        const shuffled = parts.map((p, i) => ({ p, k: (i * 7919 + seed) % 101 })).sort((x, y) => x.k - y.k).flatMap((x) => x.p);
        expect(mergeWindows(shuffled)).toEqual(mergeWindows(whole));
        // and merging merged groups (associativity) changes nothing
        const half = Math.floor(shuffled.length / 2);
        expect(mergeWindows([...mergeWindows(shuffled.slice(0, half)), ...mergeWindows(shuffled.slice(half))])).toEqual(mergeWindows(whole));
      }),
      { numRuns: 300 },
    );
  });
});
