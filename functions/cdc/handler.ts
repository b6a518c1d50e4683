/**
 * The CDC function (MSK trigger on `customer_updates`): decode the Kafka event, apply each
 * partition's records to its state exactly once (If-Match, retried on lost races), publish the
 * merged model, return. Warm invocations keep the state cache.
 */
import { CdcService, type BatchReport } from '../../shared/cdc/index.js';
import type { PipelineConfig } from '../../shared/config.js';
import { lambdaHandler, type Handler } from '../../shared/lambda/handler.js';
import { InputError } from '../../shared/errors.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/lambda/kafka-event.js';
import { logIdOf } from '../../shared/names.js';
import { MetricNames, quiet, type Telemetry } from '../../shared/lambda/telemetry.js';
import { openStore } from '../../shared/stores.js';

/** What an invocation did; Lambda ignores the result of a Kafka-triggered function. */
export interface CdcResult {
  readonly batches: readonly BatchReport[];
  /** Version of the topic's model (`models/<name>/current/<topic>@<log>.json`) after the invocation, per topic. */
  readonly models: Readonly<Record<string, number | null>>;
}

/**
 * The CDC function over its service: the service of the event log the event names (its
 * `eventSourceArn`, shared/names.ts), given as one service (which refuses events of any other log)
 * or made per log. Bad records are dead-lettered by the service, so only a real failure (storage
 * down) throws, and the event source then retries the batch, which is harmless: applied offsets
 * are skipped.
 *
 * @example
 * const handle = createCdcHandler(new CdcService({ store: new FolderStore('data'), modelName: 'response', log: 'kafka.q1w2' }));
 * await handle(event); // { batches: [{ partition: 0, applied: 100, ... }], models: { customer_updates: 7 } }
 */
export function createCdcHandler(services: CdcService | ((log: string) => CdcService), telemetry: Telemetry = quiet): Handler<KafkaEvent, CdcResult> {
  return async (event) => {
    const started = performance.now();
    const records = decodeKafkaEvent(event);
    const service = serviceOf(services, logIdOf(event as { eventSourceArn?: string; bootstrapServers?: string }));
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
  const store = openStore(config, 'models');
  // one service per event log (on Lambda there is one: the mapping's cluster), each with its warm state
  const services = new Map<string, CdcService>();
  const serviceFor = (log: string) => {
    let service = services.get(log);
    if (service === undefined) services.set(log, (service = new CdcService({ store, modelName: config.modelName, log })));
    return service;
  };
  return createCdcHandler(serviceFor, telemetry);
}

/** The service for an event's log; a single service refuses another log's offsets, which would corrupt its state. */
function serviceOf(services: CdcService | ((log: string) => CdcService), log: string): CdcService {
  if (typeof services === 'function') return services(log);
  if (services.states.log !== log) {
    throw new InputError('the Kafka event', `its records come from event log ${log}, but this function applies those of ${services.states.log}: offsets of one log never apply to another's state`);
  }
  return services;
}

/** The Lambda entry point. */
export const handler = lambdaHandler('pipeline-cdc', handlerFor);
