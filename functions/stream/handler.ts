/**
 * The streaming function (MSK trigger on `sensor_data`): decode the Kafka event, aggregate each
 * topic-partition's records (pure), write the dead letters and partials, return.
 */
import type { PipelineConfig } from '../../shared/config.js';
import { lambdaHandler, type Handler } from '../../shared/lambda/handler.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/lambda/kafka-event.js';
import { MetricNames, quiet, type Telemetry } from '../../shared/lambda/telemetry.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { openStore } from '../../shared/stores.js';
import { logIdOf } from '../../shared/names.js';
import { DefaultLimits, DefaultTimeBounds, type Limits, type TimeBounds } from '../../shared/stream/aggregate.js';
import { streamObjects, type StreamObjectCounts } from '../../shared/stream/outputs.js';

/** What an invocation did; Lambda ignores the result of a Kafka-triggered function. */
export interface StreamResult {
  readonly records: number;
  readonly written: readonly string[];
}

export interface StreamDeps {
  readonly store: ObjectStore;
  readonly limits?: Limits;
  /** Which event times a reading may carry. @default DefaultTimeBounds */
  readonly time?: TimeBounds;
  readonly telemetry?: Telemetry;
}

/**
 * The streaming function over its dependencies. Writes are idempotent (same batch, same keys, same
 * bytes), so a redelivered batch does no harm.
 *
 * @example
 * const handle = createStreamHandler({ store: new FolderStore('data') });
 * await handle(event); // { records: 100, written: ['results/stream/partials/sensor_data@<log>/0/...json'] }
 */
export function createStreamHandler(deps: StreamDeps): Handler<KafkaEvent, StreamResult> {
  const telemetry = deps.telemetry ?? quiet;
  return async (event) => {
    const started = performance.now();
    const records = decodeKafkaEvent(event);
    // every result names the log its records came from, so runs over different logs never mix
    const log = logIdOf(event);
    const counts: StreamObjectCounts = { deadLetters: 0, anomalies: 0 };
    const objects = streamObjects(records, deps.limits ?? DefaultLimits, counts, { log, time: deps.time ?? DefaultTimeBounds });
    // each object is whole in itself and named by its records, so the order of the writes is free
    await Promise.all(objects.map(({ key, body }) => deps.store.put(key, body, { contentType: 'application/json' })));
    telemetry.info('batch', { records: records.length, deadLettered: counts.deadLetters, anomalies: counts.anomalies, written: objects.length, durationMs: Math.round(performance.now() - started) });
    telemetry.metric(MetricNames.recordsProcessed, records.length);
    telemetry.metric(MetricNames.deadLetters, counts.deadLetters);
    telemetry.metric(MetricNames.anomalies, counts.anomalies);
    telemetry.flush();
    return { records: records.length, written: objects.map((o) => o.key) };
  };
}

/**
 * The function as a configuration sets it up: the `results` store and the hard limits.
 *
 * @example
 * const handle = handlerFor(loadConfig(process.env));
 */
export function handlerFor(config: PipelineConfig, telemetry: Telemetry = quiet): Handler<KafkaEvent, StreamResult> {
  return createStreamHandler({ store: openStore(config, 'results'), limits: { ...DefaultLimits, ...config.stream.limits }, time: { ...DefaultTimeBounds, ...config.stream.timeRange }, telemetry });
}

/** The Lambda entry point. */
export const handler = lambdaHandler('pipeline-stream', handlerFor);
