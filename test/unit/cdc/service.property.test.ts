/**
 * The guarantee, as a property: after any sequence of c/u/d/r events (duplicates re-sent, earlier
 * batches replayed, before images missing, bad records mixed in), processed by two service
 * instances that race and restart, the published model equals the model fitted from scratch on the
 * final table, and no event was applied twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';
import { fitFromStats } from '../../../shared/cdc/fit.js';
import { encodeCustomer, LAYOUT, type Row } from '../../../shared/cdc/layout.js';
import type { ModelDocument } from '../../../shared/cdc/model.js';
import { CdcService, type PartitionRecord } from '../../../shared/cdc/service.js';
import { RetryPolicies } from '../../../shared/retry.js';
import { customerArb, type Customer } from './customers.js';

const TOPIC = 'customer_updates';
const PARTITIONS = 2;

type Step = { op: 'c' | 'u' | 'd' | 'r'; id: number; customer: Customer; withBefore: boolean; resend: boolean } | { op: 'bad'; id: number; text: string } | { op: 'tombstone'; id: number };

const stepArb: fc.Arbitrary<Step> = fc.integer({ min: 1, max: 25 }).chain((id) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.record({ op: fc.constantFrom('c' as const, 'u' as const, 'd' as const, 'r' as const), id: fc.constant(id), customer: customerArb(id), withBefore: fc.boolean(), resend: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('bad' as const), id: fc.constant(id), text: fc.constantFrom('{"op":', '{"op":"z"}', '{"op":"u","after":{"ID":1}}', '[]') }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('tombstone' as const), id: fc.constant(id) }) },
  ),
);

/** The partition logs the steps produce, with duplicates re-sent at the next offset. */
function logsOf(steps: readonly Step[]): PartitionRecord[][] {
  const logs: PartitionRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  const known = new Map<number, Customer>();
  for (const step of steps) {
    const log = logs[step.id % PARTITIONS]!;
    const push = (value: string | null) => log.push({ topic: TOPIC, partition: step.id % PARTITIONS, offset: log.length, key: String(step.id), value });
    if (step.op === 'bad') push(step.text);
    else if (step.op === 'tombstone') push(null);
    else {
      const before = step.withBefore ? (known.get(step.id) ?? null) : null;
      const value = JSON.stringify({ op: step.op, before, after: step.op === 'd' ? null : step.customer, source: { ts_ms: 1 }, ts_ms: 2 });
      push(value);
      if (step.resend) push(value);
      if (step.op === 'd') known.delete(step.id);
      else known.set(step.id, step.customer);
    }
  }
  return logs;
}

/** The final table by the plain semantics: upsert the after image, delete on d, in offset order. */
function referenceTable(logs: readonly PartitionRecord[][]): Map<string, Row>[] {
  return logs.map((log) => {
    const table = new Map<string, Row>();
    for (const record of log) {
      if (record.value === null) continue;
      let event: { op?: string; after?: Customer | null };
      try {
        event = JSON.parse(record.value as string);
      } catch {
        continue;
      }
      if (event.op === 'd') table.delete(record.key as string);
      else if (['c', 'u', 'r'].includes(event.op ?? '') && event.after) {
        const encoded = encodeCustomer(event.after);
        if ('row' in encoded) table.set(record.key as string, encoded.row);
      }
    }
    return table;
  });
}

const relativelyEqual = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

function expectSameModel(model: ModelDocument, rows: Row[]) {
  const scratch = fitFromStats(ExactStats.of(LAYOUT.width, rows));
  expect(model.rows).toBe(scratch.rows);
  expect(relativelyEqual(model.parameters.intercept, scratch.parameters.intercept)).toBe(true);
  for (const key of ['mean', 'std'] as const) model.standardisation[key].forEach((v, j) => expect(relativelyEqual(v, scratch.standardisation[key][j]!)).toBe(true));
  model.parameters.coefficients.forEach((v, j) => expect(relativelyEqual(v, scratch.parameters.coefficients[j]!), `${LAYOUT.features[j]!.name}`).toBe(true));
}

const deliveryArb = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 150, size: 'max' }),
  /**
   * Each delivery: a partition's records from `back` before its consumer position (a redelivery
   * when back > 0, as after a crash before the offset commit), `size` of them, to one of two
   * instances, which first restarts (loses its cache) when `restart` is 0; sometimes twice.
   */
  plan: fc.array(
    fc.record({ partition: fc.nat(PARTITIONS - 1), back: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })), size: fc.integer({ min: 1, max: 12 }), instance: fc.nat(1), restart: fc.integer({ min: 0, max: 9 }), twice: fc.boolean() }),
    { minLength: 1, maxLength: 40, size: 'max' },
  ),
});

const givenUpArb = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 150, size: 'max' }),
  /** The records cut into batches of these sizes (cycled), per partition. */
  sizes: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 10 }),
  /** Which batches the event source gives up on (skips), by index (cycled). */
  givenUp: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
  /** When each given-up batch is replayed: the order, and how many later batches go before it. */
  replayOrder: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
  /** Replays are cut into pieces of this size (a replay need not be cut as the batch was). */
  replaySize: fc.integer({ min: 1, max: 12 }),
});

