/**
 * Kaggle's marketing_campaign.csv (2,240 customers), which the tests read when it lies beside the
 * repository (`../shared/data/`) and skip without when it does not: it is not ours to ship.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REAL_FILE = join(resolve(import.meta.dirname, '..', '..'), '..', 'shared', 'data', 'marketing_campaign.csv');

/**
 * True when the real file is missing, after printing one line saying which test is skipped and
 * what it needs; for `it.skipIf(...)` / `describe.skipIf(...)`.
 *
 * @example
 * it.skipIf(realFileMissing('cleans the real file'))('cleans the real file', async () => { ... });
 */
export function realFileMissing(what: string): boolean {
  if (existsSync(REAL_FILE)) return false;
  process.stderr.write(`[skipped] ${what}: needs Kaggle's marketing_campaign.csv at ${REAL_FILE}\n`);
  return true;
}
