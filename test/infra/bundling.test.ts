import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionNames, handlerEntry } from '../../infra/constructs/functions.js';
import { createPipelineApp } from '../../infra/pipeline-app.js';

/**
 * The one test that bundles for real (esbuild, no Docker): the assertion tests skip bundling.
 * It bundles the handlers that exist under functions/ and the topic custom resource.
 */
describe('bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const present = FunctionNames.filter((name) => existsSync(handlerEntry(name)));
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

  if (present.length < FunctionNames.length) {
    it.skip(`bundles ${FunctionNames.filter((n) => !present.includes(n)).join(', ')} (handler not written yet)`, () => {});
  }

  for (const name of present) {
    it(`bundles the ${name} handler as ESM with parquet-wasm's .wasm beside it`, async () => {
      const dir = assets.get(`pipeline-${name}`)!;
      expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['index.mjs', 'parquet_wasm_bg.wasm']));
      const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof bundle.handler).toBe('function');
    });
  }

  it('bundles the topic custom resource, which loads and exports its handler', async () => {
    const dir = assets.get('kafka-topics')!;
    expect(readdirSync(dir)).toContain('index.mjs');
    expect(readdirSync(dir)).not.toContain('parquet_wasm_bg.wasm');
    const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
    expect(typeof bundle.handler).toBe('function');
  });
});
