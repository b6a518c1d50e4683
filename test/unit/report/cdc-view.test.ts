import { describe, expect, it } from 'vitest';
import { lagDigest } from '../../../shared/cdc/lag.js';
import type { ModelDocument } from '../../../shared/cdc/model.js';
import { CdcLimits, cdcView, coefficientChanges, offsetAdvance } from '../../../shared/report/cdc-view.js';

function version(n: number, offset: number, options: { measured?: boolean; lags?: number[]; coefficients?: number[] } = {}): ModelDocument {
  const coefficients = options.coefficients ?? [0.1, -0.2, 0.3];
  return {
    format: 'pipeline.cdc-model/1',
    name: 'response',
    version: n,
    kind: 'ridge-classifier',
    rows: 100 + n,
    positives: 10,
    label: 'Response',
    features: ['a', 'b', 'c'],
    ridge: 1,
    threshold: 0.5,
    standardisation: { mean: [0, 0, 0], std: [1, 1, 1] },
    parameters: { intercept: 0.1, coefficients },
    metrics: { auc: 0.7 + n / 1e4, accuracy: 0.8, rows: 100 + n, version: options.measured === false ? n - 1 : n },
    offsets: { topic: 't', partitions: { '0': offset, '1': offset } },
    ...(options.lags ? { published: { at: new Date(n * 1000).toISOString(), events: options.lags.length, lagMs: lagDigest(options.lags)! } } : {}),
  };
}

describe('offsetAdvance', () => {
  it('counts the events between two versions by how far each partition moved', () => {
    expect(offsetAdvance(version(1, 9).offsets, version(2, 19).offsets)).toBe(20);
    expect(offsetAdvance(undefined, version(1, 9).offsets)).toBe(20);
  });
});

describe('coefficientChanges', () => {
  it('lists the features by how far their coefficient moved, matched by name', () => {
    const first = { features: ['a', 'b', 'c'], parameters: { intercept: 0, coefficients: [0.1, 0.2, 0.3] } };
    const last = { features: ['c', 'a', 'd'], parameters: { intercept: 0, coefficients: [0.25, 0.5, -0.1] } };
    expect(coefficientChanges(first, last, 2).map((c) => [c.feature, Number(c.change.toFixed(6))])).toEqual([
      ['a', 0.4],
      ['d', -0.1],
    ]);
  });
});

describe('cdcView', () => {
  it('merges many versions into a bounded number of points, keeping the events, the last rows and the lag', () => {
    const docs = Array.from({ length: 1000 }, (_, i) => version(i + 1, (i + 1) * 10 - 1, { lags: [100 + i, 200 + i] }));
    const view = cdcView({ model: 'response', location: 'x', versions: [...docs].reverse(), deadLetters: [], deadLettersListed: 0 })!;
    expect(view.points.length).toBeLessThanOrEqual(CdcLimits.points);
    expect(view.versionsPerPoint).toBe(3);
    expect(view.points.reduce((s, p) => s + p.events, 0)).toBe(20_000);
    expect(view.events).toBe(20_000);
    expect(view.points.at(-1)).toMatchObject({ version: 1000, rows: 1100 });
    expect(view.current).toMatchObject({ version: 1000, rows: 1100, metricsVersion: 1000 });
    expect(view.lag).toMatchObject({ count: 2000, versions: 1000, max: 1199 });
    const all = docs.flatMap((_, i) => [100 + i, 200 + i]).sort((a, b) => a - b);
    expect(view.lag!.p50).toBeGreaterThanOrEqual(all[999]!);
    expect(view.lag!.p50).toBeLessThanOrEqual(all[999]! * 1.02);
    expect(view.lag!.p99).toBeGreaterThanOrEqual(all[1979]!);
    expect(view.lag!.p99).toBeLessThanOrEqual(all[1979]! * 1.02);
  });

  it('shows AUC and accuracy only at the versions they were measured on, and no lag for versions without publish records', () => {
    const view = cdcView({ model: 'response', location: 'x', versions: [version(1, 9), version(2, 19, { measured: false }), version(3, 29)], deadLetters: [], deadLettersListed: 0 })!;
    expect(view.points.map((p) => p.auc === null)).toEqual([false, true, false]);
    expect(view.lag).toBeUndefined();
  });

  it('has no view without a published version', () => {
    expect(cdcView({ model: 'response', location: 'x', versions: [{ ...version(1, 0), version: null }], deadLetters: [], deadLettersListed: 0 })).toBeUndefined();
  });
});
