/**
 * The run report page: a summary and one section per task, charts as inline SVG, no scripts, no
 * external URLs (a Content-Security-Policy says so to the browser too). Every value from the
 * store goes through the escaping `html` tag. The dashboard serves the same sections, each
 * rendered on its own when its data changes.
 */
import { renderSvg } from '../analytics/charts.js';
import { formatCell } from '../analytics/report.js';
import type { ChartSpec } from '../analytics/types.js';
import type { AnalyticsView } from './analytics-view.js';
import type { CdcView } from './cdc-view.js';
import {
  categoricalDistributionChart,
  coefficientChart,
  eventsChart,
  lagChart,
  nullsChart,
  numericDistributionChart,
  reasonsChart,
  rowFlowChart,
  sensorChart,
  throughputChart,
  versionsChart,
} from './charts.js';
import type { ReportData } from './collect.js';
import { html, trusted, urlPath, type Html, type HtmlValue } from './html.js';
import type { PreprocessView } from './preprocess-view.js';
import { SectionNames, Sections, type SectionName } from './sections.js';
import type { DeadLetterView } from './stream-view.js';

/** How links to other pages are made: the static page links relatively, the dashboard to its own routes. */
export interface RenderOptions {
  analyticsHref(view: AnalyticsView): string;
}

/** Links from `results/run/report.html` to `results/analytics/<dataset>/report.html`, beside it in the store. */
export const staticLinks: RenderOptions = {
  analyticsHref: (view) => urlPath('..', view.reportKey.slice('results/'.length)),
};

const MAX_RAW = 400;

const fmt = (value: number | string | null | undefined): string => (value === undefined ? '\u2014' : formatCell(value));
const int = (value: number) => value.toLocaleString('en-US');
const duration = (ms: number | undefined): string => (ms === undefined ? '\u2014' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const clip = (text: string | null): string => (text === null ? '' : text.length > MAX_RAW ? `${text.slice(0, MAX_RAW)}\u2026 (${int(text.length)} characters)` : text);

/** A figure: a labelled number, its exact value in `data-value` for tests and tools. */
interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: number | string | null;
  readonly text?: string;
}

function figures(list: readonly Figure[]): Html {
  return html`<dl class="figures">${list.map(
    (f) => html`<div><dt>${f.label}</dt><dd data-figure="${f.key}" data-value="${f.value === null ? '' : String(f.value)}">${f.text ?? fmt(f.value)}</dd></div>`,
  )}</dl>`;
}

type Cell = HtmlValue | number;

function table(head: readonly string[], rows: ReadonlyArray<readonly Cell[]>, className = ''): Html {
  if (rows.length === 0) return html`<p class="empty">None.</p>`;
  return html`<div class="rows ${className}"><table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell) => (typeof cell === 'number' ? html`<td class="n">${fmt(cell)}</td>` : html`<td>${cell}</td>`))}</tr>`,
  )}</tbody></table></div>`;
}

/** Draws a chart; a chart that cannot be drawn says why instead of taking the page down. */
async function chart(spec: ChartSpec, name: string): Promise<Html> {
  try {
    return html`<figure class="chart" data-chart="${name}">${trusted(await renderSvg(spec))}</figure>`;
  } catch (error) {
    return html`<p class="problem" data-chart="${name}">Chart not drawn: ${(error as Error).message}</p>`;
  }
}

const nothing = (name: SectionName, data: Pick<ReportData, 'store' | 'modelName'>): Html =>
  html`<p class="nothing">Nothing yet: no ${Sections[name].looksFor(data.modelName)} in ${data.store}. ${Sections[name].makes} makes it.</p>`;

const raw = (text: string | null): Html => html`<code class="raw">${clip(text)}</code>`;

function deadLetterTables(view: DeadLetterView, prefix: string): Html {
  const reasons = table(
    ['reason', 'records', 'examples (topic/partition@offset, key: value)'],
    view.reasons.map((r) => [
      r.reason,
      r.count,
      html`<ul class="examples">${r.examples.map(
        (e) =>
          html`<li><span class="where">${e.topic}/${e.partition}@${e.offset}</span> <span class="key">${e.key ?? '(no key)'}</span>: ${raw(e.value)}${e.reason === r.reason ? '' : html`<br><span class="meta">${e.reason}</span>`}</li>`,
      )}</ul>`,
    ]),
    `${prefix}-reasons`,
  );
  const partitions = table(
    ['topic', 'partition', 'dead letters', 'first offset', 'last offset'],
    view.partitions.map((p) => [p.topic, p.partition, p.count, p.firstOffset, p.lastOffset]),
  );
  return html`${reasons}<details><summary>Dead letters per partition</summary>${partitions}</details>`;
}

async function preprocessDataset(view: PreprocessView): Promise<Html> {
  const key = (name: string) => `preprocess.${view.dataset}.${name}`;
  const imputed = Object.values(view.imputed).reduce((s, n) => s + n, 0);
  const head = html`<h3 data-dataset="${view.dataset}">${view.dataset}</h3>
