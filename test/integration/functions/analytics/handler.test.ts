/**
 * The analytics handler against a real S3 API server (moto or LocalStack): the table stays in
 * memory across invocations while its ETag holds, and is loaded again when it changes.
 */
import { describe, expect, it } from 'vitest';
import { createAnalyticsHandler } from '../../../../functions/analytics/handler.js';
import { TableCache } from '../../../../shared/analytics/cache.js';
import { readCleanedParquet } from '../../../../shared/analytics/table.js';
import { S3Store, s3ClientFor } from '../../../../shared/adapters/s3-store.js';
import { recording } from '../../../../shared/lambda/telemetry.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../../helpers/servers.js';
import { generatedCsv, stageDataset } from '../../../unit/analytics/helpers.js';

describe.skipIf(!s3Endpoint())('analytics handler on a real S3 API', () => {
  it('serves a warm invocation from memory with one HEAD, and reloads when the ETag changes', async () => {
    const bucket = await freshBucket('analytics');
    const config = s3TestConfig({ PIPELINE_BUCKET: bucket });
    const store = new S3Store(s3ClientFor(config), bucket);
    const pointer = await stageDataset(store, store, 'customers', generatedCsv(1_500, 3));
    let reads = 0;
    const seen = recording();
    const handler = createAnalyticsHandler(
      { processed: store, models: store, results: store, config },
      new TableCache({ read: (bytes, location) => (reads++, readCleanedParquet(bytes, location)) }),
      seen,
    );

    const cold = await handler({});
    expect(cold.cache.state).toBe('cold');
    expect(cold.source.location).toBe(`s3://${bucket}/${pointer.cleanedParquet}`);
    expect(cold.source.rows).toBe(pointer.rowsOut);
    expect(Object.keys(cold.analyses)).toHaveLength(8);

    const warm = await handler({ analyses: ['rfm', 'top-customers'] });
    expect(warm.cache).toMatchObject({ state: 'warm', uses: 2 });
    expect(warm.timings.loadMs).toBe(0);
    expect(Object.keys(warm.analyses)).toEqual(['rfm', 'top-customers']);
    expect(warm.analyses.rfm!.rows).toEqual(cold.analyses.rfm!.rows);
    expect(reads).toBe(1);
    expect(seen.lines.map((line) => line.fields.cache)).toEqual(['cold', 'warm']);
    expect(seen.metrics.filter((m) => m.name === 'TableLoads').map((m) => m.value)).toEqual([1, 0]);

    // the cleaned table rewritten in place: a new ETag under the same key
    const other = await stageDataset(store, store, 'others', generatedCsv(900, 4));
    await store.put(pointer.cleanedParquet, (await store.get(other.cleanedParquet)).body);
    const reloaded = await handler({ dataset: 'customers', analyses: ['cohorts'] });
    expect(reloaded.cache).toMatchObject({ state: 'reloaded', reason: 'the object changed (new ETag)', uses: 1 });
    expect(reloaded.source.rows).toBe(other.rowsOut);
    expect(reads).toBe(2);

    const html = new TextDecoder().decode((await store.get('results/analytics/customers/report.html')).body);
    expect(html).toContain('reloaded (the object changed (new ETag))');
    const json = JSON.parse(new TextDecoder().decode((await store.get('results/analytics/customers/results.json')).body));
    expect(json.cache.state).toBe('reloaded');
  });
});
