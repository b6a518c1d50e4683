/**
 * Vega-Lite specs to SVG, in Node. vega and vega-lite are imported on first use only, so a
 * handler that never writes a report never loads them.
 */
import type { ChartSpec } from './types.js';

/** Look shared by every chart of the report. */
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null, continuousWidth: 440, continuousHeight: 260 },
  axis: { labelFontSize: 10, titleFontSize: 11, labelLimit: 180 },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13, anchor: 'start' },
} as const;

/**
 * Renders a Vega-Lite spec to a standalone SVG string (headless: renderer 'none', no DOM, no
 * network: the data must be inline). A spec rendered before is answered from memory.
 *
 * @example
 * const svg = await renderSvg({ data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } });
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  // the same spec (its data included) always gives the same SVG: a warm container reuses the
  // charts of the dataset and model it already reported on instead of laying them out again
  const key = JSON.stringify(spec);
  const known = rendered.get(key);
  if (known !== undefined) {
    rendered.delete(key);
    rendered.set(key, known);
    counts.reused++;
    return known;
  }
  const svg = await layOut(spec);
  rendered.set(key, svg);
  if (rendered.size > MAX_REMEMBERED) rendered.delete(rendered.keys().next().value!);
  counts.rendered++;
  return svg;
}

/** Charts remembered, least recently used first out: a report has eight, a container serves a few datasets. */
const MAX_REMEMBERED = 64;
const rendered = new Map<string, string>();
const counts = { rendered: 0, reused: 0 };

/**
 * How many charts {@link renderSvg} laid out and how many it reused, since the module was loaded.
 *
 * @example
 * const before = chartCounts().rendered; await renderSvg(spec); await renderSvg(spec);
 * chartCounts().rendered - before; // 1
 */
export function chartCounts(): { readonly rendered: number; readonly reused: number } {
  return { ...counts };
}

async function layOut(spec: ChartSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  // a copy: vega tags the data objects it is given (Symbol(vega_id)), and the rows are the caller's
  const full = structuredClone({ ...spec, config: { ...CONFIG, ...(spec.config as object | undefined) } });
  const compiled = vegaLite.compile(full as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  // a loader that refuses every URL: a report chart never fetches anything
  const loader = vega.loader({ mode: 'file' });
  loader.load = () => Promise.reject(new Error('report charts use inline data only'));
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
