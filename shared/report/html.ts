/**
 * HTML built so that data can never become markup: the `html` tag escapes every value it is
 * given unless the value is already {@link Html} (made by this tag, or {@link trusted} for
 * markup this code produced itself, such as a chart's SVG). Data in the pipeline's stores is
 * whatever arrived (a sensor id, a rejected line, a marital status), so nothing from them is
 * ever concatenated into a page any other way.
 */

/** Markup known to be safe to insert as is. */
export class Html {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML text or as an attribute value (quotes escaped too).
 *
 * @example
 * escapeHtml('<img onerror="x">'); // '&lt;img onerror=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** What the tag accepts: text and numbers are escaped, Html is kept, lists are joined, nothing is left out. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

/**
 * A template of markup whose values are escaped.
 *
 * @example
 * html`<td title="${name}">${name}</td>`.text; // name escaped in the attribute and in the text
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/**
 * Markup this code made itself (a chart's SVG from vega, which escapes the data it draws).
 *
 * @example
 * html`<figure>${trusted(svg)}</figure>`;
 */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/**
 * A relative URL path from segments, each percent-encoded (a dataset named `a b/c` stays one link).
 *
 * @example
 * urlPath('..', 'analytics', 'x y', 'report.html'); // '../analytics/x%20y/report.html'
 */
export function urlPath(...segments: readonly string[]): string {
  return segments.map((s) => (s === '..' || s === '.' ? s : s.split('/').map(encodeURIComponent).join('/'))).join('/');
}
