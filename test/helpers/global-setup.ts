/**
 * Vitest global setup: finds or starts the real servers the integration suites need, once per
 * run, and hands their addresses to the tests through `provide`.
 *
 * - S3 API: `S3_ENDPOINT` when set; otherwise moto's server mode (`moto_server`) on a free port.
 *
 * A server that cannot be had is reported loudly; under `CI=true` it fails the run, otherwise
 * the suites that need it skip (see `test/helpers/servers.ts`).
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    s3Problem: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const ci = process.env.CI === 'true';

  let s3Endpoint = process.env.S3_ENDPOINT ?? '';
  let s3Problem = '';
  if (s3Endpoint === '') {
    try {
      const moto = await startMoto();
      s3Endpoint = moto.endpoint;
      stops.push(moto.stop);
    } catch (error) {
      s3Problem = `no S3 API server: ${(error as Error).message}`;
      if (ci) throw new Error(`CI=true and ${s3Problem}`);
      process.stderr.write(`\n!!! ${s3Problem}; the S3 integration suites are SKIPPED !!!\n\n`);
    }
  }
  project.provide('s3Endpoint', s3Endpoint);
  project.provide('s3Problem', s3Problem);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
