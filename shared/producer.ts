/**
 * Producing to an event log at a steady pace: `pipeline produce`, `pipeline run` (npm start) and
 * the benchmarks write their synthetic events through it.
 */
import { systemClock, type Clock } from './clock.js';
import type { EventLog, OutgoingMessage } from './ports/event-log.js';

/** Options of {@link produceMessages}. */
export interface ProduceOptions {
  /** Messages per second (wall clock); undefined: as fast as the log takes them. */
  readonly rate?: number;
  /** Stop after this long even if messages remain. */
  readonly durationMs?: number;
  /** Messages per produce call when unthrottled. @default 1000 */
  readonly chunk?: number;
  readonly onProgress?: (sent: number) => void;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * Produces `messages` to `topic`, at `rate` per second when given (in small chunks, so the rate
 * holds), and resolves to how many were sent and how long it took.
 *
 * @example
 * await produceMessages(log, 'sensor_data', sensorMessages({ count: 1000 }), { rate: 500 });
 */
export async function produceMessages(
  log: EventLog,
  topic: string,
  messages: Iterable<OutgoingMessage>,
  options: ProduceOptions = {},
): Promise<{ sent: number; seconds: number }> {
  const iterator = messages[Symbol.iterator]();
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let sent = 0;
  for (let done = false; !done; ) {
    const now = clock.now();
    if (now >= deadline) break;
    const due = options.rate === undefined ? (options.chunk ?? 1000) : Math.floor(((now - started) / 1000) * options.rate) - sent;
    if (due <= 0) {
      await clock.sleep(Math.min(20, deadline - now));
      continue;
    }
    const chunk: OutgoingMessage[] = [];
    while (chunk.length < due) {
      const next = iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      chunk.push(next.value);
    }
    if (chunk.length > 0) await log.produce(topic, chunk);
    sent += chunk.length;
    options.onProgress?.(sent);
  }
  return { sent, seconds: (clock.now() - started) / 1000 };
}
