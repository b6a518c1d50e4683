/**
 * `npm start -- --dashboard`: the run serves the live dashboard from its start, prints its URL,
 * ends by printing the run report and the URL again, and keeps serving until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

describe('pipeline run --dashboard', () => {
  it('prints the URL first, serves the run, prints the report path and the URL at the end, and stops on Ctrl-C', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-run-dashboard-'));
    const child = spawn(process.execPath, ['shared/cli/bin.mjs', 'run', '--rows', '2000', '--readings', '3000', '--changes', '200', '--idle-ms', '400', '--dashboard', '--port', '0'], {
      cwd: root,
      env: { ...process.env, CI: '', PIPELINE_DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((done) => child.on('exit', (code) => done({ code, at: performance.now() })));
    const until = async (pattern: RegExp) => {
      for (let waited = 0; waited < 180_000; waited += 100) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`the run exited ${child.exitCode}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${pattern} in: ${stdout}`);
    };

    const url = (await until(/^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(it follows the run\)$/m))[1]!;
    expect((await fetch(url)).status).toBe(200);
    await until(/Dashboard: .* \(still serving; Ctrl-C stops it\)\n$/);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`Run report: ${join(dataDir, 'results/run/report.html')}`);
    expect(lines.at(-1)).toBe(`Dashboard: ${url} (still serving; Ctrl-C stops it)`);
    // still serving after the run, and showing it
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/data-figure="cdc\.version" data-value="\d+"/);
    expect(page).toMatch(/data-figure="analytics\.generated_marketing\.analyses" data-value="8"/);

    const sent = performance.now();
    child.kill('SIGINT');
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(1000);
  }, 240_000);
});
