import { logIdOf } from '../../shared/names.js';
import type { EventLog } from '../../shared/ports/event-log.js';

/**
 * The identity a log's results are named by, as the event source hands it to the functions
 * (`kafka.<cluster id>`, `in-process.<id>`).
 *
 * @example
 * const key = `models/response/current/customer_updates@${await logIdOfLog(log)}.json`;
 */
export async function logIdOfLog(log: Pick<EventLog, 'identity'>): Promise<string> {
  return logIdOf({ eventSource: 'aws:kafka', eventSourceArn: await log.identity() });
}
