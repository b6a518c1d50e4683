/**
 * Benchmark part "analytics": `pipeline analyze` (the real CLI, one child process per repeat: one
 * cold run that fetches and parses cleaned.parquet, then warm runs over the same in-memory table)
 * against DuckDB doing the same eight analyses in SQL over its own in-memory table
 * (test/bench/peers/duckdb-analytics.ts), with one thread and with every core, on the generator's
 * files cleaned by the preprocessing. All print their rows; the part checks that they agree.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { TableCache } from '../../../shared/analytics/cache.js';
import { chartCounts } from '../../../shared/analytics/charts.js';
import { ANALYSIS_NAMES } from '../../../shared/analytics/registry.js';
import { runAnalytics } from '../../../shared/analytics/service.js';
import { readCleanedParquet } from '../../../shared/analytics/table.js';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';
import { fitFromStats } from '../../../shared/cdc/fit.js';
import { encodeCustomer, LAYOUT } from '../../../shared/cdc/layout.js';
import { preprocessBytes } from '../../../shared/preprocess/index.js';
import { measureCommand, type Measurement } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, ratio, withSpread } from '../lib/stats.js';
import { formatBytes, formatDuration } from '../lib/table.js';

export const name = 'analytics';
export const description = 'pipeline analyze (in-memory table: 1 cold run, then warm runs) vs DuckDB in memory with 1 thread and with every core, same eight analyses';

const TARGET_ROWS = 1_000_000;
/** Cold (load + every analysis) at most DuckDB's cold; warm at most this share of DuckDB's warm. */
const COLD_RATIO = 1.0;
const WARM_RATIO = 0.3;
const RSS_LIMIT = 4e9;
/** Customers the model is fitted on (the scoring is over every row; the fit only makes weights). */
const MODEL_ROWS = 20_000;

/** What `pipeline analyze --json` and the DuckDB peer print. */
interface Printed {
  readonly analyses: Record<string, { rows: Array<Record<string, unknown>>; ms: number; skipped?: string }>;
  readonly timings: { loadMs: number; coldMs: number; warmMs: number | null; runs: number };
}

type Side = Printed & { run: Measurement };

const columns: readonly Column[] = [
  { key: 'size', title: 'customers', format: 'text' },
  { key: 'analysis', title: 'analysis', format: 'text' },
  { key: 'oursWarm', title: 'warm ours', format: 'duration' },
  { key: 'duckWarm', title: 'warm DuckDB 1 thread', format: 'duration' },
  { key: 'warmRatio', title: 'ours/DuckDB 1t', format: 'ratio' },
  { key: 'duckAllWarm', title: 'warm DuckDB all cores', format: 'duration' },
  { key: 'oursLoad', title: 'load ours', format: 'duration' },
  { key: 'duckLoad', title: 'load DuckDB 1t', format: 'duration' },
  { key: 'oursCold', title: 'cold ours', format: 'text' },
  { key: 'duckCold', title: 'cold DuckDB 1t', format: 'text' },
  { key: 'duckAllCold', title: 'cold DuckDB all cores', format: 'text' },
  { key: 'coldRatio', title: 'cold ours/DuckDB 1t', format: 'ratio' },
  { key: 'oursRss', title: 'peak RSS ours', format: 'bytes' },
  { key: 'duckRss', title: 'peak RSS DuckDB 1t', format: 'bytes' },
  { key: 'agreement', title: 'same rows', format: 'text' },
];

/** Warm runs per process: more for small tables, whose runs are short and noisy. */
const runsFor = (rows: number) => (rows <= 20_000 ? 21 : rows <= 200_000 ? 11 : 6);

interface SizeResult {
  readonly ours: Side[];
  readonly duck: Side[];
  readonly duckAll: Side[];
}

const medianOf = (sides: readonly Side[], pick: (side: Side) => number | null) => median(sides.map((side) => pick(side) ?? Number.NaN));
const cold = (side: Side) => side.timings.coldMs;
const warm = (side: Side) => side.timings.warmMs;

