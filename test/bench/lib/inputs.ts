/**
 * Generated benchmark inputs, cached under data/bench/inputs/ (git-ignored). A file's name holds
 * its rows, its seed and a fingerprint of the generator's output, so changing the generator makes
 * new files instead of reusing stale ones.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateMarketing, writeMarketing } from '../../../data/generators/marketing.js';
import type { BenchInput } from './part.js';
import { sizeLabel } from './sizes.js';

let fingerprint: string | undefined;

/** Eight hex digits that change whenever the generator writes different bytes. */
export function generatorFingerprint(): string {
  if (fingerprint === undefined) {
    const hash = createHash('sha256');
    for (const chunk of generateMarketing({ rows: 500, seed: 0 })) hash.update(chunk);
    fingerprint = hash.digest('hex').slice(0, 8);
  }
  return fingerprint;
}

/**
 * The path of the cached marketing file of `rows` rows and `seed`, generating it first when absent.
 *
 * @example
 * const input = await marketingInput('data/bench', 100_000, 1); // data/bench/inputs/marketing-100k-s1-<fp>.csv
 */
export async function marketingInput(benchDir: string, rows: number, seed: number, log: (line: string) => void = () => {}): Promise<BenchInput> {
  const dir = join(benchDir, 'inputs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `marketing-${sizeLabel(rows)}-s${seed}-${generatorFingerprint()}.csv`);
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing) return { path, rows, bytes: existing.size };
  log(`generating ${path}`);
  const stats = await writeMarketing(path, { rows, seed });
  return { path, rows, bytes: stats.bytes };
}