<p class="meta">from <code>${view.source}</code>, schema ${view.schema ?? 'none'}, outputs in <code>${view.location}</code></p>`;
  if (view.status === 'rejected') return html`${head}<p class="problem">The whole file was rejected: ${view.error ?? 'unreadable'}</p>`;
  const withNulls = view.columns.filter((c) => c.nullsBefore > 0 || c.nullsAfter > 0);
  const distributions = await Promise.all(
    Object.entries(view.distributions ?? {}).map(([column, d]) =>
      chart(d.kind === 'numeric' ? numericDistributionChart(column, d) : categoricalDistributionChart(column, d), `distribution-${column}`),
    ),
  );
  const notes = [
    imputed > 0 ? `Imputed: ${Object.entries(view.imputed).map(([c, n]) => `${c} ${int(n)}`).join(', ')}.` : 'Nothing imputed.',
    view.droppedColumns.length > 0 ? `Dropped constant columns: ${view.droppedColumns.join(', ')}.` : 'No constant column dropped.',
    view.constantColumnsKept.length > 0 ? `Constant but kept (the cleaned table's contract): ${view.constantColumnsKept.join(', ')}.` : '',
  ].filter(Boolean);
  return html`${head}
${figures([
  { key: key('rowsIn'), label: 'rows in', value: view.rowsIn },
  { key: key('rowsOut'), label: 'rows out', value: view.rowsOut },
  { key: key('duplicates'), label: 'duplicates removed', value: view.duplicates },
  { key: key('quarantined'), label: 'quarantined', value: view.quarantined },
  { key: key('imputed'), label: 'values imputed', value: imputed },
  { key: key('dropped'), label: 'columns dropped', value: view.droppedColumns.length },
])}
${await chart(rowFlowChart(view), 'row-flow')}
<h4>Quarantined rows by reason</h4>
${table(
  ['reason', 'rows', 'examples (line: reason, then the line as read)'],
  view.reasons.map((r) => [
    r.code,
    r.count,
    html`<ul class="examples">${r.examples.map((e) => html`<li><span class="where">line ${e.line}</span>: ${e.reason}<br>${raw(e.raw)}</li>`)}</ul>`,
  ]),
  'quarantine',
)}
<h4>Missing values, imputation and dropped columns</h4>
<p>${notes.join(' ')}</p>
${withNulls.length > 0 ? await chart(nullsChart(withNulls), 'nulls') : html`<p class="empty">No column had missing values.</p>`}
<h4>Key columns before and after cleaning</h4>
${distributions.length > 0 ? html`<div class="grid">${distributions}</div>` : html`<p class="empty">This report.json keeps no distributions (written before they were recorded; preprocessing the file again adds them).</p>`}
<details><summary>Every column (${view.columns.length})</summary>
${table(
  ['column', 'type', 'nulls before', 'nulls after', 'imputed', 'min', 'max', 'mean', ''],
  view.columns.map((c) => [c.name, c.type, c.nullsBefore, c.nullsAfter, c.imputed, c.min, c.max, c.mean, c.dropped ? 'dropped (constant)' : c.derived ? 'derived' : '']),
  'columns',
)}
</details>`;
}

/**
 * The preprocessing section's content.
 *
 * @example
 * await renderPreprocess(data);
 */
export async function renderPreprocess(data: ReportData): Promise<Html> {
  if (data.preprocess.length === 0) return nothing('preprocess', data);
  return html`${await Promise.all(data.preprocess.map(preprocessDataset))}`;
}

