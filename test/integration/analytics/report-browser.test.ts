/**
 * report.html in a real browser (Debian's Chromium, headless, through playwright-core): it opens
 * offline without console errors, fetches nothing, and shows one chart per analysis.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_NAMES } from '../../../shared/analytics/registry.js';
import { renderReport } from '../../../shared/analytics/report.js';
import { runAnalyses } from '../../../shared/analytics/run.js';
import { responseModelFrom } from '../../../shared/analytics/model.js';
import { ExactStats } from '../../../shared/cdc/exact-stats.js';
import { fitFromStats } from '../../../shared/cdc/fit.js';
import { encodeCustomer, LAYOUT } from '../../../shared/cdc/layout.js';
import { DATASETS } from '../../unit/analytics/datasets.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`CI=true and no browser at ${CHROMIUM}`);
  process.stderr.write(`\n!!! no browser at ${CHROMIUM}: the report-in-a-browser test is SKIPPED !!!\n\n`);
}

describe.skipIf(!available)('report.html in headless Chromium', () => {
  it('opens offline with no console errors, no requests, and one SVG chart per analysis', async () => {
    const table = await DATASETS[2]!.load!();
    const rows = (table.objects() as Array<Record<string, unknown>>).map((customer) => {
      const encoded = encodeCustomer(customer);
      if ('error' in encoded) throw new Error(encoded.error);
      return encoded.row;
    });
    const model = responseModelFrom(JSON.parse(JSON.stringify(fitFromStats(ExactStats.of(LAYOUT.width, rows)))), 'models/response/current.json');
    const run = runAnalyses(table, { context: { model } });
    const html = await renderReport({ title: 'Customer analytics: <generated> & co', facts: { dataset: 'generated' }, timings: { analyses: run.totalMs }, analyses: run.analyses });
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    const file = join(await mkdtemp(join(tmpdir(), 'report-')), 'report.html');
    await writeFile(file, html);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]);
      expect(await page.title()).toBe('Customer analytics: <generated> & co');
      const sections = await page.$$eval('section.analysis', (nodes) =>
        nodes.map((node) => ({ name: node.getAttribute('data-analysis'), svgs: node.querySelectorAll('svg').length, rows: node.querySelectorAll('tbody tr').length })),
      );
      expect(sections.map((s) => s.name)).toEqual([...ANALYSIS_NAMES]);
      for (const section of sections) {
        expect(section.svgs, section.name!).toBe(1);
        expect(section.rows, section.name!).toBe(run.analyses[section.name!]!.rows.length);
      }
      // the charts drew marks, not empty frames
      const marks = await page.$$eval('section.analysis svg', (svgs) => svgs.map((svg) => svg.querySelectorAll('path, rect, line, text').length));
      for (const count of marks) expect(count).toBeGreaterThan(10);
    } finally {
      await browser.close();
    }
  });
});
