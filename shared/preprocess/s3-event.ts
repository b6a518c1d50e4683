import type { S3Event } from 'aws-lambda';
import { keyProblem } from '../names.js';
import { RAW_PREFIX } from './run.js';

/** One raw object named by an S3 notification. */
export interface RawObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** A record the handler leaves alone, and why (for the log). */
export interface SkippedRecord {
  readonly key: string;
  readonly reason: string;
}

/**
 * Decodes an S3 notification key: URL-encoded, with `+` for a space.
 *
 * @example
 * decodeS3Key('raw/marketing+campaign%282%29.csv'); // 'raw/marketing campaign(2).csv'
 */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The objects an S3 event asks the preprocess function to clean: object-created records whose
 * decoded key is a valid object key (shared/names.ts: no `..` segment, no folder such as `raw/`
 * itself, no NUL) under `raw/`. Everything else (removals, other prefixes, a key that does not
 * decode or is not valid, S3's `s3:TestEvent` without records) is skipped with a reason.
 *
 * @example
 * rawObjectsOf(event); // { objects: [{ bucket: 'pipeline', key: 'raw/marketing campaign.csv' }], skipped: [] }
 */
export function rawObjectsOf(event: Partial<S3Event> | undefined): { objects: RawObjectRef[]; skipped: SkippedRecord[] } {
  const objects: RawObjectRef[] = [];
  const skipped: SkippedRecord[] = [];
  const seen = new Set<string>();
  for (const record of event?.Records ?? []) {
    const encoded = record?.s3?.object?.key ?? '';
    if (!String(record?.eventName ?? '').startsWith('ObjectCreated')) {
      skipped.push({ key: encoded, reason: `event ${record?.eventName ?? '(none)'} is not an object creation` });
      continue;
    }
    let key: string;
    try {
      key = decodeS3Key(encoded);
    } catch {
      skipped.push({ key: encoded, reason: 'the key is not valid URL encoding' });
      continue;
    }
    // checked as decoded, before anything is made of it: `raw/..%2fmodels%2fx.csv` is not under raw/
    const problem = keyProblem(key);
    if (problem !== undefined) {
      skipped.push({ key, reason: `invalid object key: ${problem}` });
      continue;
    }
    if (!key.startsWith(RAW_PREFIX)) {
      skipped.push({ key, reason: `the key is not under ${RAW_PREFIX}` });
      continue;
    }
    const bucket = record.s3.bucket.name;
    // one batch may name the same object twice; once is enough
    if (seen.has(`${bucket}/${key}`)) continue;
    seen.add(`${bucket}/${key}`);
    objects.push({ bucket, key });
  }
  return { objects, skipped };
}