/**
 * The streaming section's content.
 *
 * @example
 * await renderStream(data);
 */
export async function renderStream(data: ReportData): Promise<Html> {
  const view = data.stream;
  if (view === undefined) return nothing('stream', data);
  const flagged = view.sensorRows.filter((r) => r.anomalies > 0).length;
  const rates = view.throughput?.points.map((p) => p.perSecond) ?? [];
  const [flow, sensors, reasons] = await Promise.all([
    view.throughput === undefined ? html`<p class="empty">The store keeps no write times, so the rate over the run cannot be drawn.</p>` : chart(throughputChart(view.throughput.points, view.throughput.binMs), 'throughput'),
    Promise.all(view.series.map((s) => chart(sensorChart(s), `sensor`))),
    view.deadLetters.total > 0 ? chart(reasonsChart(view.deadLetters.reasons, 'Dead letters by reason'), 'stream-dead-letters') : html``,
  ]);
  return html`<p class="meta">Outputs in <code>${view.location}</code>: ${int(view.partials.used)} partials merged (of ${int(view.partials.found)} written).</p>
${figures([
  { key: 'stream.validReadings', label: 'valid readings', value: view.validReadings },
  { key: 'stream.windows', label: 'sensor-minute windows', value: view.windows },
  { key: 'stream.sensors', label: 'sensors', value: view.sensors },
  { key: 'stream.anomalies', label: 'anomalies', value: view.anomalies, text: `${int(view.anomalies)} (${int(view.anomalyKinds.limit)} limit, ${int(view.anomalyKinds.zscore)} z-score)` },
  { key: 'stream.deadLetters', label: 'dead letters', value: view.deadLetters.total },
  { key: 'stream.onFailure', label: 'batches given up', value: view.onFailure },
  { key: 'stream.peakRate', label: 'peak records/s', value: rates.length > 0 ? Math.round(Math.max(...rates)) : null },
])}
${flow}
<h4>Sensors</h4>
<p>${int(view.series.length)} of ${int(view.sensors)} sensors drawn: those with the most anomalies first (${int(flagged)} sensors have some), then an even sample of the others. The line is the minute mean, the band the minute's min to max; red marks the anomalies (a dot: a minute whose extreme lies far from the sensor's mean, a square: a reading beyond a hard limit).</p>
<div class="grid sensors">${sensors}</div>
<details><summary>Per sensor (${view.sensorRows.length < view.sensors ? `the ${int(view.sensorRows.length)} with most anomalies` : 'all'})</summary>
${table(
  ['sensor', 'minutes', 'readings', 'anomalies', 'first minute', 'last minute'],
  view.sensorRows.map((r) => [r.sensorId, r.minutes, r.readings, r.anomalies, r.first, r.last]),
  'sensor-rows',
)}
</details>
<h4>Dead letters</h4>
${view.deadLetters.total === 0 ? html`<p class="empty">No dead letters.</p>` : html`${reasons}${deadLetterTables(view.deadLetters, 'stream')}`}`;
}

/**
 * The CDC section's content.
 *
 * @example
 * await renderCdc(data);
 */
