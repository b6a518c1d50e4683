/**
 * The CLI's error contract, through the real `pipeline` command: a usage error, wherever it is
 * found, is one line on stderr and exit code 2; any other error is one line and exit code 1.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function pipeline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['shared/cli/bin.mjs', ...args], { env: { ...process.env, PIPELINE_DATA_DIR: '/nonexistent-pipeline-data' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('pipeline (the CLI)', () => {
  it.each([
    [['model', 'predict'], /^pipeline: give --id <ID>, --dataset <name> or --file <cleaned>, one of them\.$/],
    [['produce', 'sensors', '--count', '5', '--duration', '1'], /^pipeline: give --count or --duration, not both\.$/],
    [['produce', 'cdc', '--from', 'x.csv', '--update-ratio', '0.8', '--delete-ratio', '0.5'], /^pipeline: .*add up to more than 1\.$/],
  ])('prints a usage error found inside a command (%j) as one line and exits 2', async (args, message) => {
    const { code, stderr } = await pipeline(...args);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(message);
  });

  it('prints a usage error found while parsing, with the hint, and exits 2', async () => {
    const { code, stderr } = await pipeline('run', '--rows', 'many');
    expect(code).toBe(2);
    expect(stderr).toMatch(/option '--rows <n>' argument 'many' is invalid/);
  });

  it('prints a failure as one line without a stack trace and exits 1', async () => {
    const { code, stderr } = await pipeline('preprocess', '/nonexistent/input.csv');
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('pipeline: /nonexistent/input.csv: does not exist (`pipeline generate marketing --rows 10k --out <file>` writes a marketing file to try)');
  });

  it('adds the stack trace with --debug', async () => {
    const { code, stderr } = await pipeline('--debug', 'preprocess', '/nonexistent/input.csv');
    expect(code).toBe(1);
    expect(stderr).toMatch(/InputError: .*\n\s+at /);
  });
});
