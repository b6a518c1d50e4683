/**
 * Benchmark part "report": the run report over a store `pipeline run` filled (the four tasks at
 * each size: customers as given, readings a fifth of them between 20k and 200k, as many change
 * events as a fiftieth of them, at least 2,000): its size, the time to read the store and draw
 * it, the CLI's wall time and peak RSS, and how long Chromium takes to load it. The peer is the
 * page of the same kind the pipeline already draws: the analytics report.html of the same dataset
 * (drawn from its stored results.json, and loaded in the same browser).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport } from '../../../shared/analytics/report.js';
import type { AnalysisOutcome } from '../../../shared/analytics/types.js';
import { loadConfig } from '../../../shared/config.js';
import { buildRunReport } from '../../../shared/report/index.js';
import { measureCommand, repeat } from '../lib/measure.js';
import type { BenchContext, BenchReport, Column, Row, Target } from '../lib/part.js';
import { sizeLabel } from '../lib/sizes.js';
import { median, ratio } from '../lib/stats.js';
import { formatBytes, formatDuration } from '../lib/table.js';

export const name = 'report';
export const description = 'the run report (pipeline report) over a pipeline run of each size: page size, read and draw time, browser load; peer: the analytics report.html of the same dataset';

const CHROMIUM = '/usr/bin/chromium';
/** What a page must stay under, at any size, to be pleasant to open. */
const PAGE_LIMIT = 2e6;
const LOAD_LIMIT_MS = 2_000;

const columns: readonly Column[] = [
  { key: 'size', title: 'customers', format: 'text' },
  { key: 'page', title: 'page', format: 'text' },
  { key: 'bytes', title: 'size', format: 'bytes' },
  { key: 'collectMs', title: 'read store', format: 'duration' },
  { key: 'renderMs', title: 'draw', format: 'duration' },
  { key: 'cliMs', title: 'CLI wall', format: 'duration' },
  { key: 'cliRss', title: 'CLI peak RSS', format: 'bytes' },
  { key: 'loadMs', title: 'Chromium load', format: 'duration' },
  { key: 'drawRatio', title: 'draw run/analytics', format: 'ratio' },
];

/** The sizes of the run that fills a store of `rows` customers. */
const runSizes = (rows: number) => ({ rows, readings: Math.min(200_000, Math.max(20_000, Math.round(rows / 5))), changes: Math.max(2_000, Math.round(rows / 50)) });

/** A store filled by `pipeline run` at this size, kept under the part's folder for later runs. */
async function store(context: BenchContext, rows: number): Promise<string> {
  const dir = join(context.workDir, sizeLabel(rows));
  const sizes = { ...runSizes(rows), seed: context.seed, format: 3 };
  const stamp = join(dir, 'bench-store.json');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(sizes)) return dir;
  context.log(`${sizeLabel(rows)}: pipeline run --rows ${sizes.rows} --readings ${sizes.readings} --changes ${sizes.changes} (once; kept in ${dir})`);
  mkdirSync(dir, { recursive: true });
  await measureCommand(
    process.execPath,
    [join(context.repoRoot, 'shared', 'cli', 'bin.mjs'), 'run', '--rows', String(sizes.rows), '--readings', String(sizes.readings), '--changes', String(sizes.changes), '--seed', String(context.seed)],
    { cwd: context.repoRoot, env: { PIPELINE_DATA_DIR: dir, CI: 'true' } },
  );
  writeFileSync(stamp, JSON.stringify(sizes));
  return dir;
}

