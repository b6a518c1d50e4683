import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import {
  createEventSource,
  type EventSourceEvent,
  type EventSourceOptions,
  type InvocationRecord,
} from '../../../shared/emulator/index.js';
import { decodeKafkaEvent, type KafkaEvent } from '../../../shared/lambda/kafka-event.js';
import { InputError, PipelineError } from '../../../shared/errors.js';
import { virtualClock } from '../../helpers/clock.js';
import { logIdOfLog } from '../../helpers/log-id.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = { initialDelayMs: 1, maxDelayMs: 5, multiplier: 2 };
const transient = (message: string) => new PipelineError(message, { retriable: true });

async function topic(partitions = 1, records = 0, value = (i: number) => `{"n":${i}}`): Promise<MemoryLog> {
  const log = new MemoryLog();
  await log.ensureTopic('t', partitions);
  if (records > 0) {
    await log.produce('t', Array.from({ length: records }, (_, i) => ({ value: value(i), partition: i % partitions })));
  }
  return log;
}

/** Offsets per invocation, as [partition, first, last, count]. */
function batchesOf(events: KafkaEvent[]): Array<[number, number, number, number]> {
  return events.map((event) => {
    const records = decodeKafkaEvent(event);
    return [records[0]!.partition, records[0]!.offset, records[records.length - 1]!.offset, records.length];
  });
}

function source(log: MemoryLog, overrides: Partial<EventSourceOptions> & Pick<EventSourceOptions, 'handler'>) {
  return createEventSource({ log, topic: 't', group: 'g', maxBatchingWindowMs: 0, pollWaitMs: 20, ...overrides });
}

describe('event source batching', () => {
  it('cuts batches at batchSize, in offset order, and commits after each', async () => {
    const log = await topic(1, 250);
    const events: KafkaEvent[] = [];
    const es = source(log, { batchSize: 100, handler: async (e) => void events.push(e) });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(batchesOf(events)).toEqual([
      [0, 0, 99, 100],
      [0, 100, 199, 100],
      [0, 200, 249, 50],
    ]);
    expect(await log.committed('g', 't', 0)).toBe(250);
  });

  it('waits up to maxBatchingWindowMs to fill a batch', async () => {
    const log = await topic(1, 3);
    const events: KafkaEvent[] = [];
    const es = source(log, { batchSize: 100, maxBatchingWindowMs: 300, handler: async (e) => void events.push(e) });
    await es.start();
    await sleep(100);
    await log.produce('t', [{ value: '{}' }, { value: '{}' }]);
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(batchesOf(events)).toEqual([[0, 0, 4, 5]]);
  });

  it('sends what arrived when the window closes, without waiting for a full batch', async () => {
    const log = await topic(1, 3);
    const clock = virtualClock();
    const seen: number[] = [];
    const es = source(log, { batchSize: 100, maxBatchingWindowMs: 100, clock, handler: async (e) => void seen.push(clock.now(), batchesOf([e])[0]![3]) });
    await es.start();
    while (seen.length === 0) await sleep(5);
    await es.stop();
    expect(seen).toEqual([100, 3]); // the window, on the event source's clock, and the three records
  });

  it('keeps each event under the 6 MB payload limit', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    const log = await topic(1, 7, () => mb);
    const sizes: number[] = [];
    const counts: number[] = [];
    const es = source(log, { batchSize: 100, handler: async (e) => void (sizes.push(JSON.stringify(e).length), counts.push(batchesOf([e])[0]![3])) });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(counts).toEqual([4, 3]);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(6 * 1024 * 1024);
  });

  it('sends a record too big for any event to the on-failure destination without invoking', async () => {
    const log = await topic(1, 0);
    await log.produce('t', [{ value: '{}' }, { value: 'x'.repeat(5 * 1024 * 1024) }, { value: '{}' }]);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    const events: KafkaEvent[] = [];
    const es = source(log, { batchSize: 100, handler: async (e) => void events.push(e), onFailure: { store, prefix: 'results/failed/' } });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(batchesOf(events)).toEqual([
      [0, 0, 0, 1],
      [0, 2, 2, 1],
    ]);
    const [object] = await store.list('results/failed/');
    const record = JSON.parse(new TextDecoder().decode((await store.get(object!.key)).body)) as InvocationRecord;
    expect(record.requestContext).toMatchObject({ condition: 'MaximumPayloadSizeExceeded', approximateInvokeCount: 0 });
    expect(record.responseContext).toBeNull();
    expect(record.KafkaBatchInfo.recordsInfo['t-0']).toMatchObject({ firstRecordOffset: '1', lastRecordOffset: '1' });
  });

  it('rejects a batch size beyond Lambda limit', () => {
    expect(() => createEventSource({ log: new MemoryLog(), topic: 't', group: 'g', handler: async () => {}, batchSize: 10_001 })).toThrow(/batchSize/);
  });
});

