/**
 * The tables every analysis is tested on, each as the analytics read it (cleaned.parquet bytes,
 * through readCleanedParquet):
 * - the fixture: synthetic, with edge cases at the band boundaries and ties at the top;
 * - the real file (../shared/data/marketing_campaign.csv), cleaned by the preprocessing; skipped
 *   when absent;
 * - generated data (data/generators/marketing.ts, 5,000 rows), cleaned by the preprocessing.
 */
import type { ColumnTable } from 'arquero';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCleanedParquet } from '../../../shared/analytics/table.js';
import { writeParquet } from '../../../shared/parquet.js';
import { cleanCsv } from '../../../shared/preprocess/index.js';
import { REAL_FILE, realFileMissing } from '../../helpers/real-data.js';
import { FIXTURES, generatedCsv, readCleanedCsv } from './helpers.js';

export interface Dataset {
  readonly label: string;
  /** Undefined when the dataset is not available here (the cases are skipped). */
  readonly load: (() => Promise<ColumnTable>) | undefined;
}

export { REAL_FILE };

/** Raw marketing CSV bytes -> the preprocessing's cleaned table -> cleaned.parquet -> in memory. */
async function cleanedFromRaw(bytes: Uint8Array, source: string): Promise<ColumnTable> {
  const { result } = cleanCsv(bytes, { source, schema: 'marketing' });
  return readCleanedParquet(await writeParquet(result.table), `${source} (cleaned.parquet)`);
}

const memo = <T>(load: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
};

export const DATASETS: readonly Dataset[] = [
  {
    label: 'the fixture',
    load: memo(async () => readCleanedParquet(await writeParquet(readCleanedCsv(join(FIXTURES, 'cleaned-sample.csv'))), 'cleaned-sample.parquet')),
  },
  {
    label: 'the real file',
    load: realFileMissing('test/unit/analytics/: the analyses on the real file') ? undefined : memo(() => cleanedFromRaw(readFileSync(REAL_FILE), 'marketing_campaign.csv')),
  },
  {
    label: 'generated data',
    load: memo(() => cleanedFromRaw(generatedCsv(5_000, 11), 'generated-5k.csv')),
  },
];
