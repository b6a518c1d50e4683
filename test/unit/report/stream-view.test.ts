import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Anomaly, WindowSummary } from '../../../shared/stream/stats.js';
import { chooseSensors, deadLetterView, evenSample, reasonClass, sensorSeries, StreamLimits, thinSeries, throughput, type SeriesPoint } from '../../../shared/report/stream-view.js';

const minute = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();

describe('chooseSensors', () => {
  it('takes the sensors with the most anomalies first, then an even sample of the others, in id order', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `s-${String(i + 1).padStart(3, '0')}`);
    const chosen = chooseSensors(ids, new Map([['s-007', 1], ['s-003', 5], ['s-019', 5]]), 6, 2);
    expect(chosen).toEqual([
      { id: 's-003', chosenFor: 'anomalies' },
      { id: 's-019', chosenFor: 'anomalies' },
      { id: 's-001', chosenFor: 'sample' },
      { id: 's-008', chosenFor: 'sample' },
      { id: 's-013', chosenFor: 'sample' },
      { id: 's-020', chosenFor: 'sample' },
    ]);
  });

  it('never chooses more than asked nor a sensor twice', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 60 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), (ids, total, anomalous) => {
        const counts = new Map(ids.filter((_, i) => i % 3 === 0).map((id) => [id, 1]));
        const chosen = chooseSensors(ids, counts, total, Math.min(anomalous, total));
        expect(chosen.length).toBe(Math.min(total, new Set(ids).size));
        expect(new Set(chosen.map((c) => c.id)).size).toBe(chosen.length);
      }),
    );
  });
});

describe('evenSample', () => {
  it('spreads the picks over the list, first and last included', () => {
    expect(evenSample(['a', 'b', 'c', 'd', 'e'], 3)).toEqual(['a', 'c', 'e']);
    expect(evenSample(['a', 'b'], 5)).toEqual(['a', 'b']);
    expect(evenSample(['a', 'b'], 0)).toEqual([]);
  });
});

describe('thinSeries', () => {
  it('keeps every reading inside the band and the weighted mean of each run', () => {
    const points: SeriesPoint[] = Array.from({ length: 1000 }, (_, i) => ({ t: minute(i), mean: i % 7, min: (i % 7) - i / 100, max: (i % 7) + 1, count: 1 + (i % 3) }));
    const { points: thin, minutesPerPoint } = thinSeries(points, 240);
    expect(thin.length).toBeLessThanOrEqual(240);
    expect(minutesPerPoint).toBe(5);
    expect(Math.min(...thin.map((p) => p.min))).toBe(Math.min(...points.map((p) => p.min)));
    expect(Math.max(...thin.map((p) => p.max))).toBe(Math.max(...points.map((p) => p.max)));
    expect(thin.reduce((s, p) => s + p.count, 0)).toBe(points.reduce((s, p) => s + p.count, 0));
    const run = points.slice(0, 5);
    expect(thin[0]!.mean).toBeCloseTo(run.reduce((s, p) => s + p.mean * p.count, 0) / run.reduce((s, p) => s + p.count, 0), 12);
  });

  it('leaves a short series as it is', () => {
    const points = [{ t: minute(0), mean: 1, min: 0, max: 2, count: 3 }];
    expect(thinSeries(points, 240)).toEqual({ points, minutesPerPoint: 1 });
  });
});

describe('sensorSeries', () => {
  it("draws an anomalous sensor's most flagged metric with its anomalies, and lists every sensor", () => {
    const windows: WindowSummary[] = ['a', 'b'].flatMap((sensorId) =>
      Array.from({ length: 3 }, (_, i) => ({
        sensorId,
        windowStart: minute(i),
        readings: 10,
        temperature: { count: 10, mean: 20, min: 19, max: 21, stddev: 1 },
        humidity: { count: 10, mean: 50, min: 40, max: 60, stddev: 5 },
      })),
    );
    const anomaly: Anomaly = { kind: 'zscore', sensorId: 'b', windowStart: minute(1), metric: 'humidity', value: 99, zScore: 9, mean: 50, stddev: 5 };
    const { series, rows } = sensorSeries(windows, [anomaly]);
    expect(series.map((s) => [s.sensorId, s.metric, s.chosenFor, s.anomalies.length])).toEqual([
      ['b', 'humidity', 'anomalies', 1],
      ['a', 'temperature', 'sample', 0],
    ]);
    expect(series[0]!.points.map((p) => p.max)).toEqual([60, 60, 60]);
    expect(rows.map((r) => [r.sensorId, r.minutes, r.readings, r.anomalies])).toEqual([
      ['b', 3, 30, 1],
      ['a', 3, 30, 0],
    ]);
  });
});

