import { ConfigError } from './errors.js';
import { Measures as Metrics, type Measure as Metric } from './stream/measures.js';

/** Where objects live: a folder on disk (the embedded default) or an S3 API. */
export const StoreKinds = ['folder', 's3'] as const;
export type StoreKind = (typeof StoreKinds)[number];

/** The pipeline's whole configuration, read once from the environment by {@link loadConfig}. */
export interface PipelineConfig {
  /** Root folder of the embedded object store (`PIPELINE_DATA_DIR`, default `data`). */
  readonly dataDir: string;
  /** `folder` or `s3` (`PIPELINE_STORE`; default `s3` when `S3_ENDPOINT` is set, else `folder`). */
  readonly store: StoreKind;
  readonly s3: {
    /** `S3_ENDPOINT`: any S3-compatible server; undefined means AWS itself. */
    readonly endpoint: string | undefined;
    /** `AWS_REGION` (or `AWS_DEFAULT_REGION`), default `us-east-1`. */
    readonly region: string;
    /** `S3_FORCE_PATH_STYLE`; default true when an endpoint is set (local servers), false on AWS. */
    readonly forcePathStyle: boolean;
    /**
     * Sign with placeholder credentials (`test`/`test`): true for a local endpoint when neither
     * `AWS_ACCESS_KEY_ID` nor `AWS_PROFILE` is set (local servers accept any); otherwise the AWS SDK's
     * default provider chain applies.
     */
    readonly placeholderCredentials: boolean;
  };
  /**
   * Bucket of each area. Every key also carries its area's prefix (`raw/`, `processed/`,
   * `models/`, `results/`), so all four may be one bucket (`PIPELINE_BUCKET`, default `pipeline`).
   */
  readonly buckets: {
    readonly raw: string;
    readonly processed: string;
    readonly models: string;
    readonly results: string;
  };
  readonly kafka: {
    /** `KAFKA_BROKERS`, comma-separated; empty means the in-process log. */
    readonly brokers: readonly string[];
    /** `KAFKA_CLIENT_ID`, default `pipeline`. */
    readonly clientId: string;
    /** `SENSOR_TOPIC`, default `sensor_data`. */
    readonly sensorTopic: string;
    /** `CDC_TOPIC`, default `customer_updates`. */
    readonly cdcTopic: string;
    /** `SENSOR_PARTITIONS`, default 3. */
    readonly sensorPartitions: number;
    /** `CDC_PARTITIONS`, default 3. */
    readonly cdcPartitions: number;
    /** `KAFKA_AUTH`: `none` (plaintext, default) or `aws-iam` (TLS + IAM, for MSK). */
    readonly auth: 'none' | 'aws-iam';
    /** `MSK_CLUSTER_ARN`: when set, brokers are looked up with GetBootstrapBrokers. */
    readonly clusterArn: string | undefined;
  };
  /** `MODEL_NAME`, default `response`: the CDC model's folder under `models/`. */
  readonly modelName: string;
  readonly stream: {
    /**
     * `STREAM_LIMITS`: hard limits overriding the streaming function's defaults, per metric, as
     * `temperature=-40:85,battery=10:` (an empty side has no bound). Unset: the defaults.
     */
    readonly limits: Readonly<Partial<Record<Metric, { readonly min?: number; readonly max?: number }>>>;
    /** `STREAM_ZSCORE`: how many standard deviations from a sensor's mean make a window anomalous; unset: 4. */
    readonly zScore: number | undefined;
  };
  /**
   * `ANALYTICS_DATASET`: the dataset the analytics function analyses (`processed/<dataset>/`);
   * unset means the most recently cleaned one.
   */
  readonly analyticsDataset: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, key: string, fallback: string): string {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

function optional(env: Env, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function positiveInt(env: Env, key: string, fallback: number): number {
  const raw = optional(env, key);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ConfigError(key, `must be a positive whole number, got '${raw}'`);
  return Number(raw);
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = optional(env, key);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(key, `must be true or false, got '${raw}'`);
}

function oneOf<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, key);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(key, `must be one of ${allowed.join(', ')}, got '${raw}'`);
  }
  return raw as T;
}

