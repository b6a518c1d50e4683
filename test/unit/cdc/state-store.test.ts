import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { CorruptStateError } from '../../../shared/cdc/errors.js';
import { CdcService, type PartitionRecord } from '../../../shared/cdc/service.js';
import { RetryPolicies } from '../../../shared/retry.js';

const customer = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/cdc/customer-5524.json'), 'utf8')) as Record<string, unknown>;
const TOPIC = 'customer_updates';
const LOG = 'kafka.test';
const noWait = { ...RetryPolicies.lostRace, initialDelayMs: 0, maxDelayMs: 0 };

/** A partition log of change events for customers `ids`, offsets from `from`. */
function records(ops: Array<[op: string, id: number, income?: number]>, from = 0, partition = 0): PartitionRecord[] {
  return ops.map(([op, id, income], i) => ({
    topic: TOPIC,
    partition,
    offset: from + i,
    key: String(id),
    value: JSON.stringify({ op, before: null, after: op === 'd' ? null : { ...customer, ID: id, Income: income ?? 50_000 + id } }),
  }));
}

const text = async (store: MemoryStore, key: string) => new TextDecoder().decode((await store.get(key)).body);

describe('CdcStateStore and CdcService', () => {
  it('resolves a lost race by re-reading and applying the batch once', async () => {
    const store = new MemoryStore();
    const a = new CdcService({ store, modelName: 'm', log: LOG, retry: noWait });
    const b = new CdcService({ store, modelName: 'm', log: LOG, retry: noWait });
    await a.handle(records([['c', 1], ['c', 2]]));
    await b.handle(records([['c', 1], ['c', 2]])); // b reads the state a committed: all skipped
    await a.handle(records([['u', 1, 9]], 2)); // a moves on; b's picture is now stale
    const report = await b.handle(records([['u', 1, 9], ['c', 3]], 2));
    expect(report.batches[0]).toMatchObject({ conflicts: 1, applied: 1, skipped: 1, lastOffset: 3 });
    const state = await a.states.load(TOPIC, 0, { fresh: true });
    expect(state.manifest).toMatchObject({ rows: 3, lastOffset: 3, counts: { applied: 4, deadLettered: 0 } });
  });

  it('writes a dead letter with the offset and reason and moves past it', async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: LOG });
    const bad: PartitionRecord = { topic: TOPIC, partition: 0, offset: 1, key: '7', value: '{"op":"q"}' };
    const { batches } = await cdc.handle([...records([['c', 1]]), bad, ...records([['c', 2]], 2)]);
    expect(batches[0]).toMatchObject({ applied: 2, deadLettered: 1, lastOffset: 2 });
    const letter = JSON.parse(await text(store, 'models/m/dead-letter/customer_updates@kafka.test/0/00000000000000000001.json'));
    expect(letter).toMatchObject({ topic: TOPIC, partition: 0, offset: 1, key: '7', value: '{"op":"q"}' });
    expect(letter.reason).toMatch(/unknown op 'q'/);
  });

  it('publishes the model with rows, offsets per partition and a versioned copy', async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: LOG });
    await cdc.handle([...records([['c', 2], ['c', 4]]), ...records([['c', 1]], 0, 1)]);
    const current = JSON.parse(await text(store, 'models/m/current/customer_updates@kafka.test.json'));
    expect(current).toMatchObject({ format: 'pipeline.cdc-model/1', version: 1, rows: 3, offsets: { topic: TOPIC, log: LOG, partitions: { 0: 1, 1: 0 } }, stale: false });
    expect(await text(store, 'models/m/versions/customer_updates@kafka.test/1.json')).toBe(await text(store, 'models/m/current/customer_updates@kafka.test.json'));
    const again = await cdc.handle(records([['c', 2]])); // a redelivery: nothing new to publish
    expect(again.models[0]!.written).toBe(false);
  });

  it('answers a stale chunk read by re-reading the manifest', async () => {
    const store = new MemoryStore();
    const options = { store, modelName: 'm', log: LOG, state: { chunkRows: 2, foldMinEntries: 2, foldFraction: 0 }, retry: noWait };
    const a = new CdcService(options);
    const b = new CdcService(options);
    await a.handle(records([['c', 1], ['c', 2], ['c', 3]]));
    await b.handle(records([['c', 1]])); // b now holds this state, chunks not yet read
    await a.handle(records([['u', 1, 5], ['u', 2, 5], ['u', 3, 5]], 3)); // folds: the chunks b would read are deleted
    const { batches } = await b.handle(records([['u', 1, 5], ['u', 2, 5], ['u', 3, 5], ['d', 2]], 3));
    expect(batches[0]).toMatchObject({ applied: 1, skipped: 3, lastOffset: 6 });
    expect(batches[0]!.conflicts).toBeGreaterThanOrEqual(1);
  });

  it('sweeps objects that no manifest can point to again', async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: LOG });
    await cdc.handle(records([['c', 1]]));
    const prefix = 'models/m/state/customer_updates@kafka.test/partitions/0/journal/';
    await store.put(`${prefix}1-deadbeef00000000.json`, '{}'); // a loser's write at a committed version
    await store.put(`${prefix}9-deadbeef00000000.json`, '{}'); // a writer's next version, not committed yet
    expect(await cdc.states.sweep(TOPIC, 0)).toBe(1);
    expect((await store.list(prefix)).map((o) => o.key.slice(prefix.length))).toEqual([expect.stringMatching(/^1-(?!deadbeef)/), '9-deadbeef00000000.json']);
  });

  it('refuses a manifest written for other features', async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: LOG });
    await cdc.handle(records([['c', 1]]));
    const key = 'models/m/state/customer_updates@kafka.test/manifests/0.json';
    const manifest = JSON.parse(await text(store, key));
    await store.put(key, JSON.stringify({ ...manifest, features: manifest.features.slice(1) }));
    await expect(new CdcService({ store, modelName: 'm', log: LOG }).handle(records([['c', 2]], 1))).rejects.toBeInstanceOf(CorruptStateError);
  });
});
