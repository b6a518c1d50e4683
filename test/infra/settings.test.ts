import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Functions } from '../../functions/manifest.js';
import { Defaults, readSettings } from '../../infra/settings.js';
import { ConfigError } from '../../shared/errors.js';

const from = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('readSettings', () => {
  it('applies the defaults to an empty context, each function\'s from its manifest entry', () => {
    const settings = from({});
    expect(settings).toMatchObject({ stage: 'dev', mskMode: 'serverless', onFailure: 's3', partitions: { sensor: 3, cdc: 3 } });
    expect(settings.functions.stream).toEqual({ memoryMb: 512, retryAttempts: 3, batchSize: 500, batchWindowSeconds: 5 });
    expect(settings.functions.analytics).toEqual({ memoryMb: 10240, retryAttempts: 1, triggerSuffix: 'latest.json' });
    expect(settings.functions.preprocess).toEqual({ memoryMb: Functions.preprocess.memoryMb, retryAttempts: Functions.preprocess.retryAttempts });
  });

  it('matches the defaults written in cdk.json, which may leave out a function\'s own settings', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    const { 'cli-telemetry': _telemetry, ...context } = cdkJson.context;
    // every key written there is a setting with its default...
    expect(Object.fromEntries(Object.keys(context).map((key) => [key, Defaults[key]]))).toEqual(context);
    // ...and every deployment-wide setting is written there (per-function and per-topic ones may follow the manifest)
    const derived = /^(\w+)(MemoryMb|RetryAttempts|BatchSize|BatchWindowSeconds|TriggerSuffix|Partitions)$/;
    expect(Object.keys(Defaults).filter((key) => !derived.test(key) && !(key in context))).toEqual([]);
  });

  it('reads numbers given as strings on the command line', () => {
    const settings = from({ sensorPartitions: '12', streamBatchSize: '1000', cdcMemoryMb: ' 2048 ' });
    expect(settings.partitions.sensor).toBe(12);
    expect(settings.functions.stream.batchSize).toBe(1000);
    expect(settings.functions.cdc.memoryMb).toBe(2048);
  });

  it('retries cdc batches until they succeed by default, and takes -1 only for Kafka-triggered functions', () => {
    expect(from({}).functions.cdc.retryAttempts).toBe(-1);
    expect(from({ streamRetryAttempts: '-1' }).functions.stream.retryAttempts).toBe(-1);
    expect(from({ cdcRetryAttempts: '3' }).functions.cdc.retryAttempts).toBe(3);
    expect(() => from({ preprocessRetryAttempts: -1 })).toThrow(/preprocessRetryAttempts.*from 0 to/);
  });

  it('rejects an existing-cluster mode without a cluster ARN, naming the key', () => {
    expect(() => from({ mskMode: 'existing' })).toThrow(ConfigError);
    expect(() => from({ mskMode: 'existing' })).toThrow(/mskClusterArn.*MSK cluster ARN/);
  });

  it('rejects a cluster ARN given without the existing mode', () => {
    expect(() => from({ mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/a/b' })).toThrow(/only used with mskMode=existing/);
  });

  it('rejects an unknown stage, an out-of-range batch size, a fractional memory size and an empty trigger suffix', () => {
    expect(() => from({ stage: 'staging' })).toThrow(/stage.*dev, prod, local.*'staging'/);
    expect(() => from({ streamBatchSize: 20_000 })).toThrow(/^context 'streamBatchSize' must be a whole number from 1 to 10000, got 20000$/);
    expect(() => from({ analyticsMemoryMb: '10.5' })).toThrow(/analyticsMemoryMb/);
    expect(() => from({ analyticsTriggerSuffix: ' ' })).toThrow(/^context 'analyticsTriggerSuffix' must not be empty$/);
  });
});