export async function run(context: BenchContext): Promise<BenchReport> {
  const node = process.execPath;
  const cli = join(context.repoRoot, 'shared', 'cli', 'bin.mjs');
  const peer = join(context.repoRoot, 'test', 'bench', 'peers', 'duckdb-analytics.ts');
  const cores = String(cpus().length);
  const rows: Row[] = [];
  const measured = new Map<number, SizeResult>();
  for (const size of context.sizes) {
    const { cleaned, model, customers } = await prepare(context, size);
    const runs = runsFor(size);
    const repeats = context.repeats(size);
    const result: SizeResult = { ours: [], duck: [], duckAll: [] };
    const side = async (command: string[]): Promise<Side> => {
      const measurement = await measureCommand(node, command, { cwd: context.repoRoot });
      return { ...(JSON.parse(measurement.stdout) as Printed), run: measurement };
    };
    for (let i = 0; i < repeats; i++) {
      context.log(`${sizeLabel(size)} (${i + 1}/${repeats}): pipeline analyze, DuckDB 1 thread, DuckDB ${cores} threads; 1 cold + ${runs - 1} warm runs each`);
      result.ours.push(await side([cli, 'analyze', '--input', cleaned, '--model', model, '--repeat', String(runs), '--json', '--no-report']));
      result.duck.push(await side(['--import', 'tsx', peer, cleaned, String(runs), model, '1']));
      result.duckAll.push(await side(['--import', 'tsx', peer, cleaned, String(runs), model, cores]));
    }
    measured.set(size, result);
    const label = `${sizeLabel(size)} (${customers.toLocaleString('en')} cleaned)`;
    const ours = result.ours.at(-1)!;
    const duck = result.duck.at(-1)!;
    const duckAll = result.duckAll.at(-1)!;
    for (const analysis of ANALYSIS_NAMES) {
      const a = ours.analyses[analysis];
      const b = duck.analyses[analysis];
      const oursMs = a ? medianOf(result.ours, (s) => s.analyses[analysis]!.ms) : null;
      const duckMs = b ? medianOf(result.duck, (s) => s.analyses[analysis]!.ms) : null;
      rows.push({
        size: label,
        analysis,
        oursWarm: oursMs,
        duckWarm: duckMs,
        warmRatio: ratio(oursMs, duckMs),
        duckAllWarm: b ? medianOf(result.duckAll, (s) => s.analyses[analysis]!.ms) : null,
        agreement: a && b ? [agreement(a.rows, b.rows), agreement(a.rows, duckAll.analyses[analysis]!.rows)].find((x) => x !== 'yes') ?? 'yes' : a?.skipped ? `skipped: ${a.skipped}` : 'missing',
      });
    }
    const spreadOf = (sides: readonly Side[]) => withSpread(sides.map(cold), formatDuration);
    rows.push({
      size: label,
      analysis: 'total',
      oursWarm: medianOf(result.ours, warm),
      duckWarm: medianOf(result.duck, warm),
      warmRatio: ratio(medianOf(result.ours, warm), medianOf(result.duck, warm)),
      duckAllWarm: medianOf(result.duckAll, warm),
      oursLoad: medianOf(result.ours, (s) => s.timings.loadMs),
      duckLoad: medianOf(result.duck, (s) => s.timings.loadMs),
      oursCold: spreadOf(result.ours),
      duckCold: spreadOf(result.duck),
      duckAllCold: spreadOf(result.duckAll),
      coldRatio: ratio(medianOf(result.ours, cold), medianOf(result.duck, cold)),
      oursRss: median(result.ours.map((s) => s.run.peakRssBytes)),
      duckRss: median(result.duck.map((s) => s.run.peakRssBytes)),
      agreement: rows.slice(-ANALYSIS_NAMES.length).every((row) => row.agreement === 'yes') ? 'yes' : 'no',
    });
  }

  const invocations = await warmInvocations(context);
  rows.push({
    size: `${sizeLabel(invocations.size)}, handler`,
    analysis: 'invocation with report',
    oursWarm: invocations.warmMs,
    oursCold: formatDuration(invocations.coldMs),
    agreement: `charts rendered again when warm: ${invocations.rerendered}`,
  });
  const big = measured.get(TARGET_ROWS);
  const needs = 'needs 1M in --sizes';
  const versus = (r: SizeResult, pick: (side: Side) => number | null) => {
    const ours = medianOf(r.ours, pick);
    const one = medianOf(r.duck, pick);
    const all = medianOf(r.duckAll, pick);
    return { ours, one, all, text: `${formatDuration(ours)} vs ${formatDuration(one)} (1 thread): ${(ours / one).toFixed(2)}x; vs ${formatDuration(all)} (${cores} threads): ${(ours / all).toFixed(2)}x` };
  };
  const bigCold = big ? versus(big, cold) : undefined;
  const bigWarm = big ? versus(big, warm) : undefined;
  const agreed = rows.filter((row) => row.analysis === 'total').every((row) => row.agreement === 'yes');
  const targets: Target[] = [
    { name: `cold on 1M customers (load + every analysis) at most ${COLD_RATIO.toFixed(1)}x DuckDB's cold (1 thread)`, measured: bigCold?.text ?? needs, met: bigCold ? bigCold.ours <= COLD_RATIO * bigCold.one : undefined },
    { name: `warm on 1M customers at most ${WARM_RATIO}x DuckDB's warm (1 thread)`, measured: bigWarm?.text ?? needs, met: bigWarm ? bigWarm.ours <= WARM_RATIO * bigWarm.one : undefined },
    { name: 'the same rows as DuckDB (1 thread and every core) in every analysis, at every size', measured: agreed ? 'yes' : 'no (see "same rows")', met: agreed },
    {
      name: 'a warm invocation (same dataset version, same model) renders no chart again',
      measured: `${sizeLabel(invocations.size)}: ${invocations.rerendered} chart(s) rendered again over ${INVOCATIONS - 1} warm invocations; warm invocation ${formatDuration(invocations.warmMs)} (report ${formatDuration(invocations.reportMs)}) vs cold ${formatDuration(invocations.coldMs)}`,
      met: invocations.rerendered === 0,
    },
    {
      name: 'peak RSS under 4 GB at 1M customers',
      measured: big ? formatBytes(median(big.ours.map((s) => s.run.peakRssBytes))) : needs,
      met: big ? median(big.ours.map((s) => s.run.peakRssBytes)) < RSS_LIMIT : undefined,
    },
  ];
  const notes = [
    'Each size runs three processes in turn, repeated (--repeats): ours, DuckDB with threads=1, DuckDB with every core. In each, cold is the '
      + 'first run: load (read cleaned.parquet and make the in-memory table; DuckDB: CREATE TABLE AS read_parquet) plus every analysis; '
      + 'warm is the median of the later runs over the same in-memory table. Figures are medians over the processes (cold with half its '
      + 'spread either side). Each analysis\'s time includes turning its result into JS objects on both sides. "same rows" compares every '
      + 'row of every analysis with both DuckDB runs (numbers to 1e-9 relative).',
    `predicted-response uses the CDC model fitted (shared/cdc) on the first ${MODEL_ROWS.toLocaleString('en')} cleaned customers of each size.`,
  ];
  return { columns, rows, targets, notes };
}

