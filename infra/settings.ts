import { ConfigError } from '../shared/errors.js';

/**
 * The deployment settings of the CDK app, read from the CDK context (`cdk.json` "context", or
 * `-c key=value` on the command line). Every key has a default here; `cdk.json` repeats the
 * defaults so they are visible where people look first (a test keeps the two equal).
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

/** The settings of one deployment. */
export interface Settings {
  readonly stage: Stage;
  /** @default 'serverless' */
  readonly mskMode: MskMode;
  /** ARN of the cluster to use when `mskMode` is `existing`. @default '' */
  readonly mskClusterArn: string;
  /** Kafka version of a provisioned cluster (AWS::MSK::Topic needs 3.6 or newer). @default '3.9.x' */
  readonly kafkaVersion: string;
  /** Broker size of a provisioned cluster. @default 'kafka.t3.small' */
  readonly brokerInstanceType: string;
  /** @default 3 */
  readonly sensorPartitions: number;
  /** @default 3 */
  readonly cdcPartitions: number;
  /** Replication factor of topics on a provisioned cluster of two brokers (serverless fixes its own). @default 2 */
  readonly replicationFactor: number;
  /** @default 500 */
  readonly streamBatchSize: number;
  /** @default 5 */
  readonly streamBatchWindowSeconds: number;
  /**
   * Changes per CDC invocation. Each batch pays a fixed state commit and model publish (two
   * conditional writes), so large batches carry the throughput: 100 caps a partition near 3,300
   * events/s, 1,000 reaches about 13,000 (README, CDC benchmark). @default 1000
   */
  readonly cdcBatchSize: number;
  /** @default 1 */
  readonly cdcBatchWindowSeconds: number;
  /** Retries of a failing Kafka batch (after bisecting) before it goes to the failure destination. @default 3 */
  readonly kafkaRetryAttempts: number;
  /** @default 'TRIM_HORIZON' */
  readonly startingPosition: StartingPositionName;
  /** @default 's3' */
  readonly onFailure: FailureDestination;
  /** @default 2048 */
  readonly preprocessMemoryMb: number;
  /** @default 512 */
  readonly streamMemoryMb: number;
  /** @default 1024 */
  readonly cdcMemoryMb: number;
  /** @default 10240 */
  readonly analyticsMemoryMb: number;
  /** @default 30 */
  readonly logRetentionDays: number;
  /** Objects under `tmp/` (staging, scratch) expire after this many days. @default 1 */
  readonly tmpExpirationDays: number;
  /** Failed batches and events are kept this many days. @default 30 */
  readonly deadLetterExpirationDays: number;
  /** Older model versions are kept this many days... @default 90 */
  readonly modelNoncurrentDays: number;
  /** ...and at least this many of them regardless of age. @default 10 */
  readonly modelVersionsToKeep: number;
  /** The key suffix under `processed/` whose arrival starts the analytics function. @default 'latest.json' */
  readonly analyticsTriggerSuffix: string;
  /** Alarm when a Kafka consumer is this many records behind. @default 1000 */
  readonly offsetLagThreshold: number;
  /** Alarm when a consumer group is this many seconds behind (MSK EstimatedMaxTimeLag). @default 300 */
  readonly timeLagThresholdSeconds: number;
  /** An SNS topic ARN that alarms notify; empty means alarms only change state. @default '' */
  readonly alarmTopicArn: string;
  /** Brokers the `local` stage's functions use (the compose Kafka). @default 'localhost:9092' */
  readonly localKafkaBrokers: string;
}

/** The documented defaults of every setting but `stage`, whose default is `dev`. */
export const Defaults = {
  stage: 'dev',
  mskMode: 'serverless',
  mskClusterArn: '',
  kafkaVersion: '3.9.x',
  brokerInstanceType: 'kafka.t3.small',
  sensorPartitions: 3,
  cdcPartitions: 3,
  replicationFactor: 2,
  streamBatchSize: 500,
  streamBatchWindowSeconds: 5,
  cdcBatchSize: 1000,
  cdcBatchWindowSeconds: 1,
  kafkaRetryAttempts: 3,
  startingPosition: 'TRIM_HORIZON',
  onFailure: 's3',
  preprocessMemoryMb: 2048,
  streamMemoryMb: 512,
  cdcMemoryMb: 1024,
  analyticsMemoryMb: 10240,
  logRetentionDays: 30,
  tmpExpirationDays: 1,
  deadLetterExpirationDays: 30,
  modelNoncurrentDays: 90,
  modelVersionsToKeep: 10,
  analyticsTriggerSuffix: 'latest.json',
  offsetLagThreshold: 1000,
  timeLagThresholdSeconds: 300,
  alarmTopicArn: '',
  localKafkaBrokers: 'localhost:9092',
} as const satisfies Settings;

type Lookup = (key: string) => unknown;

