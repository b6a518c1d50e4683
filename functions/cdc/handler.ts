import type { MSKEvent } from 'aws-lambda';
import { CdcService, type BatchReport } from '../../shared/cdc/index.js';
import { loadConfig } from '../../shared/config.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../shared/lambda/kafka-event.js';
import { openStore } from '../../shared/stores.js';

/** What an invocation did; Lambda ignores the result of a Kafka-triggered function. */
export interface CdcResult {
  readonly batches: readonly BatchReport[];
  /** Version of `models/<name>/current.json` after the invocation, per topic. */
  readonly models: Readonly<Record<string, number | null>>;
}

/**
 * The CDC function over its service: decode the Kafka event, apply each partition's records to its
 * state exactly once (If-Match, retried on lost races), publish the merged model, return. Bad
 * records are dead-lettered by the service, so only a real failure (storage down) throws, and the
 * event source then retries the batch, which is harmless: applied offsets are skipped.
 *
 * @example
 * const handle = createCdcHandler(new CdcService({ store: new FolderStore('data'), modelName: 'response' }));
 * await handle(event); // { batches: [{ partition: 0, applied: 100, ... }], models: { customer_updates: 7 } }
 */
export function createCdcHandler(service: CdcService): (event: MSKEvent | KafkaEvent) => Promise<CdcResult> {
  return async (event) => {
    const { batches, models } = await service.handle(decodeKafkaEvent(event));
    return { batches, models: Object.fromEntries(models.map((m) => [m.model.offsets.topic, m.model.version])) };
  };
}

let configured: ((event: MSKEvent | KafkaEvent) => Promise<CdcResult>) | undefined;

/** The Lambda entry point (MSK trigger on `customer_updates`); warm invocations keep the state cache. */
export const handler = (event: MSKEvent | KafkaEvent): Promise<CdcResult> => (configured ??= fromEnvironment())(event);

function fromEnvironment() {
  const config = loadConfig(process.env);
  return createCdcHandler(new CdcService({ store: openStore(config, 'models'), modelName: config.modelName }));
}
