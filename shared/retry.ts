/**
 * The one way the pipeline tries something again: {@link retry} over a {@link RetryPolicy} (the
 * settings, as data). Only errors that say they are retriable are tried again (see
 * `isRetriable`); the others go straight back to the caller. Every policy has a bound, and what
 * gives up says what it gave up on, after how many attempts, and why.
 */
import { isRetriable, PipelineError } from './errors.js';

/** How often and how patiently to try. */
export interface RetryPolicy {
  /** Attempts in all, the first one included (1: no retry). */
  readonly attempts: number;
  /** The wait before the second attempt, in ms; each later wait is `multiplier` times longer... */
  readonly initialDelayMs: number;
  /** ...up to this. */
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /**
   * `full`: a random wait below the delay ("full jitter"), so that writers racing for one object
   * spread out; `none`: the delay itself.
   */
  readonly jitter: 'full' | 'none';
}

/** The policies the pipeline uses, by what they guard. */
export const RetryPolicies = {
  /** A conditional write that lost a race to another writer: re-read and write again, quickly. */
  lostRace: { attempts: 30, initialDelayMs: 10, maxDelayMs: 1_000, multiplier: 2, jitter: 'full' },
  /** A Kafka request a broker answered "try again" (moved leader, loading coordinator). */
  kafkaRequest: { attempts: 6, initialDelayMs: 100, maxDelayMs: 2_000, multiplier: 2, jitter: 'none' },
  /** The event log under the event-source emulator (a broker restarting): about a minute in all. */
  eventLog: { attempts: 15, initialDelayMs: 100, maxDelayMs: 5_000, multiplier: 2, jitter: 'none' },
  /** A lock file held by another writer of the folder store (a lock older than 30 s is broken). */
  folderLock: { attempts: 1_000, initialDelayMs: 2, maxDelayMs: 50, multiplier: 1.5, jitter: 'none' },
} as const satisfies Record<string, RetryPolicy>;

/** What {@link retry} may be told besides the policy. */
export interface RetryOptions {
  /** What is being tried, for the message when it gives up: `commit offset 42 of sensor_data-0`. */
  readonly what: string;
  /** Whether an error is worth another attempt. @default isRetriable */
  readonly retriable?: (error: unknown) => boolean;
  /** Called after a failed attempt that will be retried, before the wait (refresh metadata, forget a stale read, count). */
  readonly onRetry?: (error: unknown, attempt: number) => void | Promise<void>;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For the jitter. @default Math.random */
  readonly random?: () => number;
  /** Stops waiting and gives up at once when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The error of a retry that gave up: it names what was tried, how many times, and the last error
 * (its `cause`). As retriable as that last error, so an outer loop with its own bound may try the
 * whole thing again later.
 *
 * @example
 * if (error instanceof RetriesExhausted) console.error(error.message); // 'commit of ... gave up after 30 attempts: ...'
 */
export class RetriesExhausted extends PipelineError {
  override readonly name = 'RetriesExhausted';
  readonly attempts: number;

  constructor(what: string, attempts: number, cause: unknown) {
    super(`${what} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retriable: isRetriable(cause),
    });
    this.attempts = attempts;
  }
}

/**
 * The wait after failed attempt `attempt` (1-based) before the next, without jitter:
 * `initialDelayMs * multiplier^(attempt - 1)`, capped at `maxDelayMs`.
 *
 * @example
 * delayMs({ attempts: 5, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 'none' }, 3); // 400
 */
export function delayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` until it succeeds, an error is not retriable (thrown as it is), or the policy's
 * attempts are spent (a {@link RetriesExhausted} naming `what`).
 *
 * @example
 * const etag = await retry(() => commit(state), RetryPolicies.lostRace, { what: 'commit of customer_updates/0', retriable: lostRace });
 */
export async function retry<T>(task: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RetryOptions): Promise<T> {
  const retriable = options.retriable ?? isRetriable;
  const sleep = options.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (!retriable(error)) throw error;
      if (attempt >= policy.attempts || options.signal?.aborted) throw new RetriesExhausted(options.what, attempt, error);
      await options.onRetry?.(error, attempt);
      const delay = delayMs(policy, attempt);
      await sleep(policy.jitter === 'full' ? (options.random ?? Math.random)() * delay : delay);
    }
  }
}
