/**
 * The run report and the dashboard in a real browser (Debian's Chromium, headless, through
 * playwright-core), over a store the four tasks filled through their real handlers, with hostile
 * values in the data: every section is there with its charts, its numbers are the stored ones,
 * nothing from the data runs, and the open dashboard follows new batches without a reload.
 */
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelDocument } from '../../../shared/cdc/model.js';
import type { LatestPointer } from '../../../shared/preprocess/run.js';
import type { PreprocessReport } from '../../../shared/preprocess/report.js';
import { startDashboard, type Dashboard } from '../../../shared/report/dashboard.js';
import { RUN_REPORT_KEY, runRecord, writeRunReport } from '../../../shared/report/index.js';
import { SectionNames } from '../../../shared/report/sections.js';
import { openStore } from '../../../shared/stores.js';
import { modelSources } from '../../../shared/cdc/keys.js';
import { readOnlySource } from '../../helpers/stream-oracle.js';
import { buildRunStore, Payloads, type RunStore } from './run-store.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`CI=true and no browser at ${CHROMIUM}`);
  process.stderr.write(`\n!!! no browser at ${CHROMIUM} (apt-get install -y chromium): the run report and dashboard browser tests are SKIPPED !!!\n\n`);
}

const json = async <T>(config: RunStore['config'], area: 'processed' | 'models' | 'results', key: string): Promise<T> =>
  JSON.parse(new TextDecoder().decode((await openStore(config, area).get(key)).body)) as T;

