/** Benchmark sizes: parsing `--sizes` and naming sizes in tables and file names. */
import { parseCount } from '../../../shared/cli/options.js';

/**
 * Parses a comma-separated list of sizes such as `10k,100k,1M` into row counts.
 *
 * @example
 * parseSizes('10k,100k,1M'); // [10000, 100000, 1000000]
 */
export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => part.trim()).filter((part) => part !== '').map((part) => parseCount(part, { min: 1 }));
  if (sizes.length === 0) throw new RangeError('no sizes given (write sizes like 10k,100k,1M)');
  return sizes;
}

/**
 * A short name for a row count: `1M`, `100k`, `2240`.
 *
 * @example
 * sizeLabel(1_000_000); // '1M'
 * sizeLabel(2240); // '2240'
 */
export function sizeLabel(rows: number): string {
  if (rows >= 1e6 && rows % 1e6 === 0) return `${rows / 1e6}M`;
  if (rows >= 1e3 && rows % 1e3 === 0) return `${rows / 1e3}k`;
  return String(rows);
}
