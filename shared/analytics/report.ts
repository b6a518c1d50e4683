/**
 * report.html: one self-contained page (no scripts, no external URLs, readable offline) with, per
 * analysis, its description, time, a chart (inline SVG) and its rows as a table.
 */
import { renderSvg } from './charts.js';
import { selectAnalyses } from './registry.js';
import type { AnalysisOutcome, Row } from './types.js';

/** Everything the report shows. */
export interface ReportInput {
  readonly title: string;
  /** Lines under the title: source, rows, cache state... as label -> text. */
  readonly facts: Readonly<Record<string, string>>;
  /** Timings in milliseconds, shown as a small table: label -> ms. */
  readonly timings: Readonly<Record<string, number>>;
  readonly analyses: Readonly<Record<string, AnalysisOutcome>>;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A cell's text: integers with thousands separators, other numbers to four significant digits
 * (no exponent below a million), null as an em dash.
 *
 * @example
 * formatCell(1234567); // '1,234,567'
 * formatCell(0.123456); // '0.1235'
 */
export function formatCell(value: string | number | null): string {
  if (value === null) return '\u2014';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return String(Number(value.toPrecision(4)));
}

function rowsTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '<p class="empty">No rows.</p>';
  const keys = Object.keys(rows[0]!);
  const head = keys.map((key) => `<th>${escapeHtml(key)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${keys.map((key) => `<td class="${typeof row[key] === 'number' ? 'n' : 't'}">${escapeHtml(formatCell(row[key] ?? null))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="rows"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { font-size: 1.25rem; margin: 2.2rem 0 .3rem; border-bottom: 1px solid #ddd; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .5rem 0 1rem; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
table { border-collapse: collapse; font-size: 12px; } th, td { padding: 2px 8px; border-bottom: 1px solid #eee; }
th { text-align: left; position: sticky; top: 0; background: #f6f6f6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
div.rows { max-height: 360px; overflow: auto; border: 1px solid #eee; margin-top: .5rem; }
.meta { color: #666; font-size: 12px; } .skipped { color: #a15c00; } figure { margin: .8rem 0; overflow-x: auto; }
nav a { margin-right: .8rem; }`;

/**
 * Renders the report page. Charts are rendered here (vega is loaded on the first call).
 *
 * @example
 * const html = await renderReport({ title: 'Analytics', facts: { source: key }, timings: { load: 812 }, analyses: run.analyses });
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const analyses = selectAnalyses(Object.keys(input.analyses));
  const sections: string[] = [];
  for (const analysis of analyses) {
    const outcome = input.analyses[analysis.name]!;
    const id = `a-${analysis.name}`;
    const head = `<section id="${id}" class="analysis" data-analysis="${escapeHtml(analysis.name)}">\n<h2>${escapeHtml(analysis.title)}</h2>\n<p>${escapeHtml(analysis.description)}</p>`;
    if (outcome.skipped !== undefined) {
      sections.push(`${head}\n<p class="skipped">Skipped: ${escapeHtml(outcome.skipped)}</p>\n</section>`);
      continue;
    }
    const svg = await renderSvg(analysis.chart(outcome.rows));
    sections.push(
      `${head}\n<p class="meta">${outcome.rows.length} row(s), computed in ${outcome.ms.toFixed(1)} ms</p>\n<figure>${svg}</figure>\n${rowsTable(outcome.rows)}\n</section>`,
    );
  }
  const facts = Object.entries(input.facts)
    .map(([label, text]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(text)}</dd>`)
    .join('');
  const timings = rowsTable([Object.fromEntries(Object.entries(input.timings).map(([label, ms]) => [label, Number(ms.toFixed(1))]))]);
  const nav = analyses.map((a) => `<a href="#a-${a.name}">${escapeHtml(a.name)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<dl class="facts">${facts}</dl>
<h3>Timings (ms)</h3>
${timings}
<nav>${nav}</nav>
${sections.join('\n')}
</body>
</html>
`;
}
