import { mkdtemp, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TableCache } from '../../../shared/analytics/cache.js';
import { chartCounts } from '../../../shared/analytics/charts.js';
import { readCleanedParquet } from '../../../shared/analytics/table.js';
import { parseAnalyticsEvent, resolveDataset, runAnalytics, type AnalyticsDeps } from '../../../shared/analytics/service.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { InputError, NotFoundError } from '../../../shared/errors.js';
import { generatedCsv, stageDataset } from './helpers.js';

describe('parseAnalyticsEvent', () => {
  it('takes the analyses, refresh and dataset it is given, and nothing means everything', () => {
    expect(parseAnalyticsEvent(undefined)).toEqual({});
    expect(parseAnalyticsEvent({})).toEqual({});
    expect(parseAnalyticsEvent({ analyses: ['rfm', 'cohorts'], refresh: true, dataset: 'm' })).toEqual({ analyses: ['rfm', 'cohorts'], refresh: true, dataset: 'm' });
  });

  it('refuses an unknown analysis or field, saying which', () => {
    expect(() => parseAnalyticsEvent({ analyses: ['rfm', 'churn'] })).toThrow(/analytics event: analyses.1: unknown analysis 'churn'; known: segment-profile, /);
    expect(() => parseAnalyticsEvent({ analysis: ['rfm'] })).toThrow(InputError);
    expect(() => parseAnalyticsEvent({ refresh: 'yes' })).toThrow(/refresh/);
  });

  it('takes the dataset from an S3 notification of a new latest.json (URL-encoded key)', () => {
    const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'processed/2024/my+data/latest.json' } } }] };
    expect(parseAnalyticsEvent(event)).toEqual({ dataset: '2024/my data' });
  });
});

describe('the analytics service on the folder store', () => {
  let root: string;
  let store: FolderStore;
  const deps = (cache: TableCache, overrides: Partial<AnalyticsDeps> = {}): AnalyticsDeps => ({
    processed: store,
    models: store,
    results: store,
    cache,
    config: { modelName: 'response', analyticsDataset: undefined },
    now: () => new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'analytics-'));
    store = new FolderStore(root);
    await stageDataset(store, store, 'older', generatedCsv(600, 1));
    await stageDataset(store, store, 'newer', generatedCsv(800, 2));
    const past = new Date('2025-01-01T00:00:00Z');
    await utimes(join(root, 'processed/older/latest.json'), past, past);
  });

  it('finds the newest latest.json, or the dataset it is told', async () => {
    expect((await resolveDataset(store)).dataset).toBe('newer');
    const older = await resolveDataset(store, 'older');
    expect(older).toMatchObject({ dataset: 'older', pointerKey: 'processed/older/latest.json' });
    expect(older.tableKey).toMatch(/^processed\/older\/[0-9a-f]+\/cleaned\.parquet$/);
    await expect(resolveDataset(store, 'nothing')).rejects.toThrow(/processed\/nothing\/latest.json \(no cleaned dataset 'nothing'\)/);
    await expect(resolveDataset(new FolderStore(join(root, 'empty')))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('loads the table once, serves it warm while its ETag holds, and reloads when it changes', async () => {
    let reads = 0;
    const cache = new TableCache({ read: (bytes, location) => (reads++, readCleanedParquet(bytes, location)) });
    const cold = await runAnalytics({ analyses: ['segment-profile'] }, deps(cache));
    expect(cold.cache).toMatchObject({ state: 'cold', uses: 1 });
    expect(cold.timings.loadMs).toBeGreaterThan(0);

    const warm = await runAnalytics({ analyses: ['segment-profile'] }, deps(cache));
    expect(warm.cache).toMatchObject({ state: 'warm', reason: undefined, uses: 2 });
    expect(warm.timings.loadMs).toBe(0);
    expect(warm.cache.loadMs).toBe(cold.cache.loadMs);
    expect(warm.analyses['segment-profile']!.rows).toEqual(cold.analyses['segment-profile']!.rows);
    expect(reads).toBe(1);

    const refreshed = await runAnalytics({ analyses: ['segment-profile'], refresh: true }, deps(cache));
    expect(refreshed.cache).toMatchObject({ state: 'reloaded', reason: 'refresh requested', uses: 1 });
    expect(reads).toBe(2);

    // the same key rewritten with other bytes (another generated file's cleaned table)
    const key = (await resolveDataset(store, 'newer')).tableKey;
    const other = (await store.get((await resolveDataset(store, 'older')).tableKey)).body;
    await store.put(key, other);
    const changed = await runAnalytics({ analyses: ['segment-profile'] }, deps(cache));
    expect(changed.cache).toMatchObject({ state: 'reloaded', reason: 'the object changed (new ETag)' });
    expect(changed.source.rows).not.toBe(cold.source.rows);
    expect(reads).toBe(3);
  });

  it('writes results.json and report.html under results/, and skips predicted-response without a model', async () => {
    const result = await runAnalytics({ dataset: 'older' }, deps(new TableCache()));
    expect(result.report).toEqual({ json: `${root}/results/analytics/older/results.json`, html: `${root}/results/analytics/older/report.html` });
    expect(result.analyses['predicted-response']).toEqual({ rows: [], ms: 0, skipped: `no CDC model under ${root}/models/response/current/ yet` });
    const written = JSON.parse(new TextDecoder().decode((await store.get('results/analytics/older/results.json')).body));
    expect(written.analyses.rfm.rows).toEqual(result.analyses.rfm!.rows);
    expect(written.cache.state).toBe('cold');
    const html = new TextDecoder().decode((await store.get('results/analytics/older/report.html')).body);
    expect(html).toContain('Customer analytics: older');
    expect(html.match(/<svg/g)).toHaveLength(7);
  });

  it('renders no chart again on a warm invocation over the same dataset and model, and a new one when the data changes', async () => {
    const cache = new TableCache();
    await runAnalytics({ dataset: 'older' }, deps(cache));
    const before = chartCounts();
    const warm = await runAnalytics({ dataset: 'older' }, deps(cache));
    expect(warm.cache.state).toBe('warm');
    expect(chartCounts().rendered).toBe(before.rendered);
    expect(chartCounts().reused - before.reused).toBe(7);
    const html = new TextDecoder().decode((await store.get('results/analytics/older/report.html')).body);
    expect(html.match(/<svg/g)).toHaveLength(7);
    await stageDataset(store, store, 'third', generatedCsv(700, 3));
    await runAnalytics({ dataset: 'third' }, deps(cache));
    expect(chartCounts().rendered).toBeGreaterThan(before.rendered);
  });

  it('refuses a pointer without a cleaned table', async () => {
    await store.put('processed/broken/latest.json', '{"source":"raw/broken.csv"}');
    await expect(runAnalytics({ dataset: 'broken' }, deps(new TableCache()))).rejects.toThrow(/processed\/broken\/latest.json: has no 'cleanedParquet' key/);
  });
});