function url(env: Env, key: string): string | undefined {
  const raw = optional(env, key);
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(key, `must be a URL such as http://localhost:4566, got '${raw}'`);
  }
  return raw;
}

function positiveNumber(env: Env, key: string): number | undefined {
  const raw = optional(env, key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(key, `must be a positive number, got '${raw}'`);
  return value;
}

function limits(env: Env, key: string): Partial<Record<Metric, { min?: number; max?: number }>> {
  const raw = optional(env, key);
  const out: Partial<Record<Metric, { min?: number; max?: number }>> = {};
  if (raw === undefined) return out;
  for (const item of raw.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^(\w+)=([^:]*):([^:]*)$/.exec(item);
    const bound = (text: string | undefined): number | undefined => (text === undefined || text.trim() === '' ? undefined : Number(text));
    const [min, max] = [bound(match?.[2]), bound(match?.[3])];
    if (!match || !(Metrics as readonly string[]).includes(match[1]!) || Number.isNaN(min) || Number.isNaN(max)) {
      throw new ConfigError(key, `must be metric=min:max pairs (metrics: ${Metrics.join(', ')}; a side may be empty), got '${item}'`);
    }
    out[match[1] as Metric] = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
  }
  return out;
}

/**
 * Reads the pipeline's configuration from an environment, once. Every setting has a documented
 * default (README, "Configuration"); a malformed one throws a {@link ConfigError} naming it.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.kafka.sensorTopic; // 'sensor_data' unless SENSOR_TOPIC says otherwise
 */
export function loadConfig(env: Env): PipelineConfig {
  const endpoint = url(env, 'S3_ENDPOINT');
  const bucket = text(env, 'PIPELINE_BUCKET', 'pipeline');
  const brokers = (optional(env, 'KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[\w.-]+:\d+$/.test(broker)) throw new ConfigError('KAFKA_BROKERS', `must be host:port[,host:port...], got '${broker}'`);
  }
  return {
    dataDir: text(env, 'PIPELINE_DATA_DIR', 'data'),
    store: oneOf(env, 'PIPELINE_STORE', StoreKinds, endpoint === undefined ? 'folder' : 's3'),
    s3: {
      endpoint,
      region: text(env, 'AWS_REGION', text(env, 'AWS_DEFAULT_REGION', 'us-east-1')),
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
      placeholderCredentials: endpoint !== undefined && optional(env, 'AWS_ACCESS_KEY_ID') === undefined && optional(env, 'AWS_PROFILE') === undefined,
    },
    buckets: {
      raw: text(env, 'RAW_BUCKET', bucket),
      processed: text(env, 'PROCESSED_BUCKET', bucket),
      models: text(env, 'MODELS_BUCKET', bucket),
      results: text(env, 'RESULTS_BUCKET', bucket),
    },
    kafka: {
      brokers,
      clientId: text(env, 'KAFKA_CLIENT_ID', 'pipeline'),
      sensorTopic: text(env, 'SENSOR_TOPIC', 'sensor_data'),
      cdcTopic: text(env, 'CDC_TOPIC', 'customer_updates'),
      sensorPartitions: positiveInt(env, 'SENSOR_PARTITIONS', 3),
      cdcPartitions: positiveInt(env, 'CDC_PARTITIONS', 3),
      auth: oneOf(env, 'KAFKA_AUTH', ['none', 'aws-iam'] as const, 'none'),
      clusterArn: optional(env, 'MSK_CLUSTER_ARN'),
    },
    modelName: text(env, 'MODEL_NAME', 'response'),
    stream: { limits: limits(env, 'STREAM_LIMITS'), zScore: positiveNumber(env, 'STREAM_ZSCORE') },
    analyticsDataset: optional(env, 'ANALYTICS_DATASET'),
  };
}

/**
 * Requires a setting that has no default in this context (for example the brokers of a command
 * that only makes sense against a real Kafka), naming it when absent.
 *
 * @example
 * const brokers = required(config.kafka.brokers.join(','), 'KAFKA_BROKERS', 'is required by consume');
 */
export function required<T>(value: T | undefined | '', key: string, reason = 'is required'): T {
  if (value === undefined || value === '') throw new ConfigError(key, reason);
  return value;
}
