/**
 * Benchmark part "analytics": `pipeline analyze` (the real CLI, one child process per size: one
 * cold run that fetches and parses cleaned.parquet, then warm runs over the same in-memory table)
 * against DuckDB doing the same eight analyses in SQL over its own in-memory table
 * (test/bench/peers/duckdb-analytics.ts, threads=1), on the generator's files cleaned by the
 * preprocessing. Both print their rows; the part checks that they agree.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { ANALYSIS_NAMES } from '../../../shared/analytics/registry.js';
import { readCleanedParquet } from '../../../shared/analytics/table.js';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';
import { fitFromStats } from '../../../shared/cdc/fit.js';
import { encodeCustomer, LAYOUT } from '../../../shared/cdc/layout.js';
import { preprocessBytes } from '../../../shared/preprocess/index.js';
import { measureCommand, type Measurement } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { ratio } from '../lib/stats.js';
import { formatBytes, formatDuration } from '../lib/table.js';

export const name = 'analytics';
export const description = 'pipeline analyze (in-memory table: 1 cold run, then warm runs) vs DuckDB in memory (threads=1), same eight analyses';

const TARGET_ROWS = 1_000_000;
const RSS_LIMIT = 4e9;
/** Customers the model is fitted on (the scoring is over every row; the fit only makes weights). */
const MODEL_ROWS = 20_000;

/** What `pipeline analyze --json` and the DuckDB peer print. */
interface Printed {
  readonly analyses: Record<string, { rows: Array<Record<string, unknown>>; ms: number; skipped?: string }>;
  readonly timings: { loadMs: number; coldMs: number; warmMs: number | null; runs: number };
}

const columns: readonly Column[] = [
  { key: 'size', title: 'customers', format: 'text' },
  { key: 'analysis', title: 'analysis', format: 'text' },
  { key: 'oursWarm', title: 'warm ours', format: 'duration' },
  { key: 'duckWarm', title: 'warm DuckDB', format: 'duration' },
  { key: 'warmRatio', title: 'ours/DuckDB', format: 'ratio' },
  { key: 'oursLoad', title: 'load ours', format: 'duration' },
  { key: 'duckLoad', title: 'load DuckDB', format: 'duration' },
  { key: 'oursCold', title: 'cold ours', format: 'duration' },
  { key: 'coldOverWarm', title: 'cold/warm ours', format: 'ratio' },
  { key: 'oursRss', title: 'peak RSS ours', format: 'bytes' },
  { key: 'duckRss', title: 'peak RSS DuckDB', format: 'bytes' },
  { key: 'agreement', title: 'same rows', format: 'text' },
];

/** Warm runs per process: more for small tables, whose runs are short and noisy. */
const runsFor = (rows: number) => (rows <= 20_000 ? 21 : rows <= 200_000 ? 11 : 6);

