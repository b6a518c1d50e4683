/**
 * The CDC function (MSK trigger on `customer_updates`): decode the Kafka event, apply each
 * partition's records to its state exactly once (If-Match, retried on lost races), publish the
 * merged model, return. Warm invocations keep the state cache.
 */
import { CdcService, type BatchReport } from '../../shared/cdc/index.js';
import type { PipelineConfig } from '../../shared/config.js';
import { lambdaHandler, type Handler } from '../../shared/lambda/handler.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/lambda/kafka-event.js';
import { MetricNames, quiet, type Telemetry } from '../../shared/lambda/telemetry.js';
import { openStore } from '../../shared/stores.js';

/** What an invocation did; Lambda ignores the result of a Kafka-triggered function. */
export interface CdcResult {
  readonly batches: readonly BatchReport[];
  /** Version of `models/<name>/current.json` after the invocation, per topic. */
  readonly models: Readonly<Record<string, number | null>>;
}

/**
 * The CDC function over its service. Bad records are dead-lettered by the service, so only a real
 * failure (storage down) throws, and the event source then retries the batch, which is harmless:
 * applied offsets are skipped.
 *
 * @example
 * const handle = createCdcHandler(new CdcService({ store: new FolderStore('data'), modelName: 'response' }));
 * await handle(event); // { batches: [{ partition: 0, applied: 100, ... }], models: { customer_updates: 7 } }
 */
export function createCdcHandler(service: CdcService, telemetry: Telemetry = quiet): Handler<KafkaEvent, CdcResult> {
  return async (event) => {
    const started = performance.now();
    const records = decodeKafkaEvent(event);
    const { batches, models } = await service.handle(records);
    const sum = (field: 'applied' | 'deadLettered' | 'skipped') => batches.reduce((total, b) => total + b[field], 0);
    const published = models[models.length - 1]?.model;
    telemetry.info('batch', {
      records: records.length,
      applied: sum('applied'),
      skipped: sum('skipped'),
      deadLettered: sum('deadLettered'),
      partitions: batches.map((b) => b.partition),
      modelVersion: published?.version,
      durationMs: Math.round(performance.now() - started),
    });
    telemetry.metric(MetricNames.recordsProcessed, records.length);
    telemetry.metric(MetricNames.changesApplied, sum('applied'));
    telemetry.metric(MetricNames.deadLetters, sum('deadLettered'));
    const version = published?.version;
    if (typeof version === 'number') telemetry.metric(MetricNames.modelVersion, version, 'None');
    const auc = published?.metrics.auc;
    if (typeof auc === 'number') telemetry.metric(MetricNames.modelAuc, auc, 'None');
    telemetry.flush();
    return { batches, models: Object.fromEntries(models.map((m) => [m.model.offsets.topic, m.model.version])) };
  };
}

/**
 * The function as a configuration sets it up: the model's state in the `models` store.
 *
 * @example
 * const handle = handlerFor(loadConfig(process.env));
 */
export function handlerFor(config: PipelineConfig, telemetry: Telemetry = quiet): Handler<KafkaEvent, CdcResult> {
  return createCdcHandler(new CdcService({ store: openStore(config, 'models'), modelName: config.modelName }), telemetry);
}

/** The Lambda entry point. */
export const handler = lambdaHandler('pipeline-cdc', handlerFor);