describe('CdcService (property)', () => {
  it('never loses a change of a batch given up: the model is stale while a gap is open, and exact once replays fill it, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(givenUpArb, async ({ steps, sizes, givenUp, replayOrder, replaySize }) => {
        const store = new MemoryStore();
        const service = new CdcService({ store, modelName: 'response', log: 'kafka.test', state: { chunkRows: 4, foldMinEntries: 12, foldFraction: 0.5, journalFanout: 2, journalMaxObjects: 5 } });
        const logs = logsOf(steps);
        const skipped: PartitionRecord[][] = [];
        const pending: Array<{ at: number; batch: PartitionRecord[] }> = [];
        let delivered = 0;
        for (const log of logs) {
          for (let at = 0, i = 0; at < log.length; i++) {
            const batch = log.slice(at, at + sizes[i % sizes.length]!);
            at += batch.length;
            if (givenUp[(delivered + i) % givenUp.length] && at < log.length) {
              skipped.push(batch);
              continue;
            }
            const { models } = await service.handle(batch);
            // stale exactly while some given-up batch (followed by this or an earlier later batch) is not replayed
            expect(models[0]!.model.stale).toBe(skipped.length + pending.length > 0);
            // a replay of an earlier given-up batch may come between later ones
            pending.push(...skipped.splice(0).map((b, k) => ({ at: delivered + (replayOrder[k % replayOrder.length]! % 3), batch: b })));
            for (const ready of pending.filter((r) => r.at <= delivered)) {
              for (let j = 0; j < ready.batch.length; j += replaySize) await service.handle(ready.batch.slice(j, j + replaySize));
              pending.splice(pending.indexOf(ready), 1);
            }
            delivered++;
          }
        }
        for (const { batch } of [...pending].sort((a, b) => (replayOrder[a.at % replayOrder.length]! % 2) - (replayOrder[b.at % replayOrder.length]! % 2))) {
          for (let j = 0; j < batch.length; j += replaySize) await service.handle(batch.slice(j, j + replaySize));
        }
        for (const batch of skipped) await service.handle(batch);
        const { models } = await service.handle(logs.find((l) => l.length > 0)!.slice(-1));
        const tables = referenceTable(logs);
        expectSameModel(models[0]!.model, tables.flatMap((t) => [...t.values()]));
        expect(models[0]!.model.stale).toBe(false);
        for (const state of await service.states.loadAll(TOPIC)) {
          const p = state.manifest.partition;
          expect(state.manifest.gaps).toEqual([]);
          expect(state.keyOffsets.size).toBe(0);
          expect(state.stats.equals(ExactStats.of(LAYOUT.width, tables[p]!.values()))).toBe(true);
          expect(state.manifest.counts.applied + state.manifest.counts.deadLettered).toBe(logs[p]!.length);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('publishes the from-scratch model of the final table after any delivery history', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryArb, async ({ steps, plan }) => {
        const store = new MemoryStore();
        const options = { store, modelName: 'response', log: 'kafka.test', state: { chunkRows: 4, foldMinEntries: 12, foldFraction: 0.5, journalFanout: 2, journalMaxObjects: 5 }, retry: { ...RetryPolicies.lostRace, initialDelayMs: 0, maxDelayMs: 0 } };
        const instances = [new CdcService(options), new CdcService(options)];
        const logs = logsOf(steps);
        const position = logs.map(() => 0);
        let last: PartitionRecord[] = [];
        for (let i = 0; position.some((at, p) => at < logs[p]!.length); i++) {
          const step = plan[i % plan.length]!;
          // past the plan, deliver whatever is left, in order
          const p = i < plan.length ? step.partition : position.findIndex((at, q) => at < logs[q]!.length);
          const start = Math.max(0, position[p]! - (i < plan.length ? step.back : 0));
          const batch = logs[p]!.slice(start, start + step.size);
          if (batch.length === 0) continue;
          if (step.restart === 0) instances[step.instance] = new CdcService(options); // a crash: the cache is gone
          await instances[step.instance]!.handle(batch);
          if (step.twice) await instances[1 - step.instance]!.handle(batch);
          position[p] = Math.max(position[p]!, start + batch.length);
          last = batch;
        }
        const { models } = await instances[0]!.handle(last);
        const tables = referenceTable(logs);
        expectSameModel(models[0]!.model, tables.flatMap((t) => [...t.values()]));
        expect(models[0]!.model.stale).toBe(false);

        for (const state of await instances[0]!.states.loadAll(TOPIC)) {
          const p = state.manifest.partition;
          expect(state.stats.equals(ExactStats.of(LAYOUT.width, tables[p]!.values()))).toBe(true);
          // every offset counted once: applied (tombstones and no-ops included) or dead-lettered
          expect(state.manifest.counts.applied + state.manifest.counts.deadLettered).toBe(logs[p]!.length);
          expect(state.manifest.lastOffset).toBe(logs[p]!.length - 1);
          const stored = new Map<string, Row>();
          for await (const [key, row] of instances[0]!.states.rows(state)) stored.set(key, Array.from(row));
          expect(stored).toEqual(new Map([...tables[p]!].map(([k, r]) => [k, Array.from(r)])));
        }
      }),
      { numRuns: 60 },
    );
  });
});
