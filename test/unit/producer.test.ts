import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../shared/adapters/memory-log.js';
import { produceMessages } from '../../shared/producer.js';
import { virtualClock } from '../helpers/clock.js';

describe('produceMessages', () => {
  it('holds the rate asked for', async () => {
    const log = new MemoryLog();
    await log.ensureTopic('t', 1);
    const messages = Array.from({ length: 300 }, (_, i) => ({ value: String(i) }));
    const clock = virtualClock();
    const { sent, seconds } = await produceMessages(log, 't', messages, { rate: 1_000, clock });
    expect(sent).toBe(300);
    // 300 messages at 1,000 a second, in chunks every 20 ms: the last are due at 300 ms, and the
    // end of the messages is seen at the next wake
    expect(seconds).toBe(0.32);
    expect(clock.slept.every((ms) => ms === 20)).toBe(true);
    expect((await log.offsets('t', 0)).high).toBe(300);
  });

  it('stops after the duration even when messages remain', async () => {
    const log = new MemoryLog();
    await log.ensureTopic('t', 1);
    const endless = (function* () {
      for (;;) yield { value: 'x' };
    })();
    const { sent, seconds } = await produceMessages(log, 't', endless, { rate: 500, durationMs: 200, clock: virtualClock() });
    expect(seconds).toBe(0.2);
    expect(sent).toBe(90); // due by 180 ms, the last time it woke before the deadline
    expect((await log.offsets('t', 0)).high).toBe(90);
  });

  it('sends as fast as the log takes them without a rate, in chunks', async () => {
    const log = new MemoryLog();
    await log.ensureTopic('t', 2);
    const progress: number[] = [];
    const messages = Array.from({ length: 2_500 }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    const { sent } = await produceMessages(log, 't', messages, { chunk: 1_000, onProgress: (n) => progress.push(n), clock: virtualClock() });
    expect(sent).toBe(2_500);
    expect(progress).toEqual([1_000, 2_000, 2_500]);
  });
});
