/**
 * The preprocessing function: an S3 notification of a CSV under `raw/` cleans it into
 * `processed/<stem>/<version>/` and points `processed/<stem>/latest.json` at it.
 * Idempotent per object version; an unreadable file is reported, not retried; a storage error of
 * one object does not stop the others, and the invocation then fails naming each failed object, so
 * that Lambda retries the event (the objects done are found done) and then records it.
 */
import type { S3Event } from 'aws-lambda';
import type { PipelineConfig } from '../../shared/config.js';
import { isRetriable, PipelineError } from '../../shared/errors.js';
import { lambdaHandler, type Handler } from '../../shared/lambda/handler.js';
import { MetricNames, quiet, type Telemetry } from '../../shared/lambda/telemetry.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { preprocessObject, type ObjectOutcome } from '../../shared/preprocess/run.js';
import { rawObjectsOf } from '../../shared/preprocess/s3-event.js';
import { openBucket, openStore } from '../../shared/stores.js';

/** The stores an invocation needs: the raw object's bucket (as the event names it) and the processed area. */
export interface PreprocessDeps {
  readonly raw: (bucket: string) => ObjectStore;
  readonly processed: ObjectStore;
  readonly telemetry?: Telemetry;
}

/** Per object: what happened, without the full report. */
export type PreprocessResult = ReadonlyArray<Pick<ObjectOutcome, 'status' | 'key' | 'prefix' | 'reused'> & { rowsIn?: number; rowsOut?: number; error?: string }>;

/**
 * Some objects of an event failed (a storage error: a missing bucket, a permission, the store
 * down). The others were processed; the message names each failed object and why. As retriable
 * as the failures: a retry redoes only those (the rest are found done).
 */
export class ObjectsFailed extends PipelineError {
  override readonly name = 'ObjectsFailed';

  constructor(readonly failures: ReadonlyArray<{ readonly bucket: string; readonly key: string; readonly error: unknown }>) {
    super(
      `${failures.length} object${failures.length === 1 ? '' : 's'} of the event failed: ${failures.map((f) => `s3://${f.bucket}/${f.key}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { retriable: failures.some((f) => isRetriable(f.error)), cause: failures[0]?.error },
    );
  }
}

/**
 * The handler over its stores: each raw object of the event in turn, one log line and its row
 * counts as metrics per object.
 *
 * @example
 * const handle = createPreprocessHandler({ raw: () => store, processed: store });
 * await handle(event); // [{ status: 'cleaned', key: 'raw/a.csv', prefix: 'processed/a/<etag>/', rowsOut: 2053 }]
 */
export function createPreprocessHandler(deps: PreprocessDeps): Handler<S3Event, PreprocessResult> {
  const telemetry = deps.telemetry ?? quiet;
  return async (event) => {
    const { objects, skipped } = rawObjectsOf(event);
    for (const skip of skipped) telemetry.info('skipped', { ...skip });
    const results = [];
    const failures: Array<{ bucket: string; key: string; error: unknown }> = [];
    try {
      for (const { bucket, key } of objects) {
        const started = performance.now();
        let outcome: ObjectOutcome;
        try {
          outcome = await preprocessObject(deps.raw(bucket), key, deps.processed);
        } catch (error) {
          // one object's failure does not keep the others of the event from being processed
          telemetry.info('failed', { bucket, key, error: error instanceof Error ? error.message : String(error), retriable: isRetriable(error) });
          failures.push({ bucket, key, error });
          continue;
        }
        const { status, prefix, reused, report } = outcome;
        const result = { status, key, prefix, ...(reused ? { reused } : {}), rowsIn: report?.rowsIn, rowsOut: report?.rowsOut, ...(report?.error ? { error: report.error } : {}) };
        telemetry.info('preprocessed', { ...result, bucket, quarantined: report?.quarantined, durationMs: Math.round(performance.now() - started) });
        if (status === 'rejected') telemetry.metric(MetricNames.objectsRejected, 1);
        if (status === 'cleaned' && !reused) {
          telemetry.metric(MetricNames.rowsCleaned, report?.rowsOut ?? 0);
          telemetry.metric(MetricNames.rowsQuarantined, report?.quarantined ?? 0);
        }
        results.push(result);
      }
    } finally {
      telemetry.flush();
    }
    if (failures.length === 1) throw failures[0]!.error;
    if (failures.length > 1) throw new ObjectsFailed(failures);
    return results;
  };
}

/**
 * The handler over a configuration's stores: on S3 the raw bucket is the one in the event; with
 * the embedded folder store every bucket is the folder.
 *
 * @example
 * const handle = handlerFor(loadConfig(process.env));
 */
export function handlerFor(config: PipelineConfig, telemetry: Telemetry = quiet): Handler<S3Event, PreprocessResult> {
  return createPreprocessHandler({ raw: (bucket) => openBucket(config, bucket), processed: openStore(config, 'processed'), telemetry });
}

/** The Lambda entry point. */
export const handler = lambdaHandler('pipeline-preprocess', handlerFor);
