import { describe, expect, it } from 'vitest';
import { aggregatePartition, summarize, summarizeMetric, type StreamInput } from '../../../shared/stream/index.js';

const minute = Date.parse('2024-05-01T12:00:00Z');
const input = (offset: number, value: unknown): StreamInput => ({
  topic: 'sensor_data',
  partition: 0,
  offset,
  key: null,
  value: new TextEncoder().encode(JSON.stringify(value)),
});

describe('summarizeMetric', () => {
  it('gives the mean and population standard deviation of the readings', () => {
    const values = [20.5, 21.25, 19.75, 22, 20];
    const { partial } = aggregatePartition(values.map((t, i) => input(i, { sensorId: 'a', ts: minute, temperature: t })));
    const s = summarizeMetric(partial.windows[0]!.metrics.temperature!);
    const mean = values.reduce((a, b) => a + b) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(s).toEqual({ count: 5, mean: expect.closeTo(mean, 12), min: 19.75, max: 22, stddev: expect.closeTo(sd, 12) });
  });
});

describe('summarize', () => {
  // 60 minutes of one sensor near 20 degrees, with one spike to 60 in minute 30
  const records = Array.from({ length: 600 }, (_, i) =>
    input(i, { sensorId: 'a', ts: minute + i * 6_000, temperature: i === 300 ? 60 : 20 + Math.sin(i / 10), humidity: 50 }),
  );
  const { partial } = aggregatePartition(records);

  it('reports each sensor minute with count, mean, min, max and stddev', () => {
    const stats = summarize(partial.windows, partial.anomalies, 3);
    expect(stats.windows).toHaveLength(60);
    expect(stats.windows[0]).toMatchObject({ sensorId: 'a', windowStart: '2024-05-01T12:00:00.000Z', readings: 10, humidity: { count: 10, mean: 50, min: 50, max: 50, stddev: 0 } });
    expect(stats.deadLetters).toBe(3);
  });

  it('flags the window whose extreme lies beyond the z-score threshold of the sensor statistics', () => {
    const stats = summarize(partial.windows, [], 0, { zScore: 4 });
    expect(stats.anomalies).toEqual([
      expect.objectContaining({ kind: 'zscore', sensorId: 'a', windowStart: '2024-05-01T12:30:00.000Z', metric: 'temperature', value: 60 }),
    ]);
    expect((stats.anomalies[0] as { zScore: number }).zScore).toBeGreaterThan(4);
  });

  it('keeps only the sensor and the time asked for', () => {
    const stats = summarize(partial.windows, partial.anomalies, 0, { sensor: 'a', since: Date.parse('2024-05-01T12:58:30Z') });
    expect(stats.windows.map((w) => w.windowStart)).toEqual(['2024-05-01T12:58:00.000Z', '2024-05-01T12:59:00.000Z']);
    expect(summarize(partial.windows, [], 0, { sensor: 'b' }).windows).toEqual([]);
  });
});