function raw(lookup: Lookup, key: keyof Settings): unknown {
  const value = lookup(key);
  return value === undefined || value === null ? Defaults[key] : value;
}

function text(lookup: Lookup, key: keyof Settings): string {
  const value = raw(lookup, key);
  if (typeof value !== 'string') throw new ConfigError(`context '${key}'`, `must be a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function int(lookup: Lookup, key: keyof Settings, min: number, max: number): number {
  const value = raw(lookup, key);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`context '${key}'`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function oneOf<T extends string>(lookup: Lookup, key: keyof Settings, allowed: readonly T[]): T {
  const value = text(lookup, key);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`context '${key}'`, `must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/**
 * Reads and validates the settings from a context lookup (`app.node.tryGetContext`), applying
 * {@link Defaults}. Conflicting settings are rejected before anything is built.
 *
 * @example
 * const settings = readSettings((key) => app.node.tryGetContext(key));
 * settings.mskMode; // 'serverless' unless `-c mskMode=...` says otherwise
 */
export function readSettings(lookup: Lookup): Settings {
  const settings: Settings = {
    stage: oneOf(lookup, 'stage', Stages),
    mskMode: oneOf(lookup, 'mskMode', MskModes),
    mskClusterArn: text(lookup, 'mskClusterArn'),
    kafkaVersion: text(lookup, 'kafkaVersion'),
    brokerInstanceType: text(lookup, 'brokerInstanceType'),
    sensorPartitions: int(lookup, 'sensorPartitions', 1, 1000),
    cdcPartitions: int(lookup, 'cdcPartitions', 1, 1000),
    replicationFactor: int(lookup, 'replicationFactor', 1, 2),
    // Lambda's limits for Kafka event sources: 1..10,000 records, 0..300 s.
    streamBatchSize: int(lookup, 'streamBatchSize', 1, 10_000),
    streamBatchWindowSeconds: int(lookup, 'streamBatchWindowSeconds', 0, 300),
    cdcBatchSize: int(lookup, 'cdcBatchSize', 1, 10_000),
    cdcBatchWindowSeconds: int(lookup, 'cdcBatchWindowSeconds', 0, 300),
    kafkaRetryAttempts: int(lookup, 'kafkaRetryAttempts', 0, 10_000),
    startingPosition: oneOf(lookup, 'startingPosition', StartingPositions),
    onFailure: oneOf(lookup, 'onFailure', FailureDestinations),
    preprocessMemoryMb: int(lookup, 'preprocessMemoryMb', 128, 10_240),
    streamMemoryMb: int(lookup, 'streamMemoryMb', 128, 10_240),
    cdcMemoryMb: int(lookup, 'cdcMemoryMb', 128, 10_240),
    analyticsMemoryMb: int(lookup, 'analyticsMemoryMb', 128, 10_240),
    logRetentionDays: int(lookup, 'logRetentionDays', 1, 3653),
    tmpExpirationDays: int(lookup, 'tmpExpirationDays', 1, 3650),
    deadLetterExpirationDays: int(lookup, 'deadLetterExpirationDays', 1, 3650),
    modelNoncurrentDays: int(lookup, 'modelNoncurrentDays', 1, 3650),
    modelVersionsToKeep: int(lookup, 'modelVersionsToKeep', 1, 100),
    analyticsTriggerSuffix: text(lookup, 'analyticsTriggerSuffix'),
    offsetLagThreshold: int(lookup, 'offsetLagThreshold', 1, 1_000_000_000),
    timeLagThresholdSeconds: int(lookup, 'timeLagThresholdSeconds', 1, 1_000_000),
    alarmTopicArn: text(lookup, 'alarmTopicArn'),
    localKafkaBrokers: text(lookup, 'localKafkaBrokers'),
  };
  if (settings.mskMode === 'existing' && !/^arn:aws[\w-]*:kafka:[\w-]+:\d{12}:cluster\/[\w-]+\/[\w-]+$/.test(settings.mskClusterArn)) {
    throw new ConfigError("context 'mskClusterArn'", `must be an MSK cluster ARN when mskMode is 'existing', got '${settings.mskClusterArn}'`);
  }
  if (settings.mskMode !== 'existing' && settings.mskClusterArn !== '') {
    throw new ConfigError("context 'mskClusterArn'", `is only used with mskMode=existing (mskMode is '${settings.mskMode}')`);
  }
  if (settings.alarmTopicArn !== '' && !/^arn:aws[\w-]*:sns:/.test(settings.alarmTopicArn)) {
    throw new ConfigError("context 'alarmTopicArn'", `must be an SNS topic ARN, got '${settings.alarmTopicArn}'`);
  }
  if (settings.analyticsTriggerSuffix === '') throw new ConfigError("context 'analyticsTriggerSuffix'", 'must not be empty');
  return settings;
}
