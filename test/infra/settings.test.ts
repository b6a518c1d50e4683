import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Defaults, readSettings } from '../../infra/settings.js';
import { ConfigError } from '../../shared/errors.js';

const from = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('readSettings', () => {
  it('applies the documented defaults to an empty context', () => {
    expect(from({})).toEqual(Defaults);
  });

  it('matches the defaults written in cdk.json', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    const { 'cli-telemetry': _telemetry, ...context } = cdkJson.context;
    expect(context).toEqual(Defaults);
  });

  it('reads numbers given as strings on the command line', () => {
    expect(from({ sensorPartitions: '12', streamBatchSize: '1000' })).toMatchObject({ sensorPartitions: 12, streamBatchSize: 1000 });
  });

  it('rejects an existing-cluster mode without a cluster ARN, naming the key', () => {
    expect(() => from({ mskMode: 'existing' })).toThrow(ConfigError);
    expect(() => from({ mskMode: 'existing' })).toThrow(/mskClusterArn.*MSK cluster ARN/);
  });

  it('rejects a cluster ARN given without the existing mode', () => {
    expect(() => from({ mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/a/b' })).toThrow(/only used with mskMode=existing/);
  });

  it('rejects an unknown stage and an out-of-range batch size', () => {
    expect(() => from({ stage: 'staging' })).toThrow(/stage.*dev, prod, local.*'staging'/);
    expect(() => from({ streamBatchSize: 20_000 })).toThrow(/streamBatchSize.*1 to 10000/);
    expect(() => from({ analyticsMemoryMb: '10.5' })).toThrow(/analyticsMemoryMb/);
  });
});