const INVOCATIONS = 6;

/**
 * The analytics service as the Lambda runs it, report included, on the smallest size: one cold
 * invocation, then warm ones over the same dataset version and model. Counts the charts laid out
 * again when warm (none should be) and times the invocations.
 */
async function warmInvocations(context: BenchContext): Promise<{ size: number; coldMs: number; warmMs: number; reportMs: number; rerendered: number }> {
  const size = Math.min(...context.sizes);
  const { cleaned, model } = await prepare(context, size);
  const store = new FolderStore(join(context.workDir, 'service'));
  const tableKey = 'processed/bench/v1/cleaned.parquet';
  await store.put(tableKey, readFileSync(cleaned));
  await store.put('processed/bench/latest.json', JSON.stringify({ cleanedParquet: tableKey }));
  await store.put('models/bench/current.json', readFileSync(model));
  const cache = new TableCache();
  const deps = { processed: store, models: store, results: store, cache, config: { modelName: 'bench', analyticsDataset: 'bench' } };
  const cold = await runAnalytics({}, deps);
  const before = chartCounts().rendered;
  const warm: Array<{ totalMs: number; reportMs: number }> = [];
  for (let i = 1; i < INVOCATIONS; i++) warm.push((await runAnalytics({}, deps)).timings);
  context.log(`${sizeLabel(size)}: analytics service, 1 cold + ${INVOCATIONS - 1} warm invocations with the report`);
  return {
    size,
    coldMs: cold.timings.totalMs,
    warmMs: median(warm.map((t) => t.totalMs)),
    reportMs: median(warm.map((t) => t.reportMs)),
    rerendered: chartCounts().rendered - before,
  };
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
