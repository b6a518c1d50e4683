import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatTable, formatValue } from '../../bench/lib/table.js';

describe('formatValue', () => {
  it('writes each format with its unit', () => {
    expect(formatValue(1_234_567, 'count')).toBe('1,234,567');
    expect(formatValue(850, 'duration')).toBe('850.0 ms');
    expect(formatValue(11_200, 'duration')).toBe('11.2 s');
    expect(formatValue(1_800_000_000, 'bytes')).toBe('1.80 GB');
    expect(formatValue(250_000, 'perSecond')).toBe('250.0k/s');
    expect(formatValue(85_300_000, 'megabytesPerSecond')).toBe('85.3 MB/s');
    expect(formatValue(0.625, 'ratio')).toBe('0.63x');
    expect(formatValue('yes', 'text')).toBe('yes');
  });

  it('writes a dash for missing and non-finite values', () => {
    expect(formatValue(null, 'ratio')).toBe('-');
    expect(formatValue(undefined, 'bytes')).toBe('-');
    expect(formatValue(Number.POSITIVE_INFINITY, 'ratio')).toBe('-');
  });
});

describe('formatDuration and formatBytes', () => {
  it('switch units at their thresholds', () => {
    expect(formatDuration(4.321)).toBe('4.32 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(412_000_000)).toBe('412 MB');
  });
});

describe('formatTable', () => {
  it('writes a Markdown table with number columns right-aligned and text columns left-aligned', () => {
    const table = formatTable(
      [
        { key: 'size', title: 'rows', format: 'text' },
        { key: 'wall', title: 'time', format: 'duration' },
        { key: 'r', title: 'ratio', format: 'ratio' },
      ],
      [
        { size: '10k', wall: 120, r: 0.5 },
        { size: '1M', wall: 11_000, r: null },
      ],
    );
    expect(table.split('\n')).toEqual([
      '| rows |     time | ratio |',
      '| ---- | -------: | ----: |',
      '| 10k  | 120.0 ms | 0.50x |',
      '| 1M   |   11.0 s |     - |',
    ]);
  });
});
