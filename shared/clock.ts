/**
 * Time, passed in: what waits or measures durations takes a {@link Clock}, so its tests can run
 * on a virtual one (test/helpers/clock.ts) instead of waiting for real time.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences mean anything). */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock. */
  sleep(ms: number): Promise<void>;
}

/**
 * Real time: `performance.now()` and `setTimeout`.
 *
 * @example
 * const started = systemClock.now();
 * await systemClock.sleep(100);
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
