/**
 * An independent computation of what the streaming function must report for what was produced:
 * plain JSON.parse, plain floating-point sums, no code of shared/stream. The end-to-end tests
 * compare the merged partials against it.
 */
import { expect } from 'vitest';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { readStreamStats, streamSources, type StreamReadResult } from '../../shared/stream/read.js';
import type { StreamStats } from '../../shared/stream/stats.js';

export interface Produced {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  /** Set for the messages the generator made malformed on purpose. */
  readonly bad?: string | undefined;
}

interface Moments {
  count: number;
  sum: number;
  squares: number;
  min: number;
  max: number;
}

export interface Expected {
  readonly windows: Map<string, { readings: number; metrics: Map<string, Moments> }>;
  /** `partition/offset` of each malformed message. */
  readonly deadLetters: Set<string>;
}

const metrics = ['temperature', 'humidity', 'pressure', 'battery'];

export function expectedStats(produced: readonly Produced[]): Expected {
  const windows: Expected['windows'] = new Map();
  const deadLetters = new Set<string>();
  for (const p of produced) {
    if (p.bad !== undefined) {
      deadLetters.add(`${p.partition}/${p.offset}`);
      continue;
    }
    const reading = JSON.parse(p.value) as Record<string, unknown>;
    const ts = typeof reading.ts === 'number' ? reading.ts : new Date(reading.ts as string).getTime();
    const start = new Date(ts - (((ts % 60_000) + 60_000) % 60_000)).toISOString();
    const id = `${reading.sensorId as string}|${start}`;
    let window = windows.get(id);
    if (window === undefined) windows.set(id, (window = { readings: 0, metrics: new Map() }));
    window.readings++;
    for (const name of metrics) {
      const v = reading[name];
      if (typeof v !== 'number') continue;
      const m = window.metrics.get(name) ?? { count: 0, sum: 0, squares: 0, min: Infinity, max: -Infinity };
      m.count++;
      m.sum += v;
      m.squares += v * v;
      m.min = Math.min(m.min, v);
      m.max = Math.max(m.max, v);
      window.metrics.set(name, m);
    }
  }
  return { windows, deadLetters };
}

/** Asserts that merged statistics count every valid reading exactly once and every malformed one as dead. */
export function expectMatches(stats: StreamStats, expected: Expected): void {
  expect(stats.deadLetters).toBe(expected.deadLetters.size);
  expect(stats.windows.length).toBe(expected.windows.size);
  let readings = 0;
  for (const w of stats.windows) {
    const truth = expected.windows.get(`${w.sensorId}|${w.windowStart}`);
    expect(truth, `window ${w.sensorId} ${w.windowStart}`).toBeDefined();
    expect(w.readings).toBe(truth!.readings);
    readings += w.readings;
    for (const name of metrics) {
      const got = (w as unknown as Record<string, { count: number; mean: number; min: number; max: number; stddev: number } | undefined>)[name];
      const want = truth!.metrics.get(name);
      if (want === undefined) {
        expect(got).toBeUndefined();
        continue;
      }
      const mean = want.sum / want.count;
      const stddev = Math.sqrt(Math.max(0, want.squares / want.count - mean * mean));
      expect(got).toMatchObject({ count: want.count, min: want.min, max: want.max });
      expect(Math.abs(got!.mean - mean)).toBeLessThan(1e-9 * Math.max(1, Math.abs(mean)));
      expect(Math.abs(got!.stddev - stddev)).toBeLessThan(1e-6 * Math.max(1, Math.abs(mean)));
    }
  }
  expect(readings).toBe([...expected.windows.values()].reduce((a, w) => a + w.readings, 0));
}

/**
 * The stream statistics of the one source (topic and event log) a test wrote to `store`; a
 * second source there would be a mix-up, and fails the test.
 *
 * @example
 * const stats = await readOnlySource(store);
 */
export async function readOnlySource(store: ObjectStore): Promise<StreamReadResult> {
  const found = await streamSources(store);
  expect(found.map((f) => f.source)).toHaveLength(1);
  return readStreamStats(store, found[0]!.source);
}
