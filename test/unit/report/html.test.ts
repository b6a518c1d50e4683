import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trusted, urlPath } from '../../../shared/report/html.js';

describe('escapeHtml', () => {
  it('leaves no character that could open a tag, an entity or end an attribute', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
    );
  });

  it('round-trips through the entities it writes', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const back = escapeHtml(text).replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
        expect(back).toBe(text);
      }),
    );
  });
});

describe('the html tag', () => {
  it('escapes values in text and attributes, and keeps markup it made', () => {
    const name = '<img src=x onerror="alert(1)">';
    const cell = html`<td title="${name}">${name}</td>`;
    expect(cell.text).toBe('<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>');
    expect(html`<tr>${cell}</tr>`.text).toBe(`<tr>${cell.text}</tr>`);
  });

  it('joins lists, writes numbers, and leaves out null, undefined and booleans', () => {
    expect(html`<ul>${['<a>', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>');
    expect(html`${1234.5}|${null}|${undefined}|${false}|${true}`.text).toBe('1234.5||||');
  });

  it('inserts trusted markup as is, and only that', () => {
    expect(html`<figure>${trusted('<svg></svg>')}</figure>`.text).toBe('<figure><svg></svg></figure>');
    expect(html`${{ text: '<svg>' } as unknown as string}`.text).toBe('[object Object]');
  });
});

describe('urlPath', () => {
  it('percent-encodes each segment and keeps the slashes between them and the dots', () => {
    expect(urlPath('..', 'analytics', 'a b/c?d', 'report.html')).toBe('../analytics/a%20b/c%3Fd/report.html');
    expect(urlPath('analytics', '"><script>', 'report.html')).toBe('analytics/%22%3E%3Cscript%3E/report.html');
  });
});
