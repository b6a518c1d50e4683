/**
 * Formatting of benchmark figures and the printed table (a Markdown table, so a run's output can
 * be pasted into the README as it is).
 */
import type { Column, Row } from './part.js';

/** How a column's numbers are written. */
export const COLUMN_FORMATS = ['text', 'count', 'duration', 'bytes', 'perSecond', 'megabytesPerSecond', 'ratio'] as const;
export type ColumnFormat = (typeof COLUMN_FORMATS)[number];

/**
 * Writes one value in a column's format; null and undefined become '-'.
 *
 * @example
 * formatValue(1_234_567, 'count'); // '1,234,567'
 * formatValue(11_200, 'duration'); // '11.2 s'  (durations are in milliseconds)
 * formatValue(0.625, 'ratio'); // '0.63x'
 */
export function formatValue(value: string | number | boolean | null | undefined, format: ColumnFormat): string {
  if (value === null || value === undefined) return '-';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return '-';
  switch (format) {
    case 'text':
      return String(value);
    case 'count':
      return Math.round(value).toLocaleString('en');
    case 'duration':
      return formatDuration(value);
    case 'bytes':
      return formatBytes(value);
    case 'perSecond':
      return `${formatSi(value)}/s`;
    case 'megabytesPerSecond':
      return `${(value / 1e6).toFixed(value >= 1e8 ? 0 : 1)} MB/s`;
    case 'ratio':
      return `${value.toFixed(2)}x`;
  }
}

/**
 * A duration given in milliseconds, in ms below one second and in seconds above.
 *
 * @example
 * formatDuration(42.25); // '42.3 ms'
 * formatDuration(1500); // '1.50 s'
 */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A size in bytes with a decimal unit (kB, MB, GB), as the issue's targets are written.
 *
 * @example
 * formatBytes(1_800_000_000); // '1.80 GB'
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

function formatSi(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}

/**
 * A Markdown table of `rows` under `columns`: numbers right-aligned, text left-aligned, every
 * column as wide as its widest cell.
 *
 * @example
 * formatTable([{ key: 'rows', title: 'rows', format: 'count' }], [{ rows: 10_000 }]);
 * // '|   rows |\n| -----: |\n| 10,000 |'
 */
export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => formatValue(row[column.key], column.format)));
  const widths = columns.map((column, i) => Math.max(column.title.length, 3, ...cells.map((line) => line[i]!.length)));
  const right = columns.map((column) => column.format !== 'text');
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => (right[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (right[i] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(columns.map((column) => column.title)), rule, ...cells.map(line)].join('\n');
}
