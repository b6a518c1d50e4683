/**
 * The real CLI in a child process, as a user runs it: `pipeline(args, env)` starts
 * `shared/cli/bin.mjs`, collecting its output; `stop` sends a signal and says how it exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** A running `pipeline` command. */
export interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * Starts `pipeline <args>` in the checkout, with `env` over the test's environment (CI unset, so
 * the CLI behaves as on a laptop).
 *
 * @example
 * const running = pipeline(['serve', 'stream', '--until-idle'], { KAFKA_BROKERS: brokers });
 */
export function pipeline(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['shared/cli/bin.mjs', ...args], { cwd: root, env: { ...process.env, CI: '', ...env } });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, at: performance.now() }))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  return running;
}

/**
 * Sends a signal and resolves with how long the process took to exit, and its exit code.
 *
 * @example
 * const { ms, code } = await stop(running, 'SIGTERM');
 */
export async function stop(running: Running, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const sent = performance.now();
  running.child.kill(signal);
  const { code, at } = await running.exited;
  return { ms: at - sent, code };
}

/**
 * Waits until the command's output (stdout and stderr) matches `pattern`, or it exits, or a
 * minute passes.
 *
 * @example
 * await waitFor(running, /attempt 1 failed/);
 */
export async function waitFor(running: Running, pattern: RegExp): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    if (pattern.test(running.stdout) || pattern.test(running.stderr)) return;
    if (running.child.exitCode !== null) throw new Error(`the command exited before printing ${pattern}: ${running.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the command printed nothing matching ${pattern} within a minute: ${running.stderr}`);
}