describe('event source delivery', () => {
  it('commits a batch only after the handler returns', async () => {
    const log = await topic(1, 10);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let called = false;
    const es = source(log, { handler: async () => ((called = true), gate) });
    await es.start();
    while (!called) await sleep(5);
    await sleep(30);
    expect(await log.committed('g', 't', 0)).toBe(0);
    release();
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(await log.committed('g', 't', 0)).toBe(10);
  });

  it('delivers the batch again after a crash between the handler writes and the commit', async () => {
    const log = await topic(1, 10);
    const writes: string[] = [];
    let first = true;
    const crashing = source(log, {
      handler: async (e) => {
        writes.push(batchesOf([e]).join());
        if (first) {
          first = false;
          crashing.abort();
        }
      },
    });
    await crashing.start();
    while (writes.length === 0) await sleep(5);
    await crashing.stop();
    expect(await log.committed('g', 't', 0)).toBe(0);
    const restarted = source(log, { handler: async (e) => void writes.push(batchesOf([e]).join()) });
    await restarted.runUntilIdle({ idleMs: 30 });
    await restarted.stop();
    expect(writes).toEqual(['0,0,9,10', '0,0,9,10']);
    expect(await log.committed('g', 't', 0)).toBe(10);
  });

  it('retries a failing batch with exponential backoff until it succeeds', async () => {
    const log = await topic(1, 5);
    const clock = virtualClock();
    const times: number[] = [];
    const es = source(log, {
      bisectBatchOnFunctionError: false,
      clock,
      retry: { attempts: 6, initialDelayMs: 40, maxDelayMs: 1_000, multiplier: 2 },
      handler: async () => {
        times.push(clock.now());
        if (times.length < 3) throw transient('transient');
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(times).toHaveLength(3);
    expect([times[1]! - times[0]!, times[2]! - times[1]!]).toEqual([40, 80]);
    expect(es.stats).toMatchObject({ invocations: 3, errors: 2, delivered: 5, failed: 0 });
  });

  it('bisects a failing batch down to the poison record and sends only it to the on-failure destination', async () => {
    const log = await topic(1, 16);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    const delivered = new Set<number>();
    const es = source(log, {
      batchSize: 16,
      retry: { attempts: 3, ...fast },
      onFailure: { store, prefix: 'results/failed/' },
      handler: async (event) => {
        const records = decodeKafkaEvent(event);
        if (records.some((r) => r.offset === 5)) throw transient('poison at offset 5');
        for (const r of records) delivered.add(r.offset);
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect([...delivered].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const objects = await store.list('results/failed/');
    // named by source (the topic and the log's identity), partition and offsets
    expect(objects.map((o) => o.key)).toEqual([`results/failed/t@${await logIdOfLog(log)}/0/00000000000000000005-00000000000000000005.json`]);
    const record = JSON.parse(new TextDecoder().decode((await store.get(objects[0]!.key)).body)) as InvocationRecord;
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    // 16 -> 8 -> 4 -> 2 -> 1 is five invocations deep, beyond the three attempts: not retried again
    expect(record.requestContext.approximateInvokeCount).toBe(5);
    expect(record.KafkaBatchInfo).toMatchObject({ batchSize: 1, recordsInfo: { 't-0': { firstRecordOffset: '5', lastRecordOffset: '5' } } });
    expect(record.errorInfo).toEqual({ errorType: 'PipelineError', errorMessage: 'poison at offset 5' });
    expect(decodeKafkaEvent(record.payload).map((r) => r.offset)).toEqual([5]);
    expect(es.stats).toMatchObject({ delivered: 15, failed: 1 });
    expect(await log.committed('g', 't', 0)).toBe(16);
  });

  it('gives up on the whole batch after its attempts when bisecting is off, and moves on', async () => {
    const log = await topic(1, 4);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    let calls = 0;
    const es = source(log, {
      bisectBatchOnFunctionError: false,
      retry: { attempts: 4, ...fast },
      onFailure: { store, prefix: 'failed/' },
      handler: async () => {
        calls++;
        throw transient('always');
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(calls).toBe(4);
    expect((await store.list('failed/')).map((o) => o.key)).toEqual([`failed/t@${await logIdOfLog(log)}/0/00000000000000000000-00000000000000000003.json`]);
    expect(await log.committed('g', 't', 0)).toBe(4);
  });

  it('does not retry an error that is not retriable', async () => {
    const log = await topic(1, 1);
    let calls = 0;
    const es = source(log, {
      retry: { attempts: 6, ...fast },
      handler: async () => {
        calls++;
        throw new InputError('x', 'bad data');
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(calls).toBe(1);
    expect(es.stats.failed).toBe(1);
  });

  it('does not retry an error nobody classified: a plain Error is bisected, never retried', async () => {
    const log = await topic(1, 4);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    const invoked: number[] = [];
    const es = source(log, {
      retry: { attempts: 6, ...fast },
      onFailure: { store, prefix: 'failed/' },
      handler: async (event) => {
        const records = decodeKafkaEvent(event);
        invoked.push(records.length);
        if (records.some((r) => r.offset === 2)) throw new Error('something nobody classified');
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    // 4 fails, then its halves: [0,1] succeeds, [2,3] fails, then [2] fails once and [3] succeeds
    expect(invoked).toEqual([4, 2, 2, 1, 1]);
    expect((await store.list('failed/')).map((o) => o.key)).toEqual([`failed/t@${await logIdOfLog(log)}/0/00000000000000000002-00000000000000000002.json`]);
    expect(es.stats).toMatchObject({ delivered: 3, failed: 1 });
  });
});

describe('event source that never gives a batch up (retry attempts: Infinity, Lambda -1)', () => {
  it('retries a transient failure until it heals, however long, and gives nothing up', async () => {
    const log = await topic(1, 8);
    const clock = virtualClock();
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    let failures = 0;
    const delivered: number[] = [];
    const es = source(log, {
      clock,
      batchSize: 8,
      retry: { attempts: Number.POSITIVE_INFINITY, initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2 },
      onFailure: { store, prefix: 'failed/' },
      handler: async (event) => {
        // the store is down for ten virtual minutes
        if (clock.now() < 600_000) {
          failures++;
          throw transient('the store is down');
        }
        delivered.push(...decodeKafkaEvent(event).map((r) => r.offset));
      },
    });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(failures).toBeGreaterThan(50);
    expect(delivered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(es.stats.failed).toBe(0);
    expect(await store.list('failed/')).toEqual([]);
    expect(await log.committed('g', 't', 0)).toBe(8);
  });

  it('stops the partition with the batch uncommitted on an error retrying cannot mend, naming the batch', async () => {
    const log = await topic(1, 4);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    let calls = 0;
    const es = source(log, {
      retry: { attempts: Number.POSITIVE_INFINITY, ...fast },
      onFailure: { store, prefix: 'failed/' },
      handler: async () => {
        calls++;
        throw new InputError('s3://models', 'access denied');
      },
    });
    await expect(es.runUntilIdle({ idleMs: 30 })).rejects.toThrow('t-0 offsets 0-3: s3://models: access denied (not retriable; the batch is kept, not given up: the partition stops here until this is fixed)');
    await es.stop();
    expect(calls).toBe(1);
    expect(es.stats.failed).toBe(0);
    expect(await store.list('failed/')).toEqual([]);
    expect(await log.committed('g', 't', 0)).toBe(0);
  });

  it('stops between attempts when asked, without waiting out the backoff, leaving the failing batch uncommitted and not given up', async () => {
    const log = await topic(1, 4);
    const store = new FolderStore(await mkdtemp(join(tmpdir(), 'es-')));
    let calls = 0;
    const es = source(log, {
      bisectBatchOnFunctionError: false,
      // an hour between attempts: a stop that waited for the next one would outlast the test
      retry: { attempts: Number.POSITIVE_INFINITY, initialDelayMs: 3_600_000, maxDelayMs: 3_600_000, multiplier: 1 },
      onFailure: { store, prefix: 'failed/' },
      handler: async () => {
        calls++;
        throw transient('the store is down');
      },
    });
    await es.start();
    while (calls < 1) await sleep(5);
    await es.stop();
    expect(calls).toBe(1);
    expect(await store.list('failed/')).toEqual([]);
    expect(await log.committed('g', 't', 0)).toBe(0);
  });
});

describe('event source and a failing event log', () => {
  it('stops a partition whose log keeps failing once the log retry policy is spent, naming what it gave up on', async () => {
    const log = await topic(1, 3);
    const clock = virtualClock();
    let fetches = 0;
    log.fetch = async () => {
      fetches++;
      throw transient('the broker is not answering');
    };
    const errors: Array<{ fatal: boolean; message: string }> = [];
    const es = source(log, {
      clock,
      handler: async () => {},
      logRetry: { attempts: 4, initialDelayMs: 100, maxDelayMs: 250, multiplier: 2, jitter: 'none' },
      onEvent: (e) => void (e.type === 'log-error' && errors.push({ fatal: e.fatal, message: (e.error as Error).message })),
    });
    await expect(es.runUntilIdle({ idleMs: 30 })).rejects.toThrow('reading t-0 gave up after 4 attempts: the broker is not answering');
    await es.stop();
    expect(fetches).toBe(4);
    expect(errors.map((e) => e.fatal)).toEqual([false, false, false, true]);
    expect(clock.slept.filter((ms) => ms >= 100)).toEqual([100, 200, 250]);
  });

  it('retries a failing commit under the log policy, then stops the partition', async () => {
    const log = await topic(1, 2);
    let commits = 0;
    const commit = log.commit.bind(log);
    log.commit = async (...args: Parameters<MemoryLog['commit']>) => {
      if (args[3] === 0) return commit(...args); // where a new group starts
      commits++;
      throw transient('the coordinator is loading');
    };
    const es = source(log, { clock: virtualClock(), handler: async () => {}, logRetry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: 'none' } });
    await expect(es.runUntilIdle({ idleMs: 30 })).rejects.toThrow(/the commit of offset 2 for group g on t-0 gave up after 3 attempts/);
    await es.stop();
    expect(commits).toBe(3);
  });
});

describe('event source concurrency', () => {
  it('commits in the background, one commit at a time, the newest offset replacing a waiting one', async () => {
    const log = await topic(1, 200);
    const commit = log.commit.bind(log);
    let inFlight = 0;
    let overlapped = false;
    log.commit = async (...args: Parameters<MemoryLog['commit']>) => {
      overlapped ||= ++inFlight > 1;
      await sleep(40);
      inFlight--;
      return commit(...args);
    };
    let batches = 0;
    const es = source(log, { batchSize: 10, handler: async () => void batches++ });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(batches).toBe(20);
    expect(overlapped).toBe(false);
    expect(es.stats.commits).toBeLessThan(20);
    expect(await log.committed('g', 't', 0)).toBe(200);
  });

  it('runs partitions in parallel with one batch in flight per partition', async () => {
    const log = await topic(3, 300);
    let inFlight = 0;
    let maxInFlight = 0;
    const perPartition = new Map<number, number>();
    let maxPerPartition = 0;
    const es = source(log, {
      batchSize: 10,
      handler: async (event) => {
        const partition = decodeKafkaEvent(event)[0]!.partition;
        inFlight++;
        perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlight);
        maxPerPartition = Math.max(maxPerPartition, perPartition.get(partition)!);
        await sleep(5);
        perPartition.set(partition, perPartition.get(partition)! - 1);
        inFlight--;
      },
    });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    expect(maxInFlight).toBe(3);
    expect(maxPerPartition).toBe(1);
    for (const p of [0, 1, 2]) expect(await log.committed('g', 't', p)).toBe(100);
  });

  it('keeps the records of a partition in offset order across batches', async () => {
    const log = await topic(2, 500);
    const seen = new Map<number, number[]>();
    const es = source(log, {
      batchSize: 7,
      handler: async (event) => {
        for (const r of decodeKafkaEvent(event)) seen.set(r.partition, [...(seen.get(r.partition) ?? []), r.offset]);
      },
    });
    await es.runUntilIdle({ idleMs: 50 });
    await es.stop();
    for (const p of [0, 1]) expect(seen.get(p)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });
});

describe('event source lifecycle', () => {
  it('waits in runUntilIdle for records produced while it runs', async () => {
    const log = await topic(1, 0);
    let count = 0;
    const es = source(log, { handler: async (e) => void (count += decodeKafkaEvent(e).length) });
    setTimeout(() => void log.produce('t', [{ value: '1' }]), 100);
    setTimeout(() => void log.produce('t', [{ value: '2' }]), 250);
    await es.runUntilIdle({ idleMs: 300 });
    await es.stop();
    expect(count).toBe(2);
  });

  it('gives up waiting for idle after timeoutMs', async () => {
    const log = await topic(1, 1);
    const es = source(log, { handler: () => new Promise(() => {}) });
    await expect(es.runUntilIdle({ idleMs: 10, timeoutMs: 100 })).rejects.toThrow(/not idle after 100 ms/);
    es.abort();
  });

  it('starts a new group at the end with LATEST and at the start with TRIM_HORIZON', async () => {
    const log = await topic(1, 5);
    const latest: number[] = [];
    const es = source(log, { group: 'late', startingPosition: 'LATEST', handler: async (e) => void latest.push(...decodeKafkaEvent(e).map((r) => r.offset)) });
    await es.start();
    await sleep(50);
    await log.produce('t', [{ value: 'new' }]);
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(latest).toEqual([5]);
  });

  it('reports invocations, successes and commits as events', async () => {
    const log = await topic(1, 3);
    const events: EventSourceEvent['type'][] = [];
    const es = source(log, { handler: async () => {}, onEvent: (e) => events.push(e.type) });
    await es.runUntilIdle({ idleMs: 30 });
    await es.stop();
    expect(events).toEqual(['invoke', 'success', 'commit']);
  });

  it('stops a partition whose log fails for good and reports it from runUntilIdle', async () => {
    const log = await topic(1, 0);
    const es = createEventSource({ log, topic: 'missing', group: 'g', handler: async () => {} });
    await expect(es.runUntilIdle({ idleMs: 10 })).rejects.toThrow(/topic missing does not exist/);
  });
});
