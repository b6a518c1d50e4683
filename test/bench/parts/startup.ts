/**
 * Benchmark part "startup": the `pipeline` command as a user starts it, process start to exit:
 * `pipeline --help`, and the real 2,240-row marketing file cleaned by `pipeline preprocess`. The
 * peer is Node itself starting and exiting (`node -e 0`), the floor of any command, measured
 * alternately in the same run. The CLI runs from the bundle `npm ci` builds (the harness rebuilds
 * it when a source is newer, as a user's `npm ci` would have).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { measureCommand, type Measurement } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { median, withSpread } from '../lib/stats.js';
import { formatDuration } from '../lib/table.js';

export const name = 'startup';
export const description = 'pipeline --help and pipeline preprocess of the real file, process start to exit, vs node -e 0';

const HELP_LIMIT_MS = 250;
const REAL_FILE_LIMIT_MS = 500;
const HELP_RUNS = 15;
const REAL_RUNS = 9;

const columns: readonly Column[] = [
  { key: 'command', title: 'command', format: 'text' },
  { key: 'ours', title: 'median ±half-spread', format: 'text' },
  { key: 'node', title: 'node -e 0 (same run)', format: 'text' },
  { key: 'over', title: 'over Node start', format: 'duration' },
  { key: 'runs', title: 'runs', format: 'count' },
];

export async function run(context: BenchContext): Promise<BenchReport> {
  const node = process.execPath;
  const cli = join(context.repoRoot, 'shared', 'cli', 'bin.mjs');
  const out = join(context.workDir, 'real');
  // alternated with a bare Node start, so that both see the same machine
  const timed = async (runs: number, args: readonly string[], before?: () => void) => {
    const ours: Measurement[] = [];
    const bare: Measurement[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(await measureCommand(node, ['-e', '0'], { cwd: context.repoRoot }));
      before?.();
      ours.push(await measureCommand(node, [cli, ...args], { cwd: context.repoRoot }));
    }
    return { ours: ours.map((m) => m.wallMs), bare: bare.map((m) => m.wallMs) };
  };
  context.log(`pipeline --help x${HELP_RUNS}`);
  const help = await timed(HELP_RUNS, ['--help']);
  const rows: Row[] = [row('pipeline --help', help)];
  let real: typeof help | undefined;
  if (context.realMarketingFile) {
    context.log(`pipeline preprocess <real file> x${REAL_RUNS}`);
    real = await timed(REAL_RUNS, ['preprocess', context.realMarketingFile, '--out', out], () => rmSync(out, { recursive: true, force: true }));
    rows.push(row('pipeline preprocess marketing_campaign.csv (2,240 rows)', real));
  }
  const targets: Target[] = [
    { name: `pipeline --help under ${HELP_LIMIT_MS} ms (median)`, measured: withSpread(help.ours, formatDuration), met: median(help.ours) < HELP_LIMIT_MS },
    {
      name: `the real file cleaned by pipeline preprocess under ${REAL_FILE_LIMIT_MS} ms, process start to exit (median)`,
      measured: real ? withSpread(real.ours, formatDuration) : 'needs ../shared/data/marketing_campaign.csv',
      met: real ? median(real.ours) < REAL_FILE_LIMIT_MS : undefined,
    },
  ];
  return {
    columns,
    rows,
    targets,
    notes: ['Wall time from spawn to exit; each run of ours follows a run of `node -e 0`, and "over Node start" is the difference of the medians.'],
  };
}

function row(command: string, times: { ours: number[]; bare: number[] }): Row {
  return {
    command,
    ours: withSpread(times.ours, formatDuration),
    node: withSpread(times.bare, formatDuration),
    over: median(times.ours) - median(times.bare),
    runs: times.ours.length,
  };
}
