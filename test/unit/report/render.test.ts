import { describe, expect, it } from 'vitest';
import { assemble, emptyStoreError, isEmpty } from '../../../shared/report/collect.js';
import { renderRunReport } from '../../../shared/report/render.js';
import { streamView } from '../../../shared/report/stream-view.js';

const hostile = '<img src=x onerror=alert(1)>';

describe('renderRunReport', () => {
  it('says, per empty section, what it looked for and which command makes it', async () => {
    const page = await renderRunReport(assemble('folder data/', 'response', new Date(0), []));
    expect(page).toContain('Nothing yet: no processed/&lt;dataset&gt;/latest.json in folder data/. npm start, or pipeline preprocess &lt;file&gt; makes it.');
    expect(page).toContain('Nothing yet: no models/response/current/&lt;topic&gt;@&lt;log&gt;.json in folder data/.');
    expect(page).toContain('Nothing yet: no results/stream/partials/ in folder data/. npm start, or pipeline serve stream with KAFKA_BROKERS set makes it.');
  });

  it('writes hostile values as text, in tables and in chart labels alike', async () => {
    const stream = streamView({
      location: 'data/results/stream/',
      stats: {
        windows: [{ sensorId: hostile, windowStart: '2026-01-01T00:00:00.000Z', readings: 2, temperature: { count: 2, mean: 20, min: 19, max: 21, stddev: 1 } }],
        anomalies: [],
        partials: { used: 1, found: 1 },
      },
      batches: [{ records: 3, at: new Date(0) }],
      deadLetters: [{ topic: 'sensor_data', partition: 0, offset: 7, key: hostile, value: `<script>alert(2)</script>`, reason: `not JSON: ${hostile}` }],
      onFailure: 0,
    });
    const page = await renderRunReport(assemble('folder data/', 'response', new Date(0), [{ stream }]));
    expect(page).not.toMatch(/<script|<img/i);
    expect(page).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toMatch(/<text[^>]*>&lt;img src=x onerror=alert\(1\)&gt;: temperature<\/text>/);
    expect(page).toContain('data-figure="stream.deadLetters" data-value="1"');
  });
});

describe('an empty store', () => {
  it('is told apart from a store with any output, and its error names what was looked for and the command', () => {
    expect(isEmpty(assemble('s', 'm', new Date(0), []))).toBe(true);
    expect(emptyStoreError('S3 http://localhost:4566 (bucket pipeline)', 'response').message).toBe(
      "nothing to show in S3 http://localhost:4566 (bucket pipeline): found no processed/<dataset>/latest.json, no results/stream/partials/, no models/response/current/<topic>@<log>.json, no results/analytics/<dataset>/results.json; 'npm start' (pipeline run) makes them",
    );
  });
});