export async function run(context: BenchContext): Promise<BenchReport> {
  const node = process.execPath;
  const cli = join(context.repoRoot, 'shared', 'cli', 'bin.mjs');
  const peer = join(context.repoRoot, 'test', 'bench', 'peers', 'duckdb-analytics.ts');
  const rows: Row[] = [];
  const measured = new Map<number, { ours: Printed & { run: Measurement }; duck: Printed & { run: Measurement } }>();
  for (const size of context.sizes) {
    const { cleaned, model, customers } = await prepare(context, size);
    const runs = runsFor(size);
    context.log(`${sizeLabel(size)}: pipeline analyze, 1 cold + ${runs - 1} warm runs`);
    const oursRun = await measureCommand(node, [cli, 'analyze', '--input', cleaned, '--model', model, '--repeat', String(runs), '--json', '--no-report'], { cwd: context.repoRoot });
    context.log(`${sizeLabel(size)}: DuckDB, 1 cold + ${runs - 1} warm runs`);
    const duckRun = await measureCommand(node, ['--import', 'tsx', peer, cleaned, String(runs), model, '1'], { cwd: context.repoRoot });
    const ours = { ...(JSON.parse(oursRun.stdout) as Printed), run: oursRun };
    const duck = { ...(JSON.parse(duckRun.stdout) as Printed), run: duckRun };
    measured.set(size, { ours, duck });
    const label = `${sizeLabel(size)} (${customers.toLocaleString('en')} cleaned)`;
    for (const analysis of ANALYSIS_NAMES) {
      const a = ours.analyses[analysis];
      const b = duck.analyses[analysis];
      rows.push({
        size: label,
        analysis,
        oursWarm: a?.ms ?? null,
        duckWarm: b?.ms ?? null,
        warmRatio: ratio(a?.ms, b?.ms),
        oursLoad: null,
        duckLoad: null,
        oursCold: null,
        coldOverWarm: null,
        oursRss: null,
        duckRss: null,
        agreement: a && b ? agreement(a.rows, b.rows) : a?.skipped ? `skipped: ${a.skipped}` : 'missing',
      });
    }
    rows.push({
      size: label,
      analysis: 'total',
      oursWarm: ours.timings.warmMs,
      duckWarm: duck.timings.warmMs,
      warmRatio: ratio(ours.timings.warmMs, duck.timings.warmMs),
      oursLoad: ours.timings.loadMs,
      duckLoad: duck.timings.loadMs,
      oursCold: ours.timings.coldMs,
      coldOverWarm: ours.timings.warmMs ? ours.timings.coldMs / ours.timings.warmMs : null,
      oursRss: oursRun.peakRssBytes,
      duckRss: duckRun.peakRssBytes,
      agreement: rows.slice(-ANALYSIS_NAMES.length).every((row) => row.agreement === 'yes') ? 'yes' : 'no',
    });
  }

  const big = measured.get(TARGET_ROWS);
  const needs = 'needs 1M in --sizes';
  const targets: Target[] = [
    {
      name: 'warm total on 1M customers within 2x of DuckDB',
      measured: big ? `${formatDuration(big.ours.timings.warmMs!)} vs ${formatDuration(big.duck.timings.warmMs!)} (${(big.ours.timings.warmMs! / big.duck.timings.warmMs!).toFixed(2)}x)` : needs,
      met: big ? big.ours.timings.warmMs! <= 2 * big.duck.timings.warmMs! : undefined,
    },
    {
      name: 'warm at least 20x faster than cold, at every size',
      measured: [...measured].map(([size, { ours }]) => `${sizeLabel(size)}: ${(ours.timings.coldMs / ours.timings.warmMs!).toFixed(0)}x`).join(', '),
      met: [...measured.values()].every(({ ours }) => ours.timings.coldMs >= 20 * ours.timings.warmMs!),
    },
    {
      name: 'peak RSS under 4 GB at 1M customers',
      measured: big ? formatBytes(big.ours.run.peakRssBytes) : needs,
      met: big ? big.ours.run.peakRssBytes < RSS_LIMIT : undefined,
    },
  ];
  const notes = [
    'Warm is the median of the warm runs in one process (per analysis, and for all analyses together); cold is the first run: '
      + 'load (read cleaned.parquet and parse it into memory) plus every analysis. DuckDB loads the file into an in-memory table '
      + '(CREATE TABLE AS read_parquet) and times each query including turning its result into JS objects, as ours includes '
      + 'building its rows. DuckDB runs with threads=1, like the single JS thread. "same rows" compares every row of every '
      + 'analysis (numbers to 1e-9 relative).',
    `predicted-response uses the CDC model fitted (shared/cdc) on the first ${MODEL_ROWS.toLocaleString('en')} cleaned customers of each size.`,
  ];
  return { columns, rows, targets, notes };
}

/** The size's generated file, cleaned by the preprocessing (cached beside it), and a model for it. */
async function prepare(context: BenchContext, size: number): Promise<{ cleaned: string; model: string; customers: number }> {
  const input = await context.marketingInput(size);
  const dir = join(context.workDir, sizeLabel(size));
  const cleaned = join(dir, 'cleaned.parquet');
  const model = join(dir, 'model.json');
  const stamp = join(dir, 'input.txt');
  const fresh = existsSync(cleaned) && existsSync(model) && existsSync(stamp) && readFileSync(stamp, 'utf8') === `${input.path} ${statSync(input.path).mtimeMs}`;
  if (!fresh) {
    context.log(`${sizeLabel(size)}: cleaning ${input.path}`);
    mkdirSync(dir, { recursive: true });
    await preprocessBytes(readFileSync(input.path), { source: input.path, schema: 'marketing' }, { store: new FolderStore(dir), prefix: '' });
    const table = await readCleanedParquet(readFileSync(cleaned), cleaned);
    const sample = table.slice(0, MODEL_ROWS).objects() as Array<Record<string, unknown>>;
    const encoded = sample.map((customer) => {
      const row = encodeCustomer(customer);
      if ('error' in row) throw new Error(`cannot fit the model: ${row.error}`);
      return row.row;
    });
    writeFileSync(model, `${JSON.stringify(fitFromStats(ExactStats.of(LAYOUT.width, encoded)), null, 2)}\n`);
    writeFileSync(stamp, `${input.path} ${statSync(input.path).mtimeMs}`);
  }
  const customers = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).rowsOut as number;
  return { cleaned, model, customers };
}

/** 'yes', or the first differences between two analyses' rows. */
export function agreement(ours: ReadonlyArray<Record<string, unknown>>, theirs: ReadonlyArray<Record<string, unknown>>): string {
  const differences: string[] = [];
  if (ours.length !== theirs.length) differences.push(`${ours.length} rows vs ${theirs.length}`);
  ours.forEach((row, i) => {
    for (const [key, a] of Object.entries(row)) {
      const b = theirs[i]?.[key];
      const same = typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) : a === b;
      if (!same) differences.push(`row ${i} ${key}: ${String(a)} vs ${String(b)}`);
    }
  });
  return differences.length === 0 ? 'yes' : `no (${differences.length}): ${differences.slice(0, 2).join('; ')}`;
}
