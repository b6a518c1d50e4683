/**
 * An independent check of a published model: the model rebuilt from the change topic itself,
 * every partition replayed from its earliest offset into a scratch state (not the stored state,
 * which is what the check is about), then fitted from scratch on the table that replay left.
 */
import type { EventLog } from '../ports/event-log.js';
import type { ObjectStore } from '../ports/object-store.js';
import { fitCurrentTable, type ModelDocument } from './model.js';
import { CdcService } from './service.js';

export interface RebuildOptions {
  /** Where the scratch state goes: a store of its own (a MemoryStore), never the model's. */
  readonly scratch: ObjectStore;
  readonly modelName: string;
  /** The identity of `log` (shared/names.ts), which the rebuilt model names. */
  readonly logId: string;
  /** Records read at a time. @default 5,000 */
  readonly batchSize?: number;
  /** Called after each batch with the records replayed so far. */
  readonly onProgress?: (records: number) => void;
}

/** What a rebuild read and made. */
export interface Rebuilt {
  /** The model fitted from scratch on the replayed table (its `gaps` name offsets the log no longer holds). */
  readonly model: ModelDocument;
  readonly records: number;
  /** Per partition, the first offset the log still holds: records before it are gone (retention). */
  readonly earliest: Readonly<Record<string, number>>;
}

/**
 * Replays every record of `topic` (each partition from its earliest offset to its end as it is
 * now) through the CDC service into a scratch state, and fits the model from scratch on the
 * result. A log that no longer holds its first records (retention) gives a model with a gap, and
 * says where each partition starts.
 *
 * @example
 * const { model } = await rebuildFromLog(log, 'customer_updates', { scratch: new MemoryStore(), modelName: 'response', logId });
 */
export async function rebuildFromLog(log: EventLog, topic: string, options: RebuildOptions): Promise<Rebuilt> {
  const service = new CdcService({ store: options.scratch, modelName: options.modelName, log: options.logId });
  const batchSize = options.batchSize ?? 5_000;
  const earliest: Record<string, number> = {};
  let records = 0;
  for (const partition of await log.partitions(topic)) {
    const { low, high } = await log.offsets(topic, partition);
    earliest[String(partition)] = low;
    // each batch spans from where it was read: offsets the log skips there (compaction, transaction markers) hold no record
    for (let position = low; position < high; ) {
      const batch = await log.fetch(topic, partition, position, { maxRecords: batchSize, waitMs: 0 });
      if (batch.length === 0) break;
      const last = batch[batch.length - 1]!.offset;
      await service.applyBatch(topic, partition, batch, { span: { first: position, last } });
      records += batch.length;
      options.onProgress?.(records);
      position = last + 1;
    }
  }
  const model = await fitCurrentTable(service.states, await service.states.loadAll(topic));
  return { model, records, earliest };
}
