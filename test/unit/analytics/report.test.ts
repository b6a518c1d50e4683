import { describe, expect, it } from 'vitest';
import { formatCell, renderReport } from '../../../shared/analytics/report.js';

describe('formatCell', () => {
  it('writes integers with separators, other numbers to four significant digits, null as a dash', () => {
    expect(formatCell(1234567)).toBe('1,234,567');
    expect(formatCell(0.123456)).toBe('0.1235');
    expect(formatCell(52751.16438)).toBe('52,751.2');
    expect(formatCell(null)).toBe('\u2014');
    expect(formatCell('PhD')).toBe('PhD');
  });
});

describe('renderReport', () => {
  it('escapes text, draws a chart per analysis that ran, and says why one was skipped', async () => {
    const html = await renderReport({
      title: 'Report <x> & "y"',
      facts: { table: 'a<b>.parquet' },
      timings: { load: 12.345 },
      analyses: {
        cohorts: { rows: [{ month: '2012-07', customers: 3, totalSpend: 10, meanSpend: 3.3333, responseRate: 0.5 }], ms: 1.5 },
        'predicted-response': { rows: [], ms: 0, skipped: 'no CDC model at <models/response/current.json> yet' },
      },
    });
    expect(html).toContain('<title>Report &lt;x&gt; &amp; &quot;y&quot;</title>');
    expect(html).toContain('a&lt;b&gt;.parquet');
    expect(html).toContain('Skipped: no CDC model at &lt;models/response/current.json&gt; yet');
    const sections = html.split('<section').slice(1);
    expect(sections).toHaveLength(2);
    expect(sections[0]).toMatch(/data-analysis="cohorts"[\s\S]*<svg[\s\S]*<td class="t">2012-07<\/td>/);
    expect(sections[1]).not.toContain('<svg');
    expect(html).not.toMatch(/<script|(src|href)=["']?https?:/i);
  });
});
