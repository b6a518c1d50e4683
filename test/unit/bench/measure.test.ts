import { describe, expect, it } from 'vitest';
import { measureCommand, repeat, type Measurement } from '../../bench/lib/measure.js';

describe('measureCommand', () => {
  it('reports the peak RSS of a Node child that touches 200 MB, and its output', async () => {
    const run = await measureCommand(process.execPath, ['-e', 'const b = Buffer.alloc(200e6, 1); console.log(b[123])']);
    expect(run.stdout.trim()).toBe('1');
    expect(run.peakRssBytes).toBeGreaterThan(200e6);
    expect(run.peakRssBytes).toBeLessThan(2e9);
    expect(run.wallMs).toBeGreaterThan(0);
  });

  it('reports a small peak for a child that allocates little', async () => {
    const run = await measureCommand(process.execPath, ['-e', '0']);
    expect(run.peakRssBytes).toBeGreaterThan(10e6);
    expect(run.peakRssBytes).toBeLessThan(200e6);
  });

  it('throws with the command\'s last error lines when it exits non-zero', async () => {
    await expect(measureCommand(process.execPath, ['-e', 'console.error("first"); console.error("it broke"); process.exit(3)']))
      .rejects.toThrow(/exited with 3: first \/ it broke/);
  });
});

describe('repeat', () => {
  it('runs the preparation before every run and reports the medians', async () => {
    const walls = [30, 10, 20];
    const rss = [3e6, 1e6, 2e6];
    const order: string[] = [];
    let i = 0;
    const summary = await repeat(3, async (): Promise<Measurement> => {
      order.push('run');
      const index = i++;
      return { wallMs: walls[index]!, peakRssBytes: rss[index]!, stdout: String(index), stderr: '' };
    }, { before: () => order.push('before') });
    expect(order).toEqual(['before', 'run', 'before', 'run', 'before', 'run']);
    expect(summary).toMatchObject({ wallMs: 20, peakRssBytes: 2e6, runs: 3 });
    expect(summary.last.stdout).toBe('2');
  });
});
