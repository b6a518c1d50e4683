import { describe, expect, it } from 'vitest';
import { ConflictError, InputError, PipelineError } from '../../shared/errors.js';
import { delayMs, retry, RetriesExhausted, RetryPolicies, type RetryPolicy } from '../../shared/retry.js';
import { virtualClock } from '../helpers/clock.js';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 300, multiplier: 2, jitter: 'none' };
const transient = () => new PipelineError('the server is busy', { retriable: true });

describe('retry', () => {
  it('tries again after each retriable failure, waiting longer each time, until it succeeds', async () => {
    const clock = virtualClock();
    let calls = 0;
    const result = await retry(async (attempt) => (++calls < 3 ? Promise.reject(transient()) : `done on attempt ${attempt}`), policy, { what: 'x', sleep: clock.sleep });
    expect(result).toBe('done on attempt 3');
    expect(clock.slept).toEqual([100, 200]);
  });

  it('stops at its bound and says what it gave up on, after how many attempts, and why', async () => {
    const clock = virtualClock();
    const error = await retry(() => Promise.reject(transient()), policy, { what: 'the commit of t/0', sleep: clock.sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).message).toBe('the commit of t/0 gave up after 4 attempts: the server is busy');
    expect((error as RetriesExhausted).attempts).toBe(4);
    expect((error as RetriesExhausted).retriable).toBe(true); // as retriable as its cause: an outer loop may try later
    expect(clock.slept).toEqual([100, 200, 300]);
  });

  it('does not retry an error that is not retriable, nor one nobody classified', async () => {
    for (const thrown of [new InputError('raw/a.csv', 'bad data'), new Error('something unexpected'), new TypeError('x is not a function')]) {
      let calls = 0;
      const error = await retry(async () => {
        calls++;
        throw thrown;
      }, policy, { what: 'x', sleep: virtualClock().sleep }).catch((e: unknown) => e);
      expect(error).toBe(thrown);
      expect(calls).toBe(1);
    }
  });

  it('asks its own predicate and calls onRetry before each wait', async () => {
    const seen: number[] = [];
    let calls = 0;
    await retry(async () => {
      if (++calls < 3) throw new ConflictError('k');
    }, policy, { what: 'x', retriable: (e) => e instanceof ConflictError, onRetry: (_e, attempt) => void seen.push(attempt), sleep: virtualClock().sleep });
    expect(seen).toEqual([1, 2]);
  });

  it('waits a random share of the delay with full jitter', async () => {
    const clock = virtualClock();
    await retry(async (attempt) => {
      if (attempt < 3) throw transient();
    }, { ...policy, jitter: 'full' }, { what: 'x', sleep: clock.sleep, random: () => 0.5 });
    expect(clock.slept).toEqual([50, 100]);
  });

  it('gives up at once when its signal is aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(retry(() => Promise.reject(transient()), policy, { what: 'x', signal: abort.signal })).rejects.toThrow('x gave up after 1 attempt: the server is busy');
  });
});

describe('delayMs', () => {
  it('grows by the multiplier from the initial delay, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => delayMs({ ...policy, maxDelayMs: 1_000 }, n))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('keeps every policy of the pipeline bounded', () => {
    for (const p of Object.values(RetryPolicies)) {
      expect(Number.isFinite(p.attempts) && p.attempts >= 1).toBe(true);
      const worst = Array.from({ length: p.attempts - 1 }, (_, i) => delayMs(p, i + 1)).reduce((a, b) => a + b, 0);
      expect(worst).toBeLessThan(120_000);
    }
  });
});