describe('throughput', () => {
  it('bins the records of the batches by when they were written, as a rate per second', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
    const flow = throughput([
      { records: 100, at: at(10) },
      { records: 100, at: at(90) },
      { records: 50, at: at(350) },
    ])!;
    expect(flow.binMs).toBe(100);
    expect(flow.points.map((p) => p.perSecond)).toEqual([2000, 0, 0, 500]);
    expect(flow.records).toBe(250);
  });

  it('widens the bins to keep their number bounded over a long run', () => {
    const batches = Array.from({ length: 500 }, (_, i) => ({ records: 10, at: new Date(i * 7_000) }));
    const flow = throughput(batches)!;
    expect(flow.points.length).toBeLessThanOrEqual(StreamLimits.throughputBins);
    expect(flow.points.reduce((s, p) => s + (p.perSecond * flow.binMs) / 1000, 0)).toBeCloseTo(5000, 6);
  });

  it('has nothing to draw without write times', () => {
    expect(throughput([{ records: 1, at: undefined }])).toBeUndefined();
    expect(throughput([])).toBeUndefined();
  });
});

describe('reasonClass', () => {
  it('drops the particulars so that alike reasons group', () => {
    expect(reasonClass('ts: must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z), got "yesterday"')).toBe('ts: must be an ISO-8601 date-time with a zone (such as 2024-05-01T12:00:00Z)');
    expect(reasonClass('not JSON: Unterminated string in JSON at position 22')).toBe('not JSON: Unterminated string in JSON');
    expect(reasonClass('not JSON: Unterminated string in JSON at position 16 (line 1 column 17)')).toBe('not JSON: Unterminated string in JSON');
    expect(reasonClass("unknown op 'x' (expected c, u, d or r)")).toBe('unknown op … (expected c, u, d or r)');
  });
});

describe('deadLetterView', () => {
  const letter = (partition: number, offset: number, reason: string) => ({ topic: 't', partition, offset, key: null, value: `v${offset}`, reason });

  it('counts a record dead-lettered twice once, groups by reason, keeps the first examples in offset order', () => {
    const view = deadLetterView([
      letter(0, 9, 'not JSON: Unexpected token at position 3'),
      letter(0, 2, 'not JSON: Unexpected token at position 1'),
      letter(0, 2, 'not JSON: Unexpected token at position 1'),
      letter(1, 5, 'sensorId: expected string'),
      letter(0, 4, 'not JSON: Unexpected token at position 7'),
      letter(0, 1, 'not JSON: Unexpected token at position 9'),
    ]);
    expect(view.total).toBe(5);
    expect(view.reasons.map((r) => [r.reason, r.count, r.examples.map((e) => e.offset)])).toEqual([
      ['not JSON: Unexpected token', 4, [1, 2, 4]],
      ['sensorId: expected string', 1, [5]],
    ]);
    expect(view.partitions).toEqual([
      { topic: 't', partition: 0, count: 4, firstOffset: 1, lastOffset: 9 },
      { topic: 't', partition: 1, count: 1, firstOffset: 5, lastOffset: 5 },
    ]);
  });

  it('sums the rarest reasons beyond the first twelve', () => {
    const view = deadLetterView(Array.from({ length: 15 }, (_, i) => letter(0, i, `reason ${String.fromCharCode(97 + i)}`)));
    expect(view.reasons).toHaveLength(StreamLimits.reasons + 1);
    expect(view.reasons.at(-1)).toMatchObject({ reason: '3 other reasons', count: 3 });
    expect(view.reasons.reduce((s, r) => s + r.count, 0)).toBe(15);
  });
});
