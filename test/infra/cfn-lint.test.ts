import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPipelineApp } from '../../infra/pipeline-app.js';
import { ExistingClusterArn, FixtureEntry } from './helpers.js';

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const available = cfnLint.status === 0;
if (!available && process.env.CI === 'true') throw new Error(`CI=true and cfn-lint is not installed: ${cfnLint.error?.message ?? cfnLint.stderr}`);
if (!available) process.stderr.write('\n!!! cfn-lint is not installed; the template lint test is SKIPPED !!!\n\n');

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe.skipIf(!available)('cfn-lint', () => {
  for (const [name, context] of [
    ['dev on MSK Serverless', {}],
    ['prod on a provisioned cluster (AWS::MSK::Topic)', { stage: 'prod', mskMode: 'provisioned' }],
    ['an existing cluster with dead-letter topics', { mskMode: 'existing', mskClusterArn: ExistingClusterArn, onFailure: 'kafka' }],
    ['the local stage', { stage: 'local' }],
  ] as const) {
    it(`reports no errors in the template of ${name}`, () => {
      const outdir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
      outdirs.push(outdir);
      createPipelineApp({ context, skipBundling: true, nag: false, outdir, entryFor: () => FixtureEntry }).app.synth();
      const templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => join(outdir, f));
      expect(templates).toHaveLength(1);
      // Warnings (W3005: CDK states dependencies twice) are CDK's own; errors fail.
      const run = spawnSync('cfn-lint', ['--non-zero-exit-code', 'error', '--format', 'parseable', ...templates], { encoding: 'utf8' });
      const errors = run.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
      expect(errors).toEqual([]);
      expect(run.status).toBe(0);
    });
  }
});
