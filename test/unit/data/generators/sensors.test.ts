import { describe, expect, it } from 'vitest';
import { BadKinds, sensorMessages } from '../../../../data/generators/sensors.js';
import { parseReading } from '../../../../shared/stream/schema.js';

const take = (options: Parameters<typeof sensorMessages>[0]) => [...sensorMessages(options)];

describe('sensorMessages', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(take({ count: 200, seed: 3 })).toEqual(take({ count: 200, seed: 3 }));
    expect(take({ count: 200, seed: 3 })).not.toEqual(take({ count: 200, seed: 4 }));
  });

  it('keys each reading by its sensor and writes ts as epoch ms and as ISO-8601', () => {
    const messages = take({ count: 2_000, sensors: 5, seed: 1 });
    const values = messages.map((m) => JSON.parse(m.value) as { sensorId: string; ts: unknown });
    for (const [i, v] of values.entries()) expect(v.sensorId).toBe(messages[i]!.key);
    expect(new Set(messages.map((m) => m.key)).size).toBe(5);
    expect(values.some((v) => typeof v.ts === 'number')).toBe(true);
    expect(values.some((v) => typeof v.ts === 'string' && v.ts.endsWith('Z'))).toBe(true);
    expect(values.some((v) => typeof v.ts === 'string' && /[+-]\d\d:\d\d$/.test(v.ts))).toBe(true);
  });

  it('writes only valid readings without bad-ratio, and the time each message claims', () => {
    for (const m of take({ count: 5_000, seed: 2 })) {
      const parsed = parseReading(m.value);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.reading.ts).toBe(m.timestamp);
    }
  });

  it('mixes in malformed messages of every kind at about the ratio asked, each one rejected', () => {
    const messages = take({ count: 20_000, seed: 5, badRatio: 0.05 });
    const bad = messages.filter((m) => m.bad !== undefined);
    expect(bad.length / messages.length).toBeGreaterThan(0.04);
    expect(bad.length / messages.length).toBeLessThan(0.06);
    expect(new Set(bad.map((m) => m.bad))).toEqual(new Set(BadKinds));
    for (const m of messages) expect(parseReading(m.value).ok).toBe(m.bad === undefined);
  });

  it('includes spikes, dropouts and a daily temperature cycle', () => {
    const day = take({ count: 86_400, sensors: 1, seed: 9 }).map((m) => JSON.parse(m.value) as Record<string, number | null>);
    const temps = day.map((r) => r.temperature).filter((t): t is number => typeof t === 'number');
    const at = (hour: number) => temps.slice(hour * 3_500, hour * 3_500 + 500);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(at(15))).toBeGreaterThan(mean(at(3)) + 2);
    expect(day.some((r) => r.temperature === null)).toBe(true);
    expect(day.some((r) => !('humidity' in r))).toBe(true);
    const m = mean(temps);
    expect(temps.some((t) => Math.abs(t - m) > 20)).toBe(true);
  });
});
