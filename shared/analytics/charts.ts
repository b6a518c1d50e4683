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
 * network: the data must be inline).
 *
 * @example
 * const svg = await renderSvg({ data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } });
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
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
