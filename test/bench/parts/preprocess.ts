/**
 * Benchmark part "preprocess": `pipeline preprocess` (the real CLI, one child process per run)
 * against DuckDB single-threaded doing the same cleaning contract in SQL
 * (test/bench/peers/duckdb-preprocess.ts), on the generator's files; and the real 2,240-row file
 * cleaned repeatedly inside one warm process, as a warm Lambda would.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '../../../shared/adapters/memory-store.js';
import { preprocessObject } from '../../../shared/preprocess/index.js';
import { measureCommand, repeat, type Summary } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, ratio } from '../lib/stats.js';
import { formatBytes, formatDuration } from '../lib/table.js';

export const name = 'preprocess';
export const description = 'pipeline preprocess (CLI, child process) vs DuckDB single-threaded, same cleaning contract';

const TARGET_ROWS = 1_000_000;
const RSS_LIMIT = 1e9;
const WARM_LIMIT_MS = 100;
const WARM_RUNS = 20;

const columns: readonly Column[] = [
  { key: 'size', title: 'rows', format: 'text' },
  { key: 'megabytes', title: 'input', format: 'bytes' },
  { key: 'oursMs', title: 'pipeline', format: 'duration' },
  { key: 'duckMs', title: 'DuckDB', format: 'duration' },
  { key: 'timeRatio', title: 'time ours/DuckDB', format: 'ratio' },
  { key: 'oursRowsPerSecond', title: 'pipeline rows/s', format: 'perSecond' },
  { key: 'oursBytesPerSecond', title: 'pipeline MB/s', format: 'megabytesPerSecond' },
  { key: 'duckRowsPerSecond', title: 'DuckDB rows/s', format: 'perSecond' },
  { key: 'oursRss', title: 'pipeline peak RSS', format: 'bytes' },
  { key: 'duckRss', title: 'DuckDB peak RSS', format: 'bytes' },
  { key: 'rssRatio', title: 'RSS ours/DuckDB', format: 'ratio' },
  { key: 'agreement', title: 'same counts', format: 'text' },
];

/** The counts both sides write to report.json, compared to show they did the same work. */
const COMPARED = ['rowsIn', 'rowsOut', 'duplicatesRemoved', 'quarantined', 'imputed.Income'] as const;

export async function run(context: BenchContext): Promise<BenchReport> {
  const node = process.execPath;
  const cli = join(context.repoRoot, 'shared', 'cli', 'bin.mjs');
  const peer = join(context.repoRoot, 'test', 'bench', 'peers', 'duckdb-preprocess.ts');
  const oursAvailable = existsSync(join(context.repoRoot, 'shared', 'cli', 'commands', 'preprocess.ts'));
  const oursDir = join(context.workDir, 'pipeline');
  const duckDir = join(context.workDir, 'duckdb');
  const notes: string[] = [];
  if (!oursAvailable) notes.push('`pipeline preprocess` does not exist yet (shared/cli/commands/preprocess.ts): only DuckDB was measured.');

  const rows: Row[] = [];
  const measured = new Map<number, { ours?: Summary; duck: Summary }>();
  for (const size of context.sizes) {
    const input = await context.marketingInput(size);
    const repeats = context.repeats(size);
    context.log(`${sizeLabel(size)} rows: DuckDB x${repeats}`);
    const duck = await repeat(repeats, () => measureCommand(node, ['--import', 'tsx', peer, input.path, duckDir], { cwd: context.repoRoot }));
    let ours: Summary | undefined;
    if (oursAvailable) {
      context.log(`${sizeLabel(size)} rows: pipeline preprocess x${repeats}`);
      ours = await repeat(
        repeats,
        () => measureCommand(node, [cli, 'preprocess', input.path, '--out', oursDir], { cwd: context.repoRoot }),
        { before: () => rmSync(oursDir, { recursive: true, force: true }) },
      );
    }
    measured.set(size, { ours, duck });
    rows.push({
      size: sizeLabel(size),
      rows: size,
      megabytes: input.bytes,
      oursMs: ours?.wallMs ?? null,
      duckMs: duck.wallMs,
      timeRatio: ratio(ours?.wallMs, duck.wallMs),
      oursRowsPerSecond: ours ? size / (ours.wallMs / 1000) : null,
      oursBytesPerSecond: ours ? input.bytes / (ours.wallMs / 1000) : null,
      duckRowsPerSecond: size / (duck.wallMs / 1000),
      oursRss: ours?.peakRssBytes ?? null,
      duckRss: duck.peakRssBytes,
      rssRatio: ratio(ours?.peakRssBytes, duck.peakRssBytes),
      agreement: ours ? agreement(join(oursDir, 'report.json'), join(duckDir, 'report.json')) : null,
      runs: duck.runs,
    });
  }

  const warm = await warmHandler(context);
  if (warm.note) notes.push(warm.note);
  const big = measured.get(TARGET_ROWS);
  const targets: Target[] = [
    {
      name: '1M rows at least as fast as DuckDB single-threaded',
      measured: big?.ours ? `${formatDuration(big.ours.wallMs)} vs ${formatDuration(big.duck.wallMs)}` : 'needs 1M in --sizes and `pipeline preprocess`',
      met: big?.ours ? big.ours.wallMs <= big.duck.wallMs : undefined,
    },
    {
      name: '1M rows with peak RSS under 1 GB',
      measured: big?.ours ? formatBytes(big.ours.peakRssBytes) : 'needs 1M in --sizes and `pipeline preprocess`',
      met: big?.ours ? big.ours.peakRssBytes < RSS_LIMIT : undefined,
    },
    {
      name: 'the real 2,240-row file under 100 ms in a warm handler',
      measured: warm.medianMs === undefined ? 'needs ../shared/data/marketing_campaign.csv' : `median ${formatDuration(warm.medianMs)} over ${WARM_RUNS} warm calls`,
      met: warm.medianMs === undefined ? undefined : warm.medianMs < WARM_LIMIT_MS,
    },
  ];
  notes.push(
    'Wall time is spawn to exit of one process per run (Node start-up included for both sides); peak RSS is the process\'s '
      + 'high-water mark (VmHWM). DuckDB runs with threads=1. Medians over the runs of each size.',
  );
  return { columns, rows, targets, notes };
}

