import { z } from 'zod';
import { Functions, FunctionNames, type FunctionName } from '../functions/manifest.js';
import { Topics, type TopicName } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

/**
 * The deployment settings of the CDK app, read from the CDK context (`cdk.json` "context", or
 * `-c key=value` on the command line) through one zod schema. Every key has a default: the
 * deployment-wide ones below, and one set per function and per topic taken from
 * functions/manifest.ts and shared/config.ts (`preprocessMemoryMb`, `streamBatchSize`,
 * `sensorPartitions`, ...), so a new function brings its settings with it. `cdk.json` repeats the
 * defaults where people look first (a test keeps the two equal).
 */

/** `dev` destroys data on teardown; `prod` keeps it; `local` is the LocalStack variant. */
export const Stages = ['dev', 'prod', 'local'] as const;
export type Stage = (typeof Stages)[number];

/** `serverless` (default), a `provisioned` cluster, or an `existing` cluster given by ARN. */
export const MskModes = ['serverless', 'provisioned', 'existing'] as const;
export type MskMode = (typeof MskModes)[number];

/** Where the Kafka event sources send a batch that exhausted its retries. */
export const FailureDestinations = ['s3', 'kafka'] as const;
export type FailureDestination = (typeof FailureDestinations)[number];

/** Where a new event source mapping starts reading a topic. */
export const StartingPositions = ['TRIM_HORIZON', 'LATEST'] as const;
export type StartingPositionName = (typeof StartingPositions)[number];

/** One function's deployment settings (defaults from its manifest entry). */
export interface FunctionSettings {
  readonly memoryMb: number;
  readonly retryAttempts: number;
  /** Kafka-triggered functions only. */
  readonly batchSize?: number;
  /** Kafka-triggered functions only. */
  readonly batchWindowSeconds?: number;
  /** S3-triggered functions with a key suffix only. */
  readonly triggerSuffix?: string;
}

/** The settings of one deployment. */
export interface Settings {
  readonly stage: Stage;
  readonly mskMode: MskMode;
  /** ARN of the cluster to use when `mskMode` is `existing`. */
  readonly mskClusterArn: string;
  /** Kafka version of a provisioned cluster (AWS::MSK::Topic needs 3.6 or newer). */
  readonly kafkaVersion: string;
  /** Broker size of a provisioned cluster. */
  readonly brokerInstanceType: string;
  /** Replication factor of topics on a provisioned cluster of two brokers (serverless fixes its own). */
  readonly replicationFactor: number;
  readonly startingPosition: StartingPositionName;
  readonly onFailure: FailureDestination;
  readonly logRetentionDays: number;
  /** Objects under `tmp/` (staging, scratch) expire after this many days. */
  readonly tmpExpirationDays: number;
  /** Failed batches and events are kept this many days. */
  readonly deadLetterExpirationDays: number;
  /** Older model versions are kept this many days... */
  readonly modelNoncurrentDays: number;
  /** ...and at least this many of them regardless of age. */
  readonly modelVersionsToKeep: number;
  /** Alarm when a Kafka consumer is this many records behind. */
  readonly offsetLagThreshold: number;
  /** Alarm when a consumer group is this many seconds behind (MSK EstimatedMaxTimeLag). */
  readonly timeLagThresholdSeconds: number;
  /** An SNS topic ARN that alarms notify; empty means alarms only change state. */
  readonly alarmTopicArn: string;
  /** Brokers the `local` stage's functions use (the compose Kafka). */
  readonly localKafkaBrokers: string;
  /** Each function's settings (`<name>MemoryMb`, `<name>RetryAttempts`, `<name>BatchSize`, ...). */
  readonly functions: Readonly<Record<FunctionName, FunctionSettings>>;
  /** Each topic's partitions (`<topic>Partitions`). */
  readonly partitions: Readonly<Record<TopicName, number>>;
}

