/**
 * The preprocessing Lambda: an S3 notification of a CSV under `raw/` cleans it into
 * `processed/<stem>/<version>/` and points `processed/<stem>/latest.json` at it.
 * Idempotent per object version; an unreadable file is reported, not retried; other errors throw
 * so that Lambda retries the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { S3Store, s3ClientFor } from '../../shared/adapters/s3-store.js';
import { loadConfig, type PipelineConfig } from '../../shared/config.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { preprocessObject, type ObjectOutcome } from '../../shared/preprocess/run.js';
import { rawObjectsOf } from '../../shared/preprocess/s3-event.js';
import { openStore } from '../../shared/stores.js';

/** The stores an invocation needs: the raw object's bucket (as the event names it) and the processed area. */
export interface PreprocessSetup {
  readonly raw: (bucket: string) => ObjectStore;
  readonly processed: ObjectStore;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Per object: what happened, without the full report. */
export type PreprocessResult = ReadonlyArray<Pick<ObjectOutcome, 'status' | 'key' | 'prefix' | 'reused'> & { rowsIn?: number; rowsOut?: number; error?: string }>;

/**
 * The stores of a configuration: on S3 the raw bucket is the one in the event; with the
 * embedded folder store every bucket is the folder.
 *
 * @example
 * const handle = createPreprocessHandler(() => preprocessSetup(loadConfig(process.env)));
 */
export function preprocessSetup(config: PipelineConfig, log?: PreprocessSetup['log']): PreprocessSetup {
  const client = config.store === 's3' ? s3ClientFor(config) : undefined;
  return {
    raw: (bucket) => (client ? new S3Store(client, bucket) : openStore(config, 'raw')),
    processed: openStore(config, 'processed'),
    ...(log ? { log } : {}),
  };
}

/**
 * The handler over its setup (built on the first invocation): each raw object of the event in turn.
 *
 * @example
 * await createPreprocessHandler(() => setup)(event); // [{ status: 'cleaned', key: 'raw/a.csv', prefix: 'processed/a/<etag>/', rowsOut: 2053 }]
 */
export function createPreprocessHandler(setup: () => PreprocessSetup): (event: S3Event) => Promise<PreprocessResult> {
  let deps: PreprocessSetup | undefined;
  return async (event) => {
    deps ??= setup();
    const { objects, skipped } = rawObjectsOf(event);
    for (const skip of skipped) deps.log?.('skipped', { ...skip });
    const results = [];
    for (const { bucket, key } of objects) {
      const { status, prefix, reused, report } = await preprocessObject(deps.raw(bucket), key, deps.processed);
      const result = { status, key, prefix, ...(reused ? { reused } : {}), rowsIn: report?.rowsIn, rowsOut: report?.rowsOut, ...(report?.error ? { error: report.error } : {}) };
      deps.log?.('preprocessed', result);
      results.push(result);
    }
    return results;
  };
}

const logger = new Logger({ serviceName: 'preprocess' });

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler = createPreprocessHandler(() => preprocessSetup(loadConfig(process.env), (message, fields) => logger.info(message, fields)));
