/**
 * Python peers of the benchmark: a virtual environment made on first use under data/bench/python/
 * (git-ignored) from a requirements file, installed from PyPI with pip, and reused while the
 * requirements are unchanged.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Python interpreter of a virtual environment holding `requirements`, made (or remade, when
 * the requirements changed) under `dir`. The base interpreter is BENCH_PYTHON, else python3.
 *
 * @example
 * const python = ensureVenv('data/bench/python', 'test/bench/peers/requirements.txt', console.error);
 */
export function ensureVenv(dir: string, requirements: string, log: (line: string) => void = () => {}): string {
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, 'requirements.sha256');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  log(`making a Python environment in ${dir} (${requirements})`);
  rmSync(dir, { recursive: true, force: true });
  execFileSync(process.env.BENCH_PYTHON ?? 'python3', ['-m', 'venv', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], { stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(stamp, wanted);
  return python;
}

/** Environment for a numeric Python peer: BLAS and OpenMP on one thread, as the JavaScript side has one. */
export const ONE_THREAD: Readonly<Record<string, string>> = {
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
  VECLIB_MAXIMUM_THREADS: '1',
  NUMEXPR_NUM_THREADS: '1',
};
