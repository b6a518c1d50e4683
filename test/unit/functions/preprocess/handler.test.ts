import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { handlerFor } from '../../../../functions/preprocess/handler.js';
import { loadConfig } from '../../../../shared/config.js';
import { recording } from '../../../../shared/lambda/telemetry.js';

const template = JSON.parse(await readFile(join(import.meta.dirname, '../../../fixtures/events/s3-put-raw.json'), 'utf8')) as S3Event;
const eventOf = (...keys: string[]): S3Event => ({
  Records: keys.map((key) => ({ ...template.Records[0]!, s3: { ...template.Records[0]!.s3, object: { ...template.Records[0]!.s3.object, key } } })),
});

describe('the preprocess handler on the embedded folder store', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('never reads or writes outside raw/ and processed/ through a hostile key, cleans the good objects of the event, and fails at once naming a key the folder cannot hold', async () => {
    dir = await mkdtemp(join(tmpdir(), 'preprocess-names-'));
    await mkdir(join(dir, 'models'), { recursive: true });
    await mkdir(join(dir, 'raw'), { recursive: true });
    await writeFile(join(dir, 'models', 'secret.csv'), 'ID,Income\n1,100\n');
    await writeFile(join(dir, 'raw', 'good.csv'), 'a,b\n1,2\n');
    const seen = recording();
    const handle = handlerFor(loadConfig({ PIPELINE_STORE: 'folder', PIPELINE_DATA_DIR: dir }), seen);
    const long = `raw/${'x'.repeat(300)}.csv`;
    const error = await handle(eventOf('raw/..%2fmodels%2fsecret.csv', 'raw/', 'raw/a%00b.csv', long, 'raw/good.csv')).catch((e: unknown) => e);
    // a file name over 255 bytes: not a transient failure, so not retried, and named
    expect(error).toMatchObject({ name: 'StorageError', retriable: false, message: expect.stringMatching(/x\.csv: invalid object key: a part of it is 304 bytes, over the 255 a file name can hold$/) });
    expect(seen.lines.filter((l) => l.message === 'preprocessed').map((l) => [l.fields.key, l.fields.status])).toEqual([['raw/good.csv', 'cleaned']]);
    expect(seen.lines.filter((l) => l.message === 'skipped').map((l) => [l.fields.key, l.fields.reason])).toEqual([
      ['raw/../models/secret.csv', "invalid object key: it has a '..' segment"],
      ['raw/', "invalid object key: it ends with '/': it names a folder, not an object"],
      ['raw/a\u0000b.csv', 'invalid object key: it holds the control character U+0000'],
    ]);
    // the secret was neither read into processed/ nor written beside itself
    expect(await readdir(join(dir, 'models'), { recursive: true })).toEqual(['secret.csv']);
    expect(await readdir(join(dir, 'processed'))).toEqual(['good']);
  });
});
