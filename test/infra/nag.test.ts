import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createPipelineApp } from '../../infra/pipeline-app.js';
import { ExistingClusterArn, FixtureEntry } from './helpers.js';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Synthesizes with cdk-nag's AwsSolutions pack as a validation plugin and returns its findings. */
function nagFindings(context: Record<string, unknown>): { error: unknown; findings: string[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
  outdirs.push(outdir);
  const { app } = createPipelineApp({ context, skipBundling: true, nag: true, outdir, entryFor: () => FixtureEntry });
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  let findings: string[] = [];
  try {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations: Array<{ ruleName: string; violatingResources: Array<{ resourceLogicalId: string }> }> }>;
    };
    findings = report.pluginReports.flatMap((r) => r.violations.map((v) => `${v.ruleName} on ${v.violatingResources.map((x) => x.resourceLogicalId).join(', ')}`));
  } catch {
    /* no report: no plugin ran or nothing was found */
  }
  return { error, findings };
}

describe('cdk-nag AwsSolutions', () => {
  for (const [name, context] of [
    ['dev on MSK Serverless', {}],
    ['prod on a provisioned cluster', { stage: 'prod', mskMode: 'provisioned' }],
    ['an existing cluster with dead-letter topics', { mskMode: 'existing', mskClusterArn: ExistingClusterArn, onFailure: 'kafka' }],
  ] as const) {
    it(`finds nothing unacknowledged in ${name}`, () => {
      const { error, findings } = nagFindings(context);
      expect(findings).toEqual([]);
      expect(error).toBeUndefined();
    });
  }

  it('fails synthesis on an unacknowledged finding, so the check can fail', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
    outdirs.push(outdir);
    const { app } = createPipelineApp({ context: {}, skipBundling: true, nag: true, outdir, entryFor: () => FixtureEntry });
    new s3.Bucket(new Stack(app, 'Careless'), 'NoTlsNoLogs');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
    expect(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).toContain('AwsSolutions-S10');
  });
});
