import { Measures } from './measures.js';
import type { StreamReadResult } from './read.js';
import type { MetricSummary, WindowSummary } from './stats.js';

/**
 * The text report of `stream stats`: one line per sensor (its minutes, readings, and each
 * metric's mean, min and max over them), then the anomalies, then the dead letters.
 *
 * @example
 * process.stdout.write(formatStats(await readStreamStats(store, source), { anomalies: 20, source: store.name }));
 */
export function formatStats(result: StreamReadResult | undefined, options: { anomalies: number; source: string }): string {
  const lines: string[] = [];
  const windows = result?.windows ?? [];
  if (result === undefined || windows.length === 0) {
    return `no stream results in ${options.source} (results/stream/partials/): \`pipeline produce sensors\` then \`pipeline serve stream --until-idle\` make them on Kafka, \`npm start\` on this machine\n`;
  }
  const bySensor = new Map<string, WindowSummary[]>();
  for (const w of windows) bySensor.set(w.sensorId, [...(bySensor.get(w.sensorId) ?? []), w]);
  lines.push(
    `${windows.length.toLocaleString('en')} sensor-minutes from ${bySensor.size} sensors, ${windows[0]!.windowStart} to ${windows.reduce((a, w) => (w.windowStart > a ? w.windowStart : a), '')} `
      + `(${result.partials.used.toLocaleString('en')} of ${result.partials.found.toLocaleString('en')} partial objects in ${options.source})`,
    '',
  );
  const header = ['sensor', 'minutes', 'readings', ...Measures.map((m) => `${m} mean [min, max]`)];
  const rows = [...bySensor].map(([sensor, ws]) => [
    sensor,
    String(ws.length),
    ws.reduce((a, w) => a + w.readings, 0).toLocaleString('en'),
    ...Measures.map((m) => {
      const parts = ws.map((w) => w[m]).filter((x): x is MetricSummary => x !== undefined);
      if (parts.length === 0) return '-';
      const count = parts.reduce((a, p) => a + p.count, 0);
      const mean = parts.reduce((a, p) => a + p.mean * p.count, 0) / count;
      const min = Math.min(...parts.map((p) => p.min));
      const max = Math.max(...parts.map((p) => p.max));
      return `${mean.toFixed(2)} [${min}, ${max}]`;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) lines.push(row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
  lines.push('', `${result.anomalies.length.toLocaleString('en')} anomalies${result.anomalies.length > options.anomalies ? ` (first ${options.anomalies})` : ''}:`);
  for (const a of result.anomalies.slice(0, options.anomalies)) {
    lines.push(
      a.kind === 'limit'
        ? `  ${a.ts}  ${a.sensorId}  ${a.metric} ${a.value} beyond its ${a.bound} ${a.limit} (${a.topic}-${a.partition}@${a.offset})`
        : `  ${a.windowStart}  ${a.sensorId}  ${a.metric} ${a.value} is ${a.zScore} standard deviations from the sensor mean ${a.mean.toFixed(2)}`,
    );
  }
  lines.push('', `${result.deadLetters.toLocaleString('en')} malformed records dead-lettered (results/stream/dead-letters/)`, '');
  return lines.join('\n');
}