export async function renderCdc(data: ReportData): Promise<Html> {
  const view: CdcView | undefined = data.cdc;
  if (view === undefined) return nothing('cdc', data);
  const [versions, events, lag, coefficients, reasons] = await Promise.all([
    chart(versionsChart(view.points), 'versions'),
    chart(eventsChart(view.points, view.versionsPerPoint), 'events'),
    view.lag === undefined ? html`<p class="empty">These versions carry no publish times (written before they were recorded), so there is no lag to show.</p>` : chart(lagChart(view.points), 'lag'),
    chart(coefficientChart(view.coefficientChanges, view.firstVersion, view.lastVersion), 'coefficients'),
    view.deadLetters.total > 0 ? chart(reasonsChart(view.deadLetters.reasons, 'Dead letters by reason'), 'cdc-dead-letters') : html``,
  ]);
  const read = view.deadLetters.listed > view.deadLetters.total ? ` (reasons from the first ${int(view.deadLetters.total)})` : '';
  return html`<p class="meta">Model <code>${view.model}</code> in <code>${view.location}</code>: ${int(view.versions)} versions stored (v${view.firstVersion} to v${view.lastVersion})${view.versionsPerPoint > 1 ? `, drawn ${view.versionsPerPoint} versions a point` : ''}.</p>
${figures([
  { key: 'cdc.version', label: 'model version', value: view.current.version },
  { key: 'cdc.rows', label: 'customers', value: view.current.rows },
  { key: 'cdc.auc', label: 'AUC', value: view.current.auc, text: view.current.auc === null ? '\u2014' : view.current.auc.toFixed(3) },
  { key: 'cdc.accuracy', label: 'accuracy', value: view.current.accuracy, text: view.current.accuracy === null ? '\u2014' : view.current.accuracy.toFixed(3) },
  { key: 'cdc.events', label: 'events applied', value: view.events },
  { key: 'cdc.lagP50', label: 'lag p50', value: view.lag?.p50 ?? null, text: duration(view.lag?.p50) },
  { key: 'cdc.lagP99', label: 'lag p99', value: view.lag?.p99 ?? null, text: duration(view.lag?.p99) },
  { key: 'cdc.deadLetters', label: 'dead letters', value: view.deadLetters.listed },
])}
${view.current.metricsVersion !== view.current.version ? html`<p class="meta">AUC and accuracy were last measured on version ${view.current.metricsVersion ?? 'none'} (a large table is measured every 50th version).</p>` : html``}
${versions}
<div class="grid">${events}${lag}</div>
${view.lag === undefined ? html`` : html`<p class="meta">Lag: from each change event's timestamp on the log to the publish of the first model version that includes it, over ${int(view.lag.count)} events in ${int(view.lag.versions)} versions (max ${duration(view.lag.max)}).</p>`}
${coefficients}
${table(
  ['feature', `v${view.firstVersion}`, `v${view.lastVersion}`, 'change'],
  view.coefficientChanges.map((c) => [c.feature, c.first, c.last, c.change]),
  'coefficients',
)}
<h4>Dead letters${read}</h4>
${view.deadLetters.listed === 0 ? html`<p class="empty">No dead letters.</p>` : html`${reasons}${deadLetterTables(view.deadLetters, 'cdc')}`}`;
}

/**
 * The analytics section's content.
 *
 * @example
 * await renderAnalytics(data, staticLinks);
 */
export function renderAnalytics(data: ReportData, options: RenderOptions): Html {
  if (data.analytics.length === 0) return nothing('analytics', data);
  return html`${data.analytics.map(
    (view) => html`<h3 data-dataset="${view.dataset}">${view.dataset}</h3>
<p><a class="analytics-report" href="${options.analyticsHref(view)}">The eight analyses, with their charts and tables</a> (<code>${view.location}</code>)</p>
${figures([
  { key: `analytics.${view.dataset}.rows`, label: 'customers in memory', value: view.rows },
  { key: `analytics.${view.dataset}.analyses`, label: 'analyses', value: view.analyses.length },
  { key: `analytics.${view.dataset}.ms`, label: 'analyses took', value: view.analysesMs, text: duration(view.analysesMs) },
])}
<p class="meta">Model: ${view.model}. Table cache: ${view.cache}.</p>
${table(
  ['analysis', 'rows', 'ms', ''],
  view.analyses.map((a) => [a.title, a.rows, Number(a.ms.toFixed(1)), a.skipped === undefined ? '' : `skipped: ${a.skipped}`]),
  'analyses',
)}`,
  )}`;
}

/**
 * The summary at the top: what ran, the counts, the timings and where the outputs are.
 *
 * @example
 * renderSummary(data, staticLinks);
 */
export function renderSummary(data: ReportData, options: RenderOptions): Html {
  const run = data.run;
  const t = run?.summary.timings;
  const pre = data.preprocess;
  const rows: Cell[][] = [];
  for (const input of run?.summary.inputs ?? []) rows.push(['input', `${input.key} from ${input.source}`, `${int(input.bytes)} bytes`, duration(t?.input), input.key]);
  rows.push([
    'preprocess',
    pre.length === 0 ? 'nothing cleaned' : `${pre.length} dataset(s): ${pre.map((p) => p.dataset).join(', ')}`,
    pre.map((p) => `${int(p.rowsIn)} in, ${int(p.rowsOut)} out, ${int(p.duplicates)} duplicates, ${int(p.quarantined)} quarantined`).join('; '),
    duration(t?.preprocess),
    html`${pre.map((p) => html`<code>${p.location}</code> `)}`,
  ]);
  const st = data.stream;
  const sr = run?.summary.stream;
  rows.push([
    'stream',
    sr ? `${int(sr.produced)} readings produced, ${int(sr.delivered)} delivered in ${int(sr.invocations)} invocations` : st ? 'stream function outputs' : 'nothing streamed',
    st ? `${int(st.validReadings)} valid readings, ${int(st.windows)} windows, ${int(st.anomalies)} anomalies, ${int(st.deadLetters.total)} dead letters` : '',
    duration(t?.stream),
    st ? html`<code>${st.location}</code>` : '',
  ]);
  const cdc = data.cdc;
  const cr = run?.summary.cdc;
  rows.push([
    'cdc',
    cr ? `${int(cr.produced)} change events, ${int(cr.delivered)} delivered in ${int(cr.invocations)} invocations` : cdc ? 'CDC function outputs' : 'no model yet',
    cdc ? `model v${cdc.current.version} over ${int(cdc.current.rows)} customers, AUC ${cdc.current.auc?.toFixed(3) ?? '\u2014'}, ${int(cdc.deadLetters.listed)} dead letters${cdc.lag ? `, lag p50 ${duration(cdc.lag.p50)} p99 ${duration(cdc.lag.p99)}` : ''}` : '',
    duration(t?.cdc),
    cdc ? html`<code>${cdc.location}</code>` : '',
  ]);
  const an = data.analytics;
  rows.push([
    'analytics',
    run?.summary.analytics ? `${run.summary.analytics.analyses} analyses: ${run.summary.analytics.cache}` : an.length > 0 ? 'analytics function outputs' : 'nothing analysed',
    an.map((a) => `${a.analyses.length} analyses over ${int(a.rows)} customers`).join('; '),
    duration(t?.analytics),
    html`${an.map((a) => html`<a href="${options.analyticsHref(a)}">${a.dataset}</a> `)}`,
  ]);
  const facts: Array<[string, HtmlValue]> = [
    ['store', data.store],
    ['read at', data.readAt],
  ];
  if (run !== undefined) {
    facts.push(['run', `${run.startedAt} to ${run.finishedAt} (${duration(t?.total)}), ${run.summary.log}`]);
    facts.push(['sizes', `--rows ${run.options.rows} --readings ${run.options.readings} --changes ${run.options.changes} --bad-ratio ${run.options.badRatio} --seed ${run.options.seed}`]);
  }
  return html`<dl class="facts">${facts.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
${run === undefined ? html`<p class="meta">No run record (${Sections.summary.looksFor(data.modelName)}): the counts below are read from the outputs; ${Sections.summary.makes} records the timings.</p>` : html``}
${table(['task', 'what ran', 'counts', 'time', 'outputs'], rows, 'summary')}
${data.problems.length > 0 ? html`<details open class="problems"><summary>${data.problems.length} object(s) could not be read</summary><ul>${data.problems.slice(0, 20).map((p) => html`<li>${p}</li>`)}</ul></details>` : html``}`;
}

/**
 * Renders one section's content (what goes inside its `<section>`).
 *
 * @example
 * await renderSection('cdc', data, staticLinks);
 */
export async function renderSection(name: SectionName, data: ReportData, options: RenderOptions): Promise<Html> {
  switch (name) {
    case 'summary':
      return renderSummary(data, options);
    case 'preprocess':
      return renderPreprocess(data);
    case 'stream':
      return renderStream(data);
    case 'cdc':
      return renderCdc(data);
    case 'analytics':
      return renderAnalytics(data, options);
  }
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, Helvetica, Arial, sans-serif; color: #1f2328; margin: 0 auto; max-width: 1040px; padding: 1rem 1.2rem 4rem; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #d0d7de; padding: .6rem 0 .4rem; z-index: 2; }
h1 { font-size: 1.5rem; margin: 0; } h2 { font-size: 1.3rem; margin: 2rem 0 .4rem; padding-bottom: .2rem; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .2rem; } h4 { font-size: .95rem; margin: 1.2rem 0 .3rem; color: #444; }
nav a { margin-right: 1rem; color: #0969da; text-decoration: none; font-size: 13px; }
#live { font-size: 12px; color: #57606a; margin-left: .6rem; } #live.stale { color: #a15c00; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .4rem 0 .8rem; font-size: 13px; }
dl.facts dt { color: #57606a; } dl.facts dd { margin: 0; }
dl.figures { display: flex; flex-wrap: wrap; gap: .5rem; margin: .6rem 0; }
dl.figures div { border: 1px solid #d0d7de; border-radius: 6px; padding: .3rem .7rem; min-width: 7.5rem; background: #f6f8fa; }
dl.figures dt { font-size: 11px; color: #57606a; text-transform: uppercase; letter-spacing: .03em; }
dl.figures dd { margin: 0; font-size: 1.15rem; font-variant-numeric: tabular-nums; font-weight: 600; }
table { border-collapse: collapse; font-size: 12px; width: 100%; } th, td { padding: 3px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; text-align: left; }
th { position: sticky; top: 0; background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
div.rows { max-height: 420px; overflow: auto; border: 1px solid #eaeef2; margin: .4rem 0; }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; } code.raw { display: inline-block; background: #f6f8fa; padding: 0 .3rem; white-space: pre-wrap; word-break: break-all; tab-size: 4; }
ul.examples { margin: 0; padding-left: 1rem; } ul.examples li { margin-bottom: .2rem; } .where { color: #57606a; white-space: nowrap; } .key { font-weight: 600; }
.meta { color: #57606a; font-size: 12px; } .empty, .nothing { color: #57606a; font-style: italic; } .problem { color: #a40e26; }
.nothing { background: #fff8c5; padding: .5rem .8rem; border-radius: 6px; font-style: normal; color: #4d2d00; }
figure { margin: .6rem 0; overflow-x: auto; } .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(470px, 1fr)); gap: .2rem 1rem; }
details { margin: .5rem 0; } .summary td:nth-child(3) { min-width: 13rem; } .summary td:nth-child(4) { white-space: nowrap; } .summary code { word-break: break-all; }
section.updated h2 { background: #fff8c5; transition: background .3s; } summary { cursor: pointer; color: #0969da; font-size: 13px; }`;

/** The page's head and frame, given each section's content. */
export interface PageOptions {
  readonly title: string;
  /** Scripts allowed (the dashboard's own, from its origin); none for the static report. */
  readonly script?: string;
  /** A fingerprint per section, for the dashboard to tell what changed. */
  readonly fingerprints?: Readonly<Partial<Record<SectionName, string>>>;
}

/**
 * A whole page from its sections' content.
 *
 * @example
 * renderPage({ title: 'Pipeline run report' }, data, sections);
 */
export function renderPage(options: PageOptions, data: Pick<ReportData, 'store'>, sections: Readonly<Record<SectionName, Html>>): string {
  const csp = options.script === undefined ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:" : "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; connect-src 'self'";
  const nav = SectionNames.map((name) => html`<a href="#${name}">${Sections[name].title}</a>`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${options.title}</title>
<style>${trusted(STYLE)}</style>
${options.script === undefined ? html`` : html`<script src="${options.script}" defer></script>`}
</head>
<body>
<header><h1>${options.title}<span id="live"></span></h1><nav>${nav}</nav></header>
${SectionNames.map(
  (name) => html`<section id="${name}" data-section="${name}" data-fingerprint="${options.fingerprints?.[name] ?? ''}">
<h2>${Sections[name].title}</h2>
<div class="content">${sections[name]}</div>
</section>
`,
)}
<footer class="meta">Read from ${data.store}. Charts are SVG drawn when the page was made; the page loads nothing else.</footer>
</body>
</html>
`.text;
}

/**
 * The run report page.
 *
 * @example
 * const page = await renderRunReport(await collectReport(source, { store, now: new Date() }));
 */
export async function renderRunReport(data: ReportData, options: RenderOptions = staticLinks): Promise<string> {
  const rendered = await Promise.all(SectionNames.map(async (name) => [name, await renderSection(name, data, options)] as const));
  return renderPage({ title: 'Pipeline run report' }, data, Object.fromEntries(rendered) as Record<SectionName, Html>);
}
