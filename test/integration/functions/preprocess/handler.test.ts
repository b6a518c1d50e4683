import { PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handlerFor } from '../../../../functions/preprocess/handler.js';
import { recording } from '../../../../shared/lambda/telemetry.js';
import { S3Store, s3ClientFor } from '../../../../shared/adapters/s3-store.js';
import type { PreprocessReport } from '../../../../shared/preprocess/index.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../../helpers/servers.js';
import { REAL_FILE, realFileMissing } from '../../../helpers/real-data.js';

const repoRoot = join(import.meta.dirname, '../..', '..', '..');
const small = readFileSync(join(repoRoot, 'test', 'fixtures', 'preprocess', 'marketing-small.tsv'));

/** A recorded event, pointed at a bucket of the test server. */
const eventFor = (name: string, bucket: string) =>
  JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'events', name), 'utf8').replaceAll('example-bucket', bucket)) as S3Event;

async function setup() {
  const bucket = await freshBucket('preprocess');
  const config = s3TestConfig({ PIPELINE_BUCKET: bucket });
  const store = new S3Store(s3ClientFor(config), bucket);
  return { bucket, config, store, handle: handlerFor(config) };
}

/** Keys with their ETags and sizes: equal lists mean the same objects with the same bytes. */
const contents = async (store: S3Store, prefix: string) => (await store.list(prefix)).map(({ key, etag, size }) => ({ key, etag, size }));

const json = async (store: S3Store, key: string) => JSON.parse(new TextDecoder().decode((await store.get(key)).body));

