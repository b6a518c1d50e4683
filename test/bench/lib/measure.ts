/**
 * Runs a command in a child process and measures its wall time and peak memory.
 *
 * Peak RSS is the peak of the largest process in the child's tree (what GNU time's %M reports),
 * from two sources, the larger kept: every Node process in the tree reports its own VmHWM (its
 * own high-water mark) at exit (rss-reporter.mjs, loaded through NODE_OPTIONS), and /proc/<pid>/status VmHWM
 * of the child and its descendants is sampled while it runs (for commands that are not Node;
 * Linux only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.js';

const REPORTER = pathToFileURL(join(import.meta.dirname, 'rss-reporter.mjs')).href;
const SAMPLE_MS = 20;

/** One run of a command. */
export interface Measurement {
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly cwd?: string;
  /** Added to the current environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `command args` to completion and returns its wall time (spawn to exit) and peak RSS; a
 * non-zero exit throws with the command's last stderr lines.
 *
 * @example
 * const run = await measureCommand(process.execPath, ['shared/cli/bin.mjs', 'preprocess', file, '--out', dir]);
 * console.log(run.wallMs, run.peakRssBytes);
 */
export async function measureCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<Measurement> {
  const rssDir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const nodeOptions = [process.env.NODE_OPTIONS, `--import=${REPORTER}`].filter(Boolean).join(' ');
  try {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, NODE_OPTIONS: nodeOptions, BENCH_RSS_DIR: rssDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let sampled = 0;
    const sampler = setInterval(() => {
      if (child.pid !== undefined) sampled = Math.max(sampled, treeHighWaterMark(child.pid));
    }, SAMPLE_MS);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exitCode) => resolve(exitCode));
    });
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    const errorText = Buffer.concat(stderr).toString();
    if (code !== 0) {
      const tail = errorText.trim().split('\n').slice(-3).join(' / ');
      throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${tail}`);
    }
    const reported = readdirSync(rssDir).map((pid) => Number(readFileSync(join(rssDir, pid), 'utf8')) || 0);
    return { wallMs, peakRssBytes: Math.max(sampled, ...reported), stdout: Buffer.concat(stdout).toString(), stderr: errorText };
  } finally {
    rmSync(rssDir, { recursive: true, force: true });
  }
}

/** The medians of repeated runs. */
export interface Summary {
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly runs: number;
  /** Every run's wall time, in run order, for the spread. */
  readonly wallRuns: readonly number[];
  /** The last run, for its output. */
  readonly last: Measurement;
}

/**
 * Runs `once` `repeats` times (each between `before` and `after`, which are not timed) and returns
 * the median wall time and median peak RSS.
 *
 * @example
 * const summary = await repeat(3, () => measureCommand('node', ['-e', '0']), { before: () => rmSync(out, { recursive: true, force: true }) });
 */
export async function repeat(
  repeats: number,
  once: () => Promise<Measurement>,
  { before, after }: { before?: () => unknown; after?: (run: Measurement) => unknown } = {},
): Promise<Summary> {
  const runs: Measurement[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    await before?.();
    const run = await once();
    await after?.(run);
    runs.push(run);
  }
  return {
    wallMs: median(runs.map((run) => run.wallMs)),
    peakRssBytes: median(runs.map((run) => run.peakRssBytes)),
    runs: runs.length,
    wallRuns: runs.map((run) => run.wallMs),
    last: runs[runs.length - 1]!,
  };
}

/** The largest VmHWM of a process and its descendants, in bytes; 0 where /proc is unavailable. */
function treeHighWaterMark(pid: number): number {
  let peak = 0;
  for (const id of [pid, ...descendants(pid)]) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${id}/status`, 'utf8'));
      if (match) peak = Math.max(peak, Number(match[1]) * 1024);
    } catch {
      // the process ended between listing and reading
    }
  }
  return peak;
}

function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').trim();
        for (const child of children ? children.split(' ').map(Number) : []) {
          found.push(child);
          queue.push(child);
        }
      } catch {
        // gone
      }
    }
  }
  return found;
}