/** 'yes', or which compared counts differ between the two report.json files. */
function agreement(oursReport: string, duckReport: string): string {
  try {
    const ours = JSON.parse(readFileSync(oursReport, 'utf8')) as Record<string, unknown>;
    const duck = JSON.parse(readFileSync(duckReport, 'utf8')) as Record<string, unknown>;
    const differences = COMPARED.filter((key) => pick(ours, key) !== pick(duck, key))
      .map((key) => `${key} ${String(pick(ours, key))}/${String(pick(duck, key))}`);
    return differences.length === 0 ? 'yes' : `no: ${differences.join(', ')}`;
  } catch (error) {
    return `no report: ${(error as Error).message.split('\n')[0]}`;
  }
}

function pick(object: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
}

/**
 * Cleans the real file WARM_RUNS times in this process, after two warm-up calls, the way a warm
 * Lambda does: preprocessObject (read the raw object, clean, write every output, point
 * latest.json) over in-memory stores, so storage latency is left out. Each call gets an empty
 * processed store, or it would find its earlier run and reuse it.
 */
async function warmHandler(context: BenchContext): Promise<{ medianMs?: number; note?: string }> {
  if (!context.realMarketingFile) return { note: 'The real marketing_campaign.csv is absent (../shared/data): the warm-handler target was not measured.' };
  const key = 'raw/marketing_campaign.csv';
  const raw = new MemoryStore();
  await raw.put(key, readFileSync(context.realMarketingFile));
  const times: number[] = [];
  let first = 0;
  for (let i = 0; i < WARM_RUNS + 2; i++) {
    const started = performance.now();
    const outcome = await preprocessObject(raw, key, new MemoryStore());
    const elapsed = performance.now() - started;
    if (outcome.status !== 'cleaned') throw new Error(`the real file was not cleaned: ${outcome.status}`);
    if (i === 0) first = elapsed;
    if (i >= 2) times.push(elapsed);
  }
  const medianMs = median(times);
  context.log(`real file in a warm process: first call ${formatDuration(first)}, then median ${formatDuration(medianMs)}`);
  return {
    medianMs,
    note: `The real 2,240-row file through preprocessObject in one process: first (cold) call ${formatDuration(first)}, `
      + `warm median ${formatDuration(medianMs)}, fastest ${formatDuration(Math.min(...times))} over ${WARM_RUNS} calls.`,
  };
}