describe.skipIf(!s3Endpoint())('preprocess handler on a real S3 API', () => {
  it('cleans the object a put names, with its URL-encoded key, and points latest.json at it', async () => {
    const { bucket, store, handle } = await setup();
    const { etag } = await store.put('raw/marketing campaign (2).tsv', small);
    const [result] = await handle(eventFor('s3-put-raw.json', bucket));
    const prefix = `processed/marketing campaign (2)/${etag.replaceAll('"', '')}/`;
    expect(result).toMatchObject({ status: 'cleaned', key: 'raw/marketing campaign (2).tsv', prefix, rowsIn: 16, rowsOut: 7 });
    const keys = (await store.list(prefix)).map((o) => o.key.slice(prefix.length));
    expect(keys).toEqual(['cleaned.csv', 'cleaned.parquet', 'features.parquet', 'rejects.csv', 'report.json']);
    expect(await json(store, 'processed/marketing campaign (2)/latest.json')).toMatchObject({ prefix, cleanedParquet: `${prefix}cleaned.parquet` });
  });

  it('writes the same keys with the same bytes when the same version is notified twice', async () => {
    const { bucket, store, handle } = await setup();
    await store.put('raw/marketing campaign (2).tsv', small);
    const [first] = await handle(eventFor('s3-put-raw.json', bucket));
    const before = await contents(store, 'processed/');
    const [second] = await handle(eventFor('s3-put-raw.json', bucket));
    expect(second).toMatchObject({ status: 'cleaned', prefix: first!.prefix, reused: true });
    expect(await contents(store, 'processed/')).toEqual(before);
    // without the commit mark the run is done again, and writes the same bytes (same ETags)
    await store.delete(`${first!.prefix}report.json`);
    const [third] = await handle(eventFor('s3-put-raw.json', bucket));
    expect(third!.reused).toBeUndefined();
    expect(await contents(store, 'processed/')).toEqual(before);
  });

  it('keys the outputs by version id on a versioned bucket, so a new version gets its own prefix', async () => {
    const { bucket, config, store, handle } = await setup();
    await s3ClientFor(config).send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await store.put('raw/marketing campaign (2).tsv', small);
    const [v1] = await handle(eventFor('s3-put-raw.json', bucket));
    await store.put('raw/marketing campaign (2).tsv', Buffer.concat([small, small.subarray(small.indexOf('\n') + 1)]));
    const [v2] = await handle(eventFor('s3-put-raw.json', bucket));
    const version = (await store.head('raw/marketing campaign (2).tsv'))!.versionId!;
    expect(v2!.prefix).toBe(`processed/marketing campaign (2)/${version}/`);
    expect(v2!.prefix).not.toBe(v1!.prefix);
    expect(v2!.rowsIn).toBe(32);
    expect(await json(store, 'processed/marketing campaign (2)/latest.json')).toMatchObject({ prefix: v2!.prefix });
  });

  it('handles a batch: reports the unreadable file without throwing and skips records it does not own', async () => {
    const { bucket, store } = await setup();
    await store.put('raw/batch/small.tsv', small);
    await store.put('raw/batch/binary.csv', Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0x00, 0x00));
    const seen = recording();
    const results = await handlerFor(s3TestConfig({ PIPELINE_BUCKET: bucket }), seen)(eventFor('s3-batch-mixed.json', bucket));
    expect(results.map((r) => [r.key, r.status])).toEqual([
      ['raw/batch/small.tsv', 'cleaned'],
      ['raw/batch/binary.csv', 'rejected'],
    ]);
    const rejected = results[1]!;
    const report = (await json(store, `${rejected.prefix}report.json`)) as PreprocessReport;
    expect(report).toMatchObject({ status: 'rejected', error: 'binary data, not text (NUL byte at offset 4)' });
    expect(new TextDecoder().decode((await store.get(`${rejected.prefix}rejects.csv`)).body)).toContain('unreadable: binary data');
    expect(seen.lines.map(({ message, fields }) => `${message} ${String(fields.key)}`)).toEqual([
      'skipped processed/batch/latest.json',
      'skipped raw/batch/old.csv',
      'preprocessed raw/batch/small.tsv',
      'preprocessed raw/batch/binary.csv',
    ]);
    expect(seen.metrics.map((m) => m.name)).toEqual(['RowsCleaned', 'RowsQuarantined', 'ObjectsRejected']);
    expect(seen.metrics[0]!.value).toBe(results[0]!.rowsOut);
    expect(seen.flushes).toBe(1);
  });

  it('processes every good object of an event whatever the others hold, skips hostile keys, and then fails naming the object that failed', async () => {
    const { bucket, store } = await setup();
    await store.put('models/secret.csv', 'ID,Income\n1,100\n');
    await store.put('raw/first.tsv', small);
    await store.put('raw/last.tsv', small);
    const [template] = eventFor('s3-put-raw.json', bucket).Records;
    const record = (key: string, inBucket = bucket) => ({ ...template!, s3: { ...template!.s3, bucket: { ...template!.s3.bucket, name: inBucket }, object: { ...template!.s3.object, key } } });
    const event = {
      Records: [record('raw/first.tsv'), record('raw/..%2fmodels%2fsecret.csv'), record('raw/'), record('raw/x.tsv', 'no-such-raw-bucket'), record('raw/a%00b.csv'), record('raw/last.tsv')],
    } as S3Event;
    const seen = recording();
    const error = await handlerFor(s3TestConfig({ PIPELINE_BUCKET: bucket }), seen)(event).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^s3:\/\/no-such-raw-bucket: the bucket does not exist/);
    expect(seen.lines.filter((l) => l.message === 'preprocessed').map((l) => [l.fields.key, l.fields.status])).toEqual([
      ['raw/first.tsv', 'cleaned'],
      ['raw/last.tsv', 'cleaned'],
    ]);
    expect(seen.lines.filter((l) => l.message === 'skipped').map((l) => [l.fields.key, l.fields.reason])).toEqual([
      ['raw/../models/secret.csv', "invalid object key: it has a '..' segment"],
      ['raw/', "invalid object key: it ends with '/': it names a folder, not an object"],
      ['raw/a\u0000b.csv', 'invalid object key: it holds the control character U+0000'],
    ]);
    // nothing was read from or written beside models/ through the hostile key
    expect((await store.list('')).map((o) => o.key).filter((k) => k.startsWith('models/'))).toEqual(['models/secret.csv']);
    expect((await store.list('processed/')).map((o) => o.key).filter((k) => k.includes('secret'))).toEqual([]);
  });

  it('fails, naming the bucket, for an event from a bucket that does not exist (it is not an object that is gone)', async () => {
    const { handle } = await setup();
    await expect(handle(eventFor('s3-put-raw.json', 'no-such-raw-bucket'))).rejects.toThrow(/^s3:\/\/no-such-raw-bucket: the bucket does not exist/);
  });

  it('reports a notified object that is gone, and throws when the store cannot be reached (so Lambda retries)', async () => {
    const { bucket, handle } = await setup();
    expect(await handle(eventFor('s3-put-raw.json', bucket))).toEqual([expect.objectContaining({ status: 'missing' })]);
    const unreachable = handlerFor(s3TestConfig({ PIPELINE_BUCKET: bucket, S3_ENDPOINT: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' }));
    await expect(unreachable(eventFor('s3-put-raw.json', bucket))).rejects.toThrow();
  });

  it.skipIf(realFileMissing('test/integration/functions/preprocess/handler.test.ts: cleans the real file as the issue says'))('cleans the real file as the issue says', async () => {
    const { bucket, store, handle } = await setup();
    await store.put('raw/marketing campaign (2).tsv', readFileSync(REAL_FILE));
    const [result] = await handle(eventFor('s3-put-raw.json', bucket));
    expect(result).toMatchObject({ status: 'cleaned', rowsIn: 2240, rowsOut: 2053 });
    const report = (await json(store, `${result!.prefix}report.json`)) as PreprocessReport;
    expect(report).toMatchObject({ duplicatesRemoved: 183, quarantined: 4, imputed: { Income: 24 }, droppedColumns: ['Z_CostContact', 'Z_Revenue'] });
  });
});
