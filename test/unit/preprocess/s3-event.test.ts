import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeS3Key, rawObjectsOf } from '../../../shared/preprocess/s3-event.js';

const event = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'events', name), 'utf8')) as S3Event;

describe('S3 notification records', () => {
  it('decodes keys: URL encoding, with + for a space', () => {
    expect(decodeS3Key('raw/marketing+campaign+%282%29.tsv')).toBe('raw/marketing campaign (2).tsv');
    expect(decodeS3Key('raw/a%2Bb.csv')).toBe('raw/a+b.csv');
    expect(decodeS3Key('raw/caf%C3%A9.csv')).toBe('raw/café.csv');
  });

  it('names the raw object of a put', () => {
    expect(rawObjectsOf(event('s3-put-raw.json'))).toEqual({ objects: [{ bucket: 'example-bucket', key: 'raw/marketing campaign (2).tsv' }], skipped: [] });
  });

  it('keeps creations under raw/ once each and skips the rest with a reason', () => {
    const { objects, skipped } = rawObjectsOf(event('s3-batch-mixed.json'));
    expect(objects.map((o) => o.key)).toEqual(['raw/batch/small.tsv', 'raw/batch/binary.csv']);
    expect(skipped).toEqual([
      { key: 'processed/batch/latest.json', reason: 'the key is not under raw/' },
      { key: 'raw/batch/old.csv', reason: 'event ObjectRemoved:Delete is not an object creation' },
    ]);
  });

  it("skips a key that is not valid URL encoding, and S3's test event, which has no records", () => {
    const bad = event('s3-put-raw.json');
    bad.Records[0]!.s3.object.key = 'raw/%E0%A4%A.csv';
    expect(rawObjectsOf(bad).skipped).toEqual([{ key: 'raw/%E0%A4%A.csv', reason: 'the key is not valid URL encoding' }]);
    expect(rawObjectsOf({ Service: 'Amazon S3', Event: 's3:TestEvent' } as never)).toEqual({ objects: [], skipped: [] });
  });
});
