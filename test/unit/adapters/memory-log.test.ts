import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { partitionForKey } from '../../../shared/adapters/partitioner.js';
import { NotFoundError, PipelineError } from '../../../shared/errors.js';
import { virtualClock } from '../../helpers/clock.js';

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

async function log(partitions = 3): Promise<MemoryLog> {
  const log = new MemoryLog({ now: () => 1_700_000_000_000 });
  await log.ensureTopic('t', partitions);
  return log;
}

describe('MemoryLog', () => {
  it('appends records with offsets from 0 per partition and returns them in order', async () => {
    const l = await log();
    const produced = await l.produce('t', [
      { value: 'a', partition: 1 },
      { value: 'b', partition: 1 },
      { value: 'c', partition: 0 },
    ]);
    expect(produced).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
      { partition: 0, offset: 0 },
    ]);
    const records = await l.fetch('t', 1, 0, { maxRecords: 10 });
    expect(records.map((r) => [r.offset, text(r.value)])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(records[0]).toMatchObject({ topic: 't', partition: 1, key: null, timestamp: 1_700_000_000_000, timestampType: 'CREATE_TIME' });
    expect(await l.offsets('t', 1)).toEqual({ low: 0, high: 2 });
  });

  it('places a key where Kafka default partitioner does, every time', async () => {
    const l = await log(5);
    const produced = await l.produce('t', ['s-1', 's-2', 's-1', 's-3', 's-2'].map((key) => ({ key, value: key })));
    for (const [i, key] of ['s-1', 's-2', 's-1', 's-3', 's-2'].entries()) {
      expect(produced[i]!.partition).toBe(partitionForKey(key, 5));
    }
  });

  it('spreads keyless records round-robin', async () => {
    const l = await log(3);
    const produced = await l.produce('t', Array.from({ length: 6 }, () => ({ value: 'x' })));
    expect(produced.map((p) => p.partition)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('keeps headers, keys and timestamps as bytes and numbers', async () => {
    const l = await log();
    await l.produce('t', [{ key: 'k', value: new Uint8Array([1, 2]), headers: { h: 'v' }, timestamp: 5, partition: 2 }]);
    const [record] = await l.fetch('t', 2, 0, { maxRecords: 1 });
    expect(text(record!.key)).toBe('k');
    expect([...record!.value!]).toEqual([1, 2]);
    expect(text(record!.headers.h!)).toBe('v');
    expect(record!.timestamp).toBe(5);
  });

  it('limits a fetch by records and by bytes, returning at least one record', async () => {
    const l = await log(1);
    await l.produce('t', Array.from({ length: 10 }, (_, i) => ({ value: `value-${i}` })));
    expect(await l.fetch('t', 0, 2, { maxRecords: 3 })).toHaveLength(3);
    expect(await l.fetch('t', 0, 0, { maxRecords: 10, maxBytes: 16 })).toHaveLength(2);
    expect(await l.fetch('t', 0, 0, { maxRecords: 10, maxBytes: 1 })).toHaveLength(1);
    expect(await l.fetch('t', 0, 10, { maxRecords: 10 })).toEqual([]);
  });

  it('wakes a waiting fetch as soon as a record is produced', async () => {
    const l = await log(1);
    // waits up to an hour: only the produce can end it within the test's time limit
    const pending = l.fetch('t', 0, 0, { maxRecords: 10, waitMs: 3_600_000 });
    setTimeout(() => void l.produce('t', [{ value: 'late' }]), 30);
    const records = await pending;
    expect(records.map((r) => text(r.value))).toEqual(['late']);
  });

  it('returns nothing after waitMs when nothing arrives, waiting on its clock', async () => {
    const clock = virtualClock();
    const l = new MemoryLog({ clock });
    await l.ensureTopic('t', 1);
    expect(await l.fetch('t', 0, 0, { maxRecords: 10, waitMs: 50 })).toEqual([]);
    expect(clock.now()).toBe(50);
  });

  it('keeps committed offsets per consumer group and partition', async () => {
    const l = await log();
    await l.produce('t', [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }]);
    expect(await l.committed('g1', 't', 0)).toBeUndefined();
    await l.commit('g1', 't', 0, 2);
    await l.commit('g2', 't', 0, 1);
    expect(await l.committed('g1', 't', 0)).toBe(2);
    expect(await l.committed('g2', 't', 0)).toBe(1);
    expect(await l.committed('g1', 't', 1)).toBeUndefined();
  });

  it('leaves an existing topic alone', async () => {
    const l = await log(3);
    await l.produce('t', [{ value: 'a', partition: 2 }]);
    await l.ensureTopic('t', 7);
    expect(await l.partitions('t')).toEqual([0, 1, 2]);
    expect((await l.offsets('t', 2)).high).toBe(1);
  });

  it('names the unknown topic or partition it is asked for', async () => {
    const l = await log(1);
    await expect(l.produce('nope', [{ value: 'a' }])).rejects.toThrow(NotFoundError);
    await expect(l.fetch('t', 4, 0, { maxRecords: 1 })).rejects.toThrow('partition 4 of topic t does not exist');
  });

  it('rejects offsets outside the log and a bad partition without appending anything', async () => {
    const l = await log(2);
    await expect(l.fetch('t', 0, 1, { maxRecords: 1 })).rejects.toThrow(/offset 1 is out of range/);
    await expect(l.commit('g', 't', 0, 3)).rejects.toThrow(PipelineError);
    await expect(l.produce('t', [{ value: 'ok', partition: 0 }, { value: 'bad', partition: 9 }])).rejects.toThrow(/message 1 .*partition 9/);
    expect((await l.offsets('t', 0)).high).toBe(0);
  });

  it('rejects illegal topic names and partition counts', async () => {
    const l = new MemoryLog();
    await expect(l.ensureTopic('bad topic', 1)).rejects.toThrow(/invalid topic "bad topic": a topic name is/);
    await expect(l.ensureTopic('../../../models/response', 1)).rejects.toThrow(/invalid topic/);
    await expect(l.ensureTopic('t', 0)).rejects.toThrow(/positive integer/);
  });

  it('releases waiting fetches when closed and refuses calls after', async () => {
    const l = await log(1);
    const pending = l.fetch('t', 0, 0, { maxRecords: 1, waitMs: 10_000 });
    await l.close();
    expect(await pending).toEqual([]);
    await expect(l.partitions('t')).rejects.toThrow(/closed/);
  });
});
