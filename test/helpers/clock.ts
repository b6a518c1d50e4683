import type { Clock } from '../../shared/clock.js';

/**
 * A clock whose time moves only from one sleeper's wake-up to the next: `sleep(ms)` sets a timer
 * at `now() + ms`, and on each turn of the event loop the earliest timer fires and `now()` jumps
 * to it. Waits cost no real time and happen in the order their deadlines say, so a test asserts
 * on the durations the code under test chose, never on the machine's speed.
 *
 * @example
 * const clock = virtualClock();
 * await clock.sleep(5_000);
 * clock.now(); // 5000
 */
export function virtualClock(start = 0): Clock & { readonly slept: number[] } {
  let now = start;
  let sequence = 0;
  let pumping = false;
  const slept: number[] = [];
  const timers: Array<{ at: number; sequence: number; wake: () => void }> = [];
  const pump = () => {
    timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
    const next = timers.shift();
    if (next === undefined) {
      pumping = false;
      return;
    }
    now = Math.max(now, next.at);
    next.wake();
    setImmediate(pump);
  };
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      const wait = Math.max(0, ms);
      slept.push(wait);
      return new Promise<void>((wake) => {
        timers.push({ at: now + wait, sequence: sequence++, wake });
        if (!pumping) {
          pumping = true;
          setImmediate(pump);
        }
      });
    },
  };
}
