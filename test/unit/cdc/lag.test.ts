import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { lagBucket, lagDigest, lagQuantile, mergeLag } from '../../../shared/cdc/lag.js';
import type { ModelDocument } from '../../../shared/cdc/model.js';
import { CdcService, type PartitionRecord } from '../../../shared/cdc/service.js';

const customer = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/cdc/customer-5524.json'), 'utf8')) as Record<string, unknown>;

/** The exact nearest-rank quantile. */
const exactQuantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * values.length)) - 1]!;

describe('lag digests', () => {
  it('puts lags up to 1 ms in bucket 0 and each later bucket 2% above the one before', () => {
    expect(lagBucket(-5)).toBe(0);
    expect(lagBucket(1)).toBe(0);
    expect(lagBucket(1.02)).toBe(1);
    expect(lagBucket(100)).toBe(233);
    expect(1.02 ** (lagBucket(100) - 1)).toBeLessThan(100);
    expect(1.02 ** lagBucket(100)).toBeGreaterThanOrEqual(100);
  });

  it('reads every quantile within 2% of the exact nearest-rank one, and exactly at the ends', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (lags, q) => {
        const digest = lagDigest(lags)!;
        const exact = exactQuantile(lags, q);
        const read = lagQuantile(digest, q);
        expect(read).toBeGreaterThanOrEqual(exact);
        expect(read).toBeLessThanOrEqual(Math.max(1, exact * 1.02) + 1e-9);
        expect(lagQuantile(digest, 1)).toBe(Math.max(...lags));
        expect(digest.count).toBe(lags.length);
      }),
    );
  });

  it('merges digests into the digest of all their lags', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1 }), (a, b) => {
        expect(mergeLag(lagDigest(a)!, lagDigest(b)!)).toEqual(lagDigest([...a, ...b]));
      }),
    );
  });

  it('has no digest for no lags', () => {
    expect(lagDigest([])).toBeUndefined();
  });
});

describe('CdcService publish time and lag', () => {
  const TOPIC = 'customer_updates';
  const record = (offset: number, id: number, timestamp: number, value?: string): PartitionRecord => ({
    topic: TOPIC,
    partition: 0,
    offset,
    key: String(id),
    timestamp,
    value: value ?? JSON.stringify({ op: 'c', before: null, after: { ...customer, ID: id } }),
  });
  const version = async (store: MemoryStore, n: number) => JSON.parse(new TextDecoder().decode((await store.get(`models/m/versions/customer_updates@kafka.test/${n}.json`)).body)) as ModelDocument;

  it("stamps each version with its publish time and its new events' lag from their log timestamps", async () => {
    const store = new MemoryStore();
    let clock = 10_000;
    const cdc = new CdcService({ store, modelName: 'm', log: 'kafka.test', now: () => clock });
    await cdc.handle([record(0, 1, 9_000), record(1, 2, 9_500), record(2, 3, 9_900, '{"op":"q"}')]);
    clock = 20_000;
    await cdc.handle([record(1, 2, 9_500), record(3, 4, 19_000)]); // offset 1 is a redelivery: already in version 1

    const first = await version(store, 1);
    expect(first.published).toMatchObject({ at: new Date(10_000).toISOString(), events: 2, lagMs: { count: 2, min: 500, max: 1000 } });
    const second = await version(store, 2);
    expect(second.published).toMatchObject({ at: new Date(20_000).toISOString(), events: 1, lagMs: { count: 1, min: 1000, max: 1000 } });
    expect(lagQuantile(mergeLag(first.published!.lagMs!, second.published!.lagMs!), 0.5)).toBeCloseTo(1000, -1);
  });

  it("gives a version the lag of every event it includes, whichever partition's batch committed it", async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: 'kafka.test', now: () => 10_000 });
    await cdc.applyBatch(TOPIC, 0, [record(0, 1, 9_000), record(1, 2, 9_100)]);
    await cdc.applyBatch(TOPIC, 1, [record(0, 3, 9_200)]);
    const first = await cdc.publish(TOPIC);
    expect(first.model.published).toMatchObject({ events: 3, lagMs: { count: 3, min: 800, max: 1000 } });
    const again = await cdc.publish(TOPIC); // nothing new: not written, and nothing left waiting
    expect(again.written).toBe(false);
    await cdc.applyBatch(TOPIC, 1, [record(1, 4, 9_900)]);
    expect((await cdc.publish(TOPIC)).model.published).toMatchObject({ events: 1, lagMs: { count: 1, min: 100, max: 100 } });
  });

  it('counts each event in exactly one version when batches of several partitions are handled at once', async () => {
    // a store whose calls take turns in an order of their own, as a real one's do
    const memory = new MemoryStore();
    let turn = 0;
    const later = <T>(value: Promise<T>) => value.then(async (v) => (await new Promise((r) => setTimeout(r, (turn++ * 7) % 5)), v));
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      get: (key: string) => later(memory.get(key)),
      head: (key: string) => later(memory.head(key)),
      put: (...args: Parameters<MemoryStore['put']>) => later(memory.put(...args)),
      list: (prefix: string) => later(memory.list(prefix)),
    });
    // small chunks and journals, so that commits fold and take several writes
    const state = { chunkRows: 4, foldMinEntries: 12, foldFraction: 0.5, journalFanout: 2, journalMaxObjects: 5 };
    const cdc = new CdcService({ store, modelName: 'm', log: 'kafka.test', now: () => 50_000, retry: { attempts: 30, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: 'none' }, state });
    let id = 0;
    for (let round = 0; round < 5; round++) {
      // like the event source: one batch per partition in flight, all at once, each handle publishing after its batch
      await Promise.all(
        [0, 1, 2].map((partition) =>
          cdc.handle(Array.from({ length: 3 }, (_, i) => ({ ...record(round * 3 + i, ++id, 40_000 + id), partition }))),
        ),
      );
    }
    const versions = await Promise.all((await store.list('models/m/versions/customer_updates@kafka.test/')).map(async (o) => JSON.parse(new TextDecoder().decode((await store.get(o.key)).body)) as ModelDocument));
    expect(versions.reduce((sum, v) => sum + (v.published?.events ?? 0), 0)).toBe(45);
    expect(versions.reduce((sum, v) => sum + (v.published?.lagMs?.count ?? 0), 0)).toBe(45);
  });

  it('records the publish time without a lag when the records carry no timestamp', async () => {
    const store = new MemoryStore();
    const cdc = new CdcService({ store, modelName: 'm', log: 'kafka.test', now: () => 5_000 });
    const { timestamp: _dropped, ...plain } = record(0, 1, 0);
    await cdc.handle([plain]);
    expect((await version(store, 1)).published).toEqual({ at: new Date(5_000).toISOString(), events: 0 });
  });
});
