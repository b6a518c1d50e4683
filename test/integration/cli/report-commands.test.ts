/**
 * `pipeline report` and `pipeline dashboard` as a user runs them: the real CLI in a child process,
 * over an empty folder, a port already taken, and a store on the run's real S3 API server.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, s3ClientFor } from '../../../shared/adapters/s3-store.js';
import { RUN_REPORT_KEY } from '../../../shared/report/index.js';
import { freshBucket, s3Endpoint, s3TestConfig } from '../../helpers/servers.js';
import { buildRunStore } from '../report/run-store.js';
import { pipeline, stop, type Running } from '../../helpers/cli.js';

/** Waits until the dashboard prints its URL, and returns it. */
async function dashboardUrl(running: Running): Promise<string> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.stdout)?.[1];
    if (url !== undefined) return url;
    if (running.child.exitCode !== null) throw new Error(`the dashboard exited: ${running.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the dashboard printed no URL within a minute');
}

describe('pipeline report and pipeline dashboard on the embedded store', () => {
  let empty: string;
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'report-empty-'));
    taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    takenPort = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((done) => taken?.close(done));
  });

  it('report fails with one line naming what it looked for and the command that makes it, on an empty store', async () => {
    const running = pipeline(['report'], { PIPELINE_DATA_DIR: empty });
    const { code } = await running.exited;
    expect(code).toBe(1);
    expect(running.stderr).toBe(
      `pipeline: nothing to show in folder ${empty}/: found no processed/<dataset>/latest.json, no results/stream/partials/, no models/response/current/<topic>@<log>.json, no results/analytics/<dataset>/results.json; 'npm start' (pipeline run) makes them\n`,
    );
  });

  it('dashboard fails with one line naming the port and the option when the port is taken', async () => {
    const running = pipeline(['dashboard', '--port', String(takenPort)], { PIPELINE_DATA_DIR: empty });
    const { code } = await running.exited;
    expect(code).toBe(1);
    expect(running.stderr).toBe(`pipeline: port ${takenPort} on 127.0.0.1 is in use: choose another with --port <n> (--port 0 takes a free one)\n`);
  });

  it('dashboard rejects a port that is not one', async () => {
    const running = pipeline(['dashboard', '--port', '70000'], { PIPELINE_DATA_DIR: empty });
    expect((await running.exited).code).toBe(2);
    expect(running.stderr).toMatch(/--port <n>.*expected a port from 0 \(any free one\) to 65535, got '70000'/);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`dashboard serves an empty store with a notice saying what fills it, and stops within a second of ${signal}`, async () => {
      const running = pipeline(['dashboard', '--port', '0', '--poll-ms', '200'], { PIPELINE_DATA_DIR: empty });
      const url = await dashboardUrl(running);
      expect(running.stdout).toBe(`Dashboard: ${url} (Ctrl-C stops it)\n`);
      expect(running.stderr).toMatch(/^pipeline dashboard: nothing to show in folder .*: found no processed\/<dataset>\/latest\.json, .*'npm start' \(pipeline run\) makes them; the dashboard shows them as they land\n$/);
      const page = await (await fetch(url)).text();
      expect(page).toContain('Nothing yet: no results/stream/partials/');
      const { ms, code } = await stop(running, signal);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(1000);
    }, 90_000);
  }
});

describe.skipIf(s3Endpoint() === undefined)('pipeline report and pipeline dashboard over an S3 API (S3_ENDPOINT)', () => {
  let env: Record<string, string>;
  let bucket: string;

  beforeAll(async () => {
    bucket = await freshBucket('report');
    env = { S3_ENDPOINT: s3Endpoint()!, PIPELINE_BUCKET: bucket, AWS_REGION: 'us-east-1' };
    const store = await buildRunStore(await mkdtemp(join(tmpdir(), 'report-s3-')), env);
    await store.close();
  }, 240_000);

  it('report writes the page into the bucket and prints its s3:// location', async () => {
    const running = pipeline(['report'], { ...env, PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'unused-')) });
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(new RegExp(`^Run report: s3://${bucket}/${RUN_REPORT_KEY} \\(\\d+ KB, read in [\\d.]+ m?s, drawn in [\\d.]+ m?s\\)\\n$`));
    const page = new TextDecoder().decode((await new S3Store(s3ClientFor(s3TestConfig()), bucket).get(RUN_REPORT_KEY)).body);
    expect(page).toContain(`S3 ${s3Endpoint()} (bucket ${bucket})`);
    expect(page).toMatch(/data-figure="cdc\.version" data-value="\d+"/);
    expect(page).toMatch(/data-figure="preprocess\.marketing_campaign\.rowsIn" data-value="1201"/);
  }, 60_000);

  it('report and dashboard fail with one line naming the store when its bucket does not exist', async () => {
    const missing = { ...env, PIPELINE_BUCKET: `missing-${bucket}`, PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'unused-')) };
    for (const args of [['report'], ['dashboard', '--port', '0']]) {
      const running = pipeline(args, missing);
      expect((await running.exited).code).toBe(1);
      // one line, naming the bucket and why (the S3 adapter's classification of NoSuchBucket)
      expect(running.stderr).toMatch(new RegExp(`^pipeline: s3://missing-${bucket}: the bucket does not exist.*\n$`));
    }
  }, 60_000);

  it('dashboard shows that store', async () => {
    const running = pipeline(['dashboard', '--port', '0'], { ...env, PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'unused-')) });
    const url = await dashboardUrl(running);
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/data-figure="stream\.windows" data-value="\d+"/);
    expect(page).toContain(`S3 ${s3Endpoint()} (bucket ${bucket})`);
    expect((await stop(running, 'SIGINT')).code).toBe(0);
  }, 90_000);
});
