import type { MSKEvent } from 'aws-lambda';
import { loadConfig, type PipelineConfig } from '../../shared/config.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/lambda/kafka-event.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { openStore } from '../../shared/stores.js';
import { DefaultLimits, type Limits } from '../../shared/stream/aggregate.js';
import { streamObjects } from '../../shared/stream/outputs.js';

/** What an invocation did; Lambda ignores the result of a Kafka-triggered function. */
export interface StreamResult {
  readonly records: number;
  readonly written: readonly string[];
}

/**
 * The streaming function over its dependencies: decode the Kafka event, aggregate each
 * topic-partition's records (pure), write the dead letters and partials, return. Writes are
 * idempotent (same batch, same keys, same bytes), so a redelivered batch does no harm.
 *
 * @example
 * const handle = createStreamHandler({ store: new FolderStore('data') });
 * await handle(event); // { records: 100, written: ['results/stream/partials/sensor_data/0/...json'] }
 */
export function createStreamHandler(deps: { store: ObjectStore; limits?: Limits }): (event: MSKEvent | KafkaEvent) => Promise<StreamResult> {
  return async (event) => {
    const records = decodeKafkaEvent(event);
    const objects = streamObjects(records, deps.limits ?? DefaultLimits);
    // each object is whole in itself and named by its records, so the order of the writes is free
    await Promise.all(objects.map(({ key, body }) => deps.store.put(key, body, { contentType: 'application/json' })));
    return { records: records.length, written: objects.map((o) => o.key) };
  };
}

let configured: ((event: MSKEvent | KafkaEvent) => Promise<StreamResult>) | undefined;

/**
 * The function as configured by `config`: the `results` store and the hard limits.
 *
 * @example
 * const handle = handlerFor(loadConfig(process.env));
 */
export function handlerFor(config: PipelineConfig): (event: MSKEvent | KafkaEvent) => Promise<StreamResult> {
  return createStreamHandler({ store: openStore(config, 'results'), limits: { ...DefaultLimits, ...config.stream.limits } });
}

/** The Lambda entry point (MSK trigger on `sensor_data`), configured once from the environment. */
export const handler = (event: MSKEvent | KafkaEvent): Promise<StreamResult> => (configured ??= handlerFor(loadConfig(process.env)))(event);