/** What the page said went wrong, and what it asked for. */
function watch(page: Page): { problems: string[]; requests: string[] } {
  const seen = { problems: [] as string[], requests: [] as string[] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') seen.problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    seen.problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => seen.requests.push(request.url()));
  return seen;
}

/** fetch cannot set Host; node:http can. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

const figure = (page: Page, key: string) => page.getAttribute(`[data-figure="${key}"]`, 'data-value');

/** No payload ran: none set `window.__xss`, and no element came from one. */
async function expectNothingRan(page: Page): Promise<void> {
  expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
  expect(await page.$$eval('script:not([src="/dashboard.js"]), img, b, iframe, object', (nodes) => nodes.length)).toBe(0);
}

describe.skipIf(!available)('the run report and the dashboard in headless Chromium', () => {
  let store: RunStore;
  let browser: Browser;
  let reportFile: string;

  beforeAll(async () => {
    store = await buildRunStore(await mkdtemp(join(tmpdir(), 'run-report-')));
    const record = runRecord(store.summary, { rows: 1_500, readings: 3_000, changes: 300, badRatio: 0, seed: 7, idleMs: 300 }, new Date(Date.now() - 10_000), new Date());
    reportFile = (await writeRunReport(store.config, { record, now: () => new Date() })).location;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
  });

  it('opens offline with no console errors and no requests, and has every section with its charts', async () => {
    expect(reportFile).toBe(join(store.config.dataDir, RUN_REPORT_KEY));
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
    expect(seen.problems).toEqual([]);
    expect(seen.requests).toEqual([pathToFileURL(reportFile).href]);
    expect(await page.$$eval('section[data-section]', (nodes) => nodes.map((n) => n.getAttribute('data-section')))).toEqual([...SectionNames]);
    const charts = await page.$$eval('section[data-section]', (sections) =>
      Object.fromEntries(sections.map((s) => [s.getAttribute('data-section'), [...s.querySelectorAll('figure.chart')].map((f) => f.getAttribute('data-chart'))])),
    );
    // two datasets were cleaned (the hostile file and the generated one): each has its accounting, nulls and four distributions
    expect(charts.preprocess!.filter((c: string | null) => c === 'row-flow')).toHaveLength(2);
    expect(charts.preprocess!.filter((c: string | null) => c?.startsWith('distribution-'))).toHaveLength(8);
    expect(charts.stream).toEqual(expect.arrayContaining(['throughput', 'sensor', 'stream-dead-letters']));
    expect(charts.stream!.filter((c: string | null) => c === 'sensor').length).toBe(9);
    expect(charts.cdc).toEqual(['versions', 'events', 'lag', 'coefficients', 'cdc-dead-letters']);
    // every chart drew marks, not an empty frame
    for (const marks of await page.$$eval('figure.chart svg', (svgs) => svgs.map((svg) => svg.querySelectorAll('path, rect, line, text, circle').length))) expect(marks).toBeGreaterThan(10);
    await page.close();
  });

  it('shows the numbers the store holds', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
    const { config } = store;
    for (const dataset of ['marketing_campaign', 'generated_marketing']) {
      const pointer = await json<LatestPointer>(config, 'processed', `processed/${dataset}/latest.json`);
      const report = await json<PreprocessReport>(config, 'processed', pointer.report);
      expect(await figure(page, `preprocess.${dataset}.rowsIn`)).toBe(String(report.rowsIn));
      expect(await figure(page, `preprocess.${dataset}.rowsOut`)).toBe(String(report.rowsOut));
      expect(await figure(page, `preprocess.${dataset}.duplicates`)).toBe(String(report.duplicatesRemoved));
      expect(await figure(page, `preprocess.${dataset}.quarantined`)).toBe(String(report.quarantined));
      expect(report.rowsIn).toBe(report.rowsOut + report.duplicatesRemoved + report.quarantined);
    }
    const stats = await readOnlySource(openStore(config, 'results'));
    expect(await figure(page, 'stream.windows')).toBe(String(stats.windows.length));
    expect(await figure(page, 'stream.anomalies')).toBe(String(stats.anomalies.length));
    expect(await figure(page, 'stream.deadLetters')).toBe(String(stats.deadLetters));
    expect(await figure(page, 'stream.validReadings')).toBe(String(stats.windows.reduce((s, w) => s + w.readings, 0)));
    const [published] = await modelSources(openStore(config, 'models'), config.modelName);
    const model = await json<ModelDocument>(config, 'models', published!.key);
    expect(await figure(page, 'cdc.version')).toBe(String(model.version));
    expect(await figure(page, 'cdc.rows')).toBe(String(model.rows));
    expect(await figure(page, 'cdc.auc')).toBe(String(model.metrics.auc));
    expect(Number(await figure(page, 'cdc.lagP99'))).toBeGreaterThan(0);
    const results = await json<{ source: { rows: number }; analyses: Record<string, unknown> }>(config, 'results', 'results/analytics/marketing_campaign/results.json');
    expect(await figure(page, 'analytics.marketing_campaign.rows')).toBe(String(results.source.rows));
    expect(await figure(page, 'analytics.marketing_campaign.analyses')).toBe(String(Object.keys(results.analyses).length));
    await page.close();
  });

  it('shows hostile values as text and runs none of them, here and in the linked analytics report', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
    await expectNothingRan(page);
    // the rejected line as read, the sensor id (chart title and table), the malformed stream and CDC records
    expect(await page.locator('.quarantine code.raw', { hasText: Payloads.rejectedLine.split('\t')[0]! }).first().isVisible()).toBe(true);
    expect(await page.getByText(`${Payloads.sensorId}: temperature`).first().isVisible()).toBe(true);
    expect(await page.locator('.stream-reasons code.raw', { hasText: '<script>__xss=6</script>' }).isVisible()).toBe(true);
    expect(await page.locator('.cdc-reasons code.raw', { hasText: Payloads.cdcValue }).isVisible()).toBe(true);
    expect(await page.locator('.cdc-reasons', { hasText: Payloads.cdcKey }).isVisible()).toBe(true);
    // Marital_Status: its before/after levels, as chart labels
    expect(await page.locator('[data-chart="distribution-Marital_Status"] text', { hasText: '<script>__xss=2</script>' }).count()).toBeGreaterThan(0);

    await page.click('a.analytics-report >> nth=0');
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/results\/analytics\/marketing_campaign\/report\.html$/);
    await expectNothingRan(page);
    expect(await page.getByText(Payloads.marital, { exact: true }).first().isVisible()).toBe(true);
    expect(seen.problems).toEqual([]);
    await page.close();
  });

  it('is plain HTML whose policy forbids scripts, with the hostile values escaped', async () => {
    const html = await readFile(reportFile, 'utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:">`);
    expect(html).not.toMatch(/<script|<img|<iframe/i);
    expect(html).toContain('&lt;script&gt;__xss=3&lt;/script&gt;');
  });

  describe('the dashboard', () => {
    let dashboard: Dashboard;

    beforeAll(async () => {
      dashboard = await startDashboard({ config: store.config, port: 0, pollMs: 200 });
    });

    afterAll(async () => {
      await dashboard?.close();
    });

    it('serves the same sections on 127.0.0.1, and follows new stream and CDC batches without a reload', async () => {
      expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await browser.newPage();
      const seen = watch(page);
      await page.goto(dashboard.url, { waitUntil: 'load' });
      await page.waitForFunction("document.getElementById('live').textContent.includes('live')");
      await page.evaluate('window.marker = 42');
      const readings = Number(await figure(page, 'stream.validReadings'));
      const version = Number(await figure(page, 'cdc.version'));
      await expectNothingRan(page);

      await store.moreReadings(120);
      await store.moreChanges(25);
      const stats = await readOnlySource(openStore(store.config, 'results'));
      const [published] = await modelSources(openStore(store.config, 'models'), store.config.modelName);
      const model = await json<ModelDocument>(store.config, 'models', published!.key);
      const expected = { readings: stats.windows.reduce((s, w) => s + w.readings, 0), version: model.version! };
      expect(expected.readings).toBe(readings + 120);
      expect(expected.version).toBeGreaterThan(version);
      const shows = (key: string, value: number) => `document.querySelector('[data-figure="${key}"]').getAttribute('data-value') === '${value}'`;
      await page.waitForFunction(`${shows('stream.validReadings', expected.readings)} && ${shows('cdc.version', expected.version)}`, undefined, { timeout: 20_000 });
      expect(await page.evaluate('window.marker')).toBe(42);
      expect(Number(await page.getAttribute('body', 'data-updates'))).toBeGreaterThan(0);
      await expectNothingRan(page);
      expect(seen.problems).toEqual([]);
      expect(seen.requests.every((url) => url.startsWith(dashboard.url))).toBe(true);

      // the linked analytics report comes from the store, through the dashboard
      const response = await page.goto(`${dashboard.url}analytics/marketing_campaign/report.html`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toMatch(/marketing_campaign/);
      await expectNothingRan(page);
      await page.close();
    });

    it('refuses other hosts, other methods and datasets it does not link to', async () => {
      const base = dashboard.url;
      expect(await statusWithHost(base, 'evil.example')).toBe(403);
      expect(await statusWithHost(base, `localhost:${dashboard.port}`)).toBe(200);
      expect((await fetch(base, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${base}analytics/..%2F..%2Fprocessed/report.html`)).status).toBe(404);
      const page = await fetch(base);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('data-section="cdc"');
    });
  });
});
