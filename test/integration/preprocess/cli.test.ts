import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Store, s3ClientFor } from '../../../shared/adapters/s3-store.js';
import { main } from '../../../shared/cli/main.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../helpers/servers.js';

const small = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess', 'marketing-small.tsv'));

describe.skipIf(!s3Endpoint())('pipeline preprocess with s3:// locations', () => {
  const stdout: string[] = [];
  beforeAll(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(() => vi.restoreAllMocks());

  it('reads the input from S3 and writes the outputs under an S3 prefix', async () => {
    const bucket = await freshBucket('cli');
    const store = new S3Store(s3ClientFor(s3TestConfig()), bucket);
    await store.put('raw/small.tsv', small);
    const code = await main(['node', 'pipeline', 'preprocess', `s3://${bucket}/raw/small.tsv`, '--out', `s3://${bucket}/processed/cli`], { S3_ENDPOINT: s3Endpoint()!, AWS_REGION: 'us-east-1' });
    expect(code).toBe(0);
    expect(stdout.join('')).toContain(`wrote s3://${bucket}/processed/cli/ (`);
    expect((await store.list('processed/cli/')).map((o) => o.key)).toEqual(['cleaned.csv', 'cleaned.parquet', 'features.parquet', 'rejects.csv', 'report.json'].map((f) => `processed/cli/${f}`));
  });

  it('names a missing S3 object in one line', async () => {
    const bucket = await freshBucket('cli');
    const errors: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((chunk) => (errors.push(String(chunk)), true));
    expect(await main(['node', 'pipeline', 'preprocess', `s3://${bucket}/raw/none.csv`], { S3_ENDPOINT: s3Endpoint()!, AWS_REGION: 'us-east-1' })).toBe(1);
    expect(errors.join('')).toBe(`pipeline: s3://${bucket}/raw/none.csv: does not exist (\`pipeline generate marketing --rows 10k --out <file>\` writes a marketing file to try)\n`);
  });

  it("cleans an object of the store's raw area in place, as the function does: processed/<name>/<ETag>/ and latest.json", async () => {
    const bucket = await freshBucket('cli');
    const store = new S3Store(s3ClientFor(s3TestConfig()), bucket);
    const { etag } = await store.put('raw/small.tsv', small);
    stdout.length = 0;
    const code = await main(['node', 'pipeline', 'preprocess', `s3://${bucket}/raw/small.tsv`], { S3_ENDPOINT: s3Endpoint()!, AWS_REGION: 'us-east-1', PIPELINE_BUCKET: bucket });
    expect(code).toBe(0);
    const prefix = `processed/small/${etag.replaceAll('"', '')}/`;
    expect(stdout.join('')).toContain(`wrote s3://${bucket}/${prefix} (`);
    expect(stdout.join('')).not.toContain('copied');
    const pointer = JSON.parse(new TextDecoder().decode((await store.get('processed/small/latest.json')).body));
    expect(pointer).toMatchObject({ source: 'raw/small.tsv', prefix, cleanedParquet: `${prefix}cleaned.parquet` });
    expect((await store.list('raw/')).map((o) => o.key)).toEqual(['raw/small.tsv']);
  });
});