// A context value arrives as JSON (cdk.json) or as a string (`-c key=value`).
const text = z.union([z.string(), z.number()], { error: (issue) => `must be a string, got ${JSON.stringify(issue.input)}` }).transform((v) => String(v).trim());
const whole = (min: number, max: number) =>
  z
    .custom<number | string>(
      (value) => {
        const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
        return Number.isInteger(n) && n >= min && n <= max;
      },
      { error: (issue) => `must be a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}` },
    )
    .transform(Number);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  text.pipe(z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}, got '${String(issue.input)}'` }));

// Lambda's limits: memory 128..10,240 MB; Kafka batches 1..10,000 records over 0..300 s.
const memory = whole(128, 10_240);

/** The deployment-wide settings: their schema and default. */
const deployment = {
  stage: [oneOf(Stages), 'dev'],
  mskMode: [oneOf(MskModes), 'serverless'],
  mskClusterArn: [text, ''],
  kafkaVersion: [text, '3.9.x'],
  brokerInstanceType: [text, 'kafka.t3.small'],
  replicationFactor: [whole(1, 2), 2],
  startingPosition: [oneOf(StartingPositions), 'TRIM_HORIZON'],
  onFailure: [oneOf(FailureDestinations), 's3'],
  logRetentionDays: [whole(1, 3653), 30],
  tmpExpirationDays: [whole(1, 3650), 1],
  deadLetterExpirationDays: [whole(1, 3650), 30],
  modelNoncurrentDays: [whole(1, 3650), 90],
  modelVersionsToKeep: [whole(1, 100), 10],
  offsetLagThreshold: [whole(1, 1_000_000_000), 1000],
  timeLagThresholdSeconds: [whole(1, 1_000_000), 300],
  alarmTopicArn: [text, ''],
  localKafkaBrokers: [text, 'localhost:9092'],
} as const;

/** The per-function and per-topic settings, derived from the manifest and the topic table. */
function derived(): Record<string, readonly [z.ZodType<unknown, unknown>, string | number]> {
  const out: Record<string, readonly [z.ZodType<unknown, unknown>, string | number]> = {};
  for (const [topic, spec] of Object.entries(Topics)) out[`${topic}Partitions`] = [whole(1, 1000), spec.partitions];
  for (const name of FunctionNames) {
    const fn = Functions[name];
    out[`${name}MemoryMb`] = [memory, fn.memoryMb];
    // a Kafka event source mapping also takes -1: retry until the batch succeeds (it is never given up)
    out[`${name}RetryAttempts`] = [whole(fn.trigger.kind === 'kafka' ? -1 : 0, 10_000), fn.retryAttempts];
    if (fn.trigger.kind === 'kafka') {
      out[`${name}BatchSize`] = [whole(1, 10_000), fn.trigger.batchSize];
      out[`${name}BatchWindowSeconds`] = [whole(0, 300), fn.trigger.batchWindowSeconds];
    } else if ('suffix' in fn.trigger) {
      out[`${name}TriggerSuffix`] = [text.pipe(z.string().min(1, { error: 'must not be empty' })), fn.trigger.suffix];
    }
  }
  return out;
}

const keys = { ...deployment, ...derived() } as Record<string, readonly [z.ZodType<unknown, unknown>, string | number]>;

/** The default of every context key, deployment-wide and per function and topic (what cdk.json repeats). */
export const Defaults: Readonly<Record<string, string | number>> = Object.fromEntries(Object.entries(keys).map(([key, [, value]]) => [key, value]));

const ContextSchema = z.object(Object.fromEntries(Object.entries(keys).map(([key, [schema, fallback]]) => [key, z.preprocess((v) => v ?? fallback, schema)])));

type Lookup = (key: string) => unknown;

/**
 * Reads and validates the settings from a context lookup (`app.node.tryGetContext`), applying
 * {@link Defaults}. Conflicting settings are rejected before anything is built; an error names
 * the context key.
 *
 * @example
 * const settings = readSettings((key) => app.node.tryGetContext(key));
 * settings.functions.stream.batchSize; // 500 unless `-c streamBatchSize=...` says otherwise
 */
export function readSettings(lookup: Lookup): Settings {
  const parsed = ContextSchema.safeParse(Object.fromEntries(Object.keys(keys).map((key) => [key, lookup(key)])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`context '${String(issue.path[0])}'`, issue.message);
  }
  const context = parsed.data as Record<string, unknown>;
  const functions = Object.fromEntries(
    FunctionNames.map((name) => [
      name,
      {
        memoryMb: context[`${name}MemoryMb`],
        retryAttempts: context[`${name}RetryAttempts`],
        ...(context[`${name}BatchSize`] === undefined ? {} : { batchSize: context[`${name}BatchSize`], batchWindowSeconds: context[`${name}BatchWindowSeconds`] }),
        ...(context[`${name}TriggerSuffix`] === undefined ? {} : { triggerSuffix: context[`${name}TriggerSuffix`] }),
      },
    ]),
  ) as Settings['functions'];
  const partitions = Object.fromEntries(Object.keys(Topics).map((topic) => [topic, context[`${topic}Partitions`]])) as Settings['partitions'];
  const settings = { ...(Object.fromEntries(Object.keys(deployment).map((key) => [key, context[key]])) as Omit<Settings, 'functions' | 'partitions'>), functions, partitions };
  if (settings.mskMode === 'existing' && !/^arn:aws[\w-]*:kafka:[\w-]+:\d{12}:cluster\/[\w-]+\/[\w-]+$/.test(settings.mskClusterArn)) {
    throw new ConfigError("context 'mskClusterArn'", `must be an MSK cluster ARN when mskMode is 'existing', got '${settings.mskClusterArn}'`);
  }
  if (settings.mskMode !== 'existing' && settings.mskClusterArn !== '') {
    throw new ConfigError("context 'mskClusterArn'", `is only used with mskMode=existing (mskMode is '${settings.mskMode}')`);
  }
  if (settings.alarmTopicArn !== '' && !/^arn:aws[\w-]*:sns:/.test(settings.alarmTopicArn)) {
    throw new ConfigError("context 'alarmTopicArn'", `must be an SNS topic ARN, got '${settings.alarmTopicArn}'`);
  }
  return settings;
}