/** Median time from navigation to the load event, in a fresh page each time. */
async function browserLoad(file: string, repeats: number): Promise<number | null> {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const times: number[] = [];
    for (let i = 0; i < repeats + 1; i++) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const ms = Number(await page.evaluate('performance.getEntriesByType("navigation")[0].loadEventEnd'));
      if (i > 0) times.push(ms); // the first load warms the browser's caches of fonts and code
      await page.close();
    }
    return median(times);
  } finally {
    await browser.close();
  }
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const rows: Row[] = [];
  const measured = new Map<number, { bytes: number; loadMs: number | null; renderMs: number; peerRenderMs: number }>();
  for (const size of context.sizes) {
    const dir = await store(context, size);
    const config = loadConfig({ PIPELINE_DATA_DIR: dir });
    const repeats = Math.max(3, context.repeats(size));
    await buildRunReport(config, () => new Date()); // loads vega and warms the file cache
    const builds: Array<{ html: string; collectMs: number; renderMs: number }> = [];
    for (let i = 0; i < repeats; i++) builds.push(await buildRunReport(config, () => new Date()));
    const page = builds.at(-1)!.html;
    const pageFile = join(dir, 'bench-run-report.html');
    writeFileSync(pageFile, page);
    const cli = await repeat(repeats, () => measureCommand(process.execPath, [join(context.repoRoot, 'shared', 'cli', 'bin.mjs'), 'report', '--out', pageFile], { cwd: context.repoRoot, env: { PIPELINE_DATA_DIR: dir } }));
    const loadMs = await browserLoad(pageFile, repeats);

    // the peer: the analytics report of the same dataset, drawn from its stored results
    const resultsFile = join(dir, 'results', 'analytics', 'generated_marketing', 'results.json');
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { source: { location: string; rows: number }; timings: Record<string, number>; analyses: Record<string, AnalysisOutcome> };
    const draws: number[] = [];
    let peerHtml = '';
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      peerHtml = await renderReport({ title: 'Customer analytics', facts: { source: results.source.location }, timings: {}, analyses: results.analyses });
      draws.push(performance.now() - started);
    }
    const peerFile = join(dir, 'bench-analytics-report.html');
    writeFileSync(peerFile, peerHtml);
    const peerLoadMs = await browserLoad(peerFile, repeats);

    const renderMs = median(builds.map((b) => b.renderMs));
    const peerRenderMs = median(draws);
    const label = `${sizeLabel(size)} (${results.source.rows.toLocaleString('en')} cleaned, ${runSizes(size).readings.toLocaleString('en')} readings)`;
    rows.push({
      size: label,
      page: 'run report',
      bytes: Buffer.byteLength(page),
      collectMs: median(builds.map((b) => b.collectMs)),
      renderMs,
      cliMs: cli.wallMs,
      cliRss: cli.peakRssBytes,
      loadMs,
      drawRatio: ratio(renderMs, peerRenderMs),
    });
    rows.push({ size: label, page: 'peer: analytics report', bytes: statSync(peerFile).size, collectMs: null, renderMs: peerRenderMs, cliMs: null, cliRss: null, loadMs: peerLoadMs, drawRatio: null });
    measured.set(size, { bytes: Buffer.byteLength(page), loadMs, renderMs, peerRenderMs });
  }
  const all = [...measured];
  const targets: Target[] = [
    {
      name: `the page stays under ${formatBytes(PAGE_LIMIT)} at every size`,
      measured: all.map(([size, m]) => `${sizeLabel(size)}: ${formatBytes(m.bytes)}`).join(', '),
      met: all.every(([, m]) => m.bytes < PAGE_LIMIT),
    },
    {
      name: `Chromium loads it in under ${formatDuration(LOAD_LIMIT_MS)} at every size`,
      measured: all.map(([size, m]) => `${sizeLabel(size)}: ${m.loadMs === null ? 'no browser' : formatDuration(m.loadMs)}`).join(', '),
      met: all.some(([, m]) => m.loadMs === null) ? undefined : all.every(([, m]) => m.loadMs! < LOAD_LIMIT_MS),
    },
  ];
  const notes = [
    'read store: listing and reading what the page shows (report.json and rejects.csv, every stream partial and dead letter, every model version, results.json), '
      + 'summarised into samples; draw: the Vega-Lite charts to SVG and the HTML. Both in this process, vega already loaded, medians. '
      + 'CLI wall: `pipeline report --out` as a user runs it (process start, tsx and vega loading included). Chromium load: navigation to the load event, headless, medians after one warm-up load.',
    'The stores are made once per size by `pipeline run` and kept in data/bench/report/<size>/ (delete the folder to make it again).',
  ];
  return { columns, rows, targets, notes };
}
