/**
 * The EventLog contract: what every adapter (the in-process log, Kafka) must do alike. Each
 * case uses topics of its own, so it runs against a shared broker. Registered by
 * event-log.test.ts for every adapter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, PipelineError } from '../../../shared/errors.js';
import type { EventLog } from '../../../shared/ports/event-log.js';
import { freshTopic } from '../../helpers/servers.js';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

/** Where Kafka's Java producer puts keys, computed by kafka-clients itself (JavaPartitions.java). */
export const javaPlacement = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'kafka', 'java-partitions.json'), 'utf8')) as {
  partitionCounts: number[];
  keys: Array<{ key: string; partitions: number[] }>;
};

/**
 * Registers the contract's cases for one adapter. `open` gives a log to use (it may be shared
 * between cases); `skip` skips them all, e.g. when the run has no broker.
 */
export function eventLogContract(name: string, open: () => Promise<EventLog>, skip = false): void {
  describe.skipIf(skip)(`EventLog contract: ${name}`, () => {
    it('creates a topic with its partitions and leaves an existing one alone', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 3);
      expect(await log.partitions(topic)).toEqual([0, 1, 2]);
      await log.ensureTopic(topic, 5);
      expect(await log.partitions(topic)).toEqual([0, 1, 2]);
    });

    it('raises NotFoundError for a topic that does not exist', async () => {
      const log = await open();
      const topic = freshTopic('missing');
      await expect(log.partitions(topic)).rejects.toBeInstanceOf(NotFoundError);
      await expect(log.produce(topic, [{ value: 'x' }])).rejects.toBeInstanceOf(NotFoundError);
      await expect(log.fetch(topic, 0, 0, { maxRecords: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('returns what was produced: key, value, headers, timestamp, at the offsets produce reported', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 2);
      const produced = await log.produce(topic, [
        { key: 'sensor-1', value: '{"t":21.5}', headers: { source: 'test', bin: new Uint8Array([0, 255]) }, timestamp: 1_700_000_000_123, partition: 1 },
        { key: null, value: null, partition: 1, timestamp: 1_700_000_000_124 },
        { key: new Uint8Array([1, 2, 3]), value: new Uint8Array([9]), partition: 1, timestamp: 1_700_000_000_125 },
      ]);
      expect(produced).toEqual([
        { partition: 1, offset: 0 },
        { partition: 1, offset: 1 },
        { partition: 1, offset: 2 },
      ]);
      const records = await log.fetch(topic, 1, 0, { maxRecords: 10 });
      expect(records).toHaveLength(3);
      expect(records[0]).toMatchObject({ topic, partition: 1, offset: 0, timestamp: 1_700_000_000_123, timestampType: 'CREATE_TIME' });
      expect(text(records[0]!.key)).toBe('sensor-1');
      expect(text(records[0]!.value)).toBe('{"t":21.5}');
      expect(text(records[0]!.headers.source!)).toBe('test');
      expect([...records[0]!.headers.bin!]).toEqual([0, 255]);
      expect(records[1]).toMatchObject({ offset: 1, key: null, value: null, timestamp: 1_700_000_000_124 });
      expect([...records[2]!.key!]).toEqual([1, 2, 3]);
      expect([...records[2]!.value!]).toEqual([9]);
      expect(await log.fetch(topic, 0, 0, { maxRecords: 10 })).toEqual([]);
    });

    it('stamps a record produced without a timestamp with the time of producing', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      const before = Date.now();
      await log.produce(topic, [{ value: 'now' }]);
      const [record] = await log.fetch(topic, 0, 0, { maxRecords: 1 });
      expect(record!.timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(record!.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('places every key on the partition the Java client chooses, every time', async () => {
      const log = await open();
      for (const [c, count] of javaPlacement.partitionCounts.entries()) {
        if (count === 1) continue;
        const topic = freshTopic();
        await log.ensureTopic(topic, count);
        const messages = javaPlacement.keys.flatMap(({ key }) => [{ key, value: `${key}#1` }, { key, value: `${key}#2` }]);
        const produced = await log.produce(topic, messages);
        for (const [i, { key, partitions }] of javaPlacement.keys.entries()) {
          expect({ key, count, partition: produced[2 * i]!.partition }).toEqual({ key, count, partition: partitions[c] });
          expect(produced[2 * i + 1]!.partition).toBe(partitions[c]);
        }
      }
    });

    it('reads from any offset, at most maxRecords, in offset order', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      await log.produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
      await log.produce(topic, Array.from({ length: 5 }, (_, i) => ({ value: String(10 + i) })));
      const middle = await log.fetch(topic, 0, 4, { maxRecords: 3 });
      expect(middle.map((r) => [r.offset, text(r.value)])).toEqual([
        [4, '4'],
        [5, '5'],
        [6, '6'],
      ]);
      const across = await log.fetch(topic, 0, 8, { maxRecords: 100 });
      expect(across.map((r) => r.offset)).toEqual([8, 9, 10, 11, 12, 13, 14]);
      expect(await log.offsets(topic, 0)).toEqual({ low: 0, high: 15 });
    });

    it('reads a partition piece by piece, each record once and in order, wherever a piece starts', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      await log.produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
      await log.produce(topic, Array.from({ length: 5 }, (_, i) => ({ value: String(10 + i) })));
      const seen: string[] = [];
      for (let offset = 0; offset < 15; ) {
        const piece = await log.fetch(topic, 0, offset, { maxRecords: 4, maxBytes: 3 });
        expect(piece.length).toBeGreaterThan(0);
        seen.push(...piece.map((r) => `${r.offset}:${text(r.value)}`));
        offset = piece[piece.length - 1]!.offset + 1;
      }
      expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => `${i}:${i}`));
      // back to an earlier offset, and on past the end of the previous piece
      expect((await log.fetch(topic, 0, 2, { maxRecords: 2 })).map((r) => r.offset)).toEqual([2, 3]);
      expect((await log.fetch(topic, 0, 9, { maxRecords: 2 })).map((r) => r.offset)).toEqual([9, 10]);
      expect((await log.fetch(topic, 0, 4, { maxRecords: 1 })).map((r) => text(r.value))).toEqual(['4']);
    });

    it('keeps to maxBytes but always returns at least one record', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      await log.produce(topic, Array.from({ length: 6 }, () => ({ value: 'x'.repeat(1000) })));
      expect(await log.fetch(topic, 0, 0, { maxRecords: 10, maxBytes: 10 })).toHaveLength(1);
      expect(await log.fetch(topic, 0, 0, { maxRecords: 10, maxBytes: 2500 })).toHaveLength(2);
    });

    it('waits up to waitMs at the end of a partition, and answers as soon as a record arrives', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      let started = Date.now();
      expect(await log.fetch(topic, 0, 0, { maxRecords: 10, waitMs: 400 })).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);

      started = Date.now();
      const waiting = log.fetch(topic, 0, 0, { maxRecords: 10, waitMs: 10_000 });
      setTimeout(() => void log.produce(topic, [{ value: 'late' }]), 300);
      const records = await waiting;
      expect(records.map((r) => text(r.value))).toEqual(['late']);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('refuses to read past the end of a partition', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 1);
      await log.produce(topic, [{ value: 'only' }]);
      const past = log.fetch(topic, 0, 5, { maxRecords: 1 });
      await expect(past).rejects.toBeInstanceOf(PipelineError);
      await expect(past).rejects.toMatchObject({ retriable: false, message: expect.stringContaining('offset 5') });
    });

    it('rejects a message for a partition that does not exist and appends nothing', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 2);
      await expect(log.produce(topic, [{ value: 'ok', partition: 0 }, { value: 'bad', partition: 7 }])).rejects.toThrow(/partition 7/);
      expect(await log.offsets(topic, 0)).toEqual({ low: 0, high: 0 });
    });

    it('keeps a committed offset per consumer group and partition', async () => {
      const log = await open();
      const topic = freshTopic();
      await log.ensureTopic(topic, 2);
      await log.produce(topic, Array.from({ length: 4 }, (_, i) => ({ value: String(i), partition: 0 })));
      expect(await log.committed('g-a', topic, 0)).toBeUndefined();
      await log.commit('g-a', topic, 0, 3);
      await log.commit('g-b', topic, 0, 1);
      expect(await log.committed('g-a', topic, 0)).toBe(3);
      expect(await log.committed('g-b', topic, 0)).toBe(1);
      expect(await log.committed('g-a', topic, 1)).toBeUndefined();
      await log.commit('g-a', topic, 0, 4);
      expect(await log.committed('g-a', topic, 0)).toBe(4);
      await expect(log.commit('g-a', topic, 0, 9)).rejects.toBeInstanceOf(PipelineError);
      expect(await log.committed('g-a', topic, 0)).toBe(4);
    });
  });
}
