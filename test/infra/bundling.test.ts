import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionNames } from '../../functions/manifest.js';
import { handlerEntry } from '../../infra/constructs/functions.js';
import { createPipelineApp } from '../../infra/pipeline-app.js';

/**
 * The one test that bundles for real (esbuild, no Docker): the assertion tests skip bundling.
 * It bundles every function of the manifest and the topic custom resource.
 */
describe('bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
  let assets: Map<string, string>;

  beforeAll(() => {
    const { app, stack } = createPipelineApp({ context: { 'aws:cdk:enable-asset-metadata': true }, nag: false, outdir });
    const template = Template.fromStack(stack);
    app.synth();
    assets = new Map(
      Object.values(template.findResources('AWS::Lambda::Function'))
        .filter((r) => r.Metadata?.['aws:asset:path'] !== undefined)
        .map((r) => [String(r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME), join(outdir, String(r.Metadata['aws:asset:path']))]),
    );
  }, 300_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('finds a handler file for every function of the manifest', () => {
    expect(FunctionNames.filter((name) => !existsSync(handlerEntry(name)))).toEqual([]);
  });

  for (const name of FunctionNames) {
    it(`bundles the ${name} handler as ESM with parquet-wasm's .wasm beside it`, async () => {
      const dir = assets.get(`pipeline-${name}`)!;
      expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['index.mjs', 'parquet_wasm_bg.wasm']));
      const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof bundle.handler).toBe('function');
    });
  }

  it('runs the bundled stream handler on a Kafka event, configured from the environment', async () => {
    const data = mkdtempSync(join(tmpdir(), 'bundle-data-'));
    const saved = { ...process.env };
    Object.assign(process.env, { PIPELINE_STORE: 'folder', PIPELINE_DATA_DIR: data, POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    try {
      const { handler } = (await import(pathToFileURL(join(assets.get('pipeline-stream')!, 'index.mjs')).href)) as { handler: (event: unknown) => Promise<{ records: number; written: string[] }> };
      const event = JSON.parse(readFileSync(new URL('../fixtures/events/msk-powertools-base.json', import.meta.url), 'utf8')) as unknown;
      const result = await handler(event);
      expect(result.records).toBeGreaterThan(0);
      expect(result.written.every((key) => existsSync(join(data, key)))).toBe(true);
    } finally {
      process.env = saved;
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('bundles the topic custom resource, which loads and exports its handler', async () => {
    const dir = assets.get('kafka-topics')!;
    expect(readdirSync(dir)).toContain('index.mjs');
    expect(readdirSync(dir)).not.toContain('parquet_wasm_bg.wasm');
    const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
    expect(typeof bundle.handler).toBe('function');
  });
});
