/**
 * The pipeline's runtime configuration: one zod schema over the environment, read once by
 * {@link loadConfig}. Every setting has a default (docs/configuration.md lists them); a malformed
 * one is a {@link ConfigError} whose one-line message starts with the variable's name.
 *
 * zod does the parsing and the error reporting; the few value shapes of our own (a broker list,
 * `measure=min:max` limits) are refinements inside the schema, not a second parser.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { Measures, type Measure } from './stream/measures.js';

/** Where objects live: a folder on disk (the embedded default) or an S3 API. */
export const StoreKinds = ['folder', 's3'] as const;
export type StoreKind = (typeof StoreKinds)[number];

/**
 * The storage areas, each a key prefix. Every key starts with its area's prefix, so an area is a
 * (bucket, prefix) pair: all four may share one bucket.
 */
export const Areas = { raw: 'raw/', processed: 'processed/', models: 'models/', results: 'results/' } as const;
export type Area = keyof typeof Areas;

/** The variable that names each area's bucket (the CDK stack sets them; `PIPELINE_BUCKET` is the fallback). */
export const AreaBucketEnv = { raw: 'RAW_BUCKET', processed: 'PROCESSED_BUCKET', models: 'MODELS_BUCKET', results: 'RESULTS_BUCKET' } as const satisfies Record<Area, string>;

/** The `local` stage's fixed bucket names (LocalStack only; AWS stages use generated names). */
export const LocalBucketNames = { data: 'pipeline-local-data', models: 'pipeline-local-models', deadLetter: 'pipeline-local-dead-letter' } as const;

/**
 * The pipeline's Kafka topics: the variables that name them and set their partition counts, and
 * their defaults. A Kafka-triggered function names one of these (functions/manifest.ts).
 */
export const Topics = {
  sensor: { nameEnv: 'SENSOR_TOPIC', name: 'sensor_data', partitionsEnv: 'SENSOR_PARTITIONS', partitions: 3 },
  cdc: { nameEnv: 'CDC_TOPIC', name: 'customer_updates', partitionsEnv: 'CDC_PARTITIONS', partitions: 3 },
} as const;
export type TopicName = keyof typeof Topics;

/** Bounds on one sensor measure: a side left out has no bound. */
export type Bounds = { readonly min?: number; readonly max?: number };

/** The pipeline's whole configuration, read once from the environment by {@link loadConfig}. */
export interface PipelineConfig {
  /** Root folder of the embedded object store (`PIPELINE_DATA_DIR`, default `data`). */
  readonly dataDir: string;
  /** `folder` or `s3` (`PIPELINE_STORE`; default `s3` when an S3 endpoint is set, else `folder`). */
  readonly store: StoreKind;
  readonly s3: {
    /**
     * Any S3-compatible server, undefined meaning AWS itself: `S3_ENDPOINT`, else the SDK's own
     * `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (which LocalStack sets inside functions).
     */
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
    /** `S3_TIMEOUT_MS`: how long one S3 request may take before it fails (retriably). Default 30,000. */
    readonly requestTimeoutMs: number;
  };
  /** Bucket of each area (`RAW_BUCKET`, ...; each defaults to `PIPELINE_BUCKET`, default `pipeline`). */
  readonly buckets: Readonly<Record<Area, string>>;
  readonly kafka: {
    /** `KAFKA_BROKERS`, comma-separated; empty means the in-process log. */
    readonly brokers: readonly string[];
    /** `KAFKA_CLIENT_ID`, default `pipeline`. */
    readonly clientId: string;
    /** Each topic's name and partitions (`SENSOR_TOPIC`, `SENSOR_PARTITIONS`, ...; see {@link Topics}). */
    readonly topics: Readonly<Record<TopicName, { readonly name: string; readonly partitions: number }>>;
    /** `KAFKA_AUTH`: `none` (plaintext, default) or `aws-iam` (TLS + IAM, for MSK). */
    readonly auth: 'none' | 'aws-iam';
    /** `MSK_CLUSTER_ARN`: when set, brokers are looked up with GetBootstrapBrokers. */
    readonly clusterArn: string | undefined;
  };
  /** `MODEL_NAME`, default `response`: the CDC model's folder under `models/`. */
  readonly modelName: string;
  readonly stream: {
    /**
     * `STREAM_LIMITS`: hard limits overriding the streaming function's defaults, per measure, as
     * `temperature=-40:85,battery=10:` (an empty side has no bound). Unset: the defaults.
     */
    readonly limits: Readonly<Partial<Record<Measure, Bounds>>>;
    /** `STREAM_ZSCORE`: how many standard deviations from a sensor's mean make a window anomalous; unset: 4. */
    readonly zScore: number | undefined;
    /**
     * `STREAM_TIME_RANGE`: the event times a reading may carry, `<from>/<to>` as ISO-8601 instants
     * (either side may be empty): `2024-01-01T00:00:00Z/` for a backfill of older readings. Unset:
     * from 2000-01-01 to one day after the record that carries the reading.
     */
    readonly timeRange: { readonly earliest?: number; readonly latest?: number };
  };
  /**
   * `ANALYTICS_DATASET`: the dataset the analytics function analyses (`processed/<dataset>/`);
   * unset means the most recently cleaned one.
   */
  readonly analyticsDataset: string | undefined;
}

// Each variable: absent or blank means "not set"; otherwise trimmed and checked. The messages
// follow the variable's name ("KAFKA_BROKERS must be ..."), which loadConfig puts in front.
const got = (input: unknown): string => `got '${String(input)}'`;
const unset = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
const optional = z.string().optional().transform(unset);
const setting = <T extends z.ZodType<unknown, string>>(schema: T) => optional.pipe(schema.optional());

const wholeNumber = setting(
  z.string().regex(/^\d+$/, { error: (issue) => `must be a positive whole number, ${got(issue.input)}` }).transform(Number).pipe(z.number().min(1, { error: (issue) => `must be a positive whole number, ${got(issue.input)}` })),
);
const positiveNumber = setting(
  z.string().refine((text) => Number(text) > 0 && Number.isFinite(Number(text)), { error: (issue) => `must be a positive number, ${got(issue.input)}` }).transform(Number),
);
const flag = setting(
  z
    .string()
    .regex(/^(1|true|yes|0|false|no)$/i, { error: (issue) => `must be true or false, ${got(issue.input)}` })
    .transform((text) => /^(1|true|yes)$/i.test(text)),
);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  setting(z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}, ${got(issue.input)}` }));
const url = setting(z.url({ error: (issue) => `must be a URL such as http://localhost:4566, ${got(issue.input)}` }));
const brokerList = optional.transform((text, ctx) => {
  const brokers = (text ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[\w.-]+:\d+$/.test(broker)) ctx.addIssue({ code: 'custom', message: `must be host:port[,host:port...], got '${broker}'` });
  }
  return brokers;
});
const limits = optional.transform((text, ctx) => {
  const out: Partial<Record<Measure, Bounds>> = {};
  for (const item of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^(\w+)=([^:]*):([^:]*)$/.exec(item);
    const bound = (side: string | undefined): number | undefined => (side === undefined || side.trim() === '' ? undefined : Number(side));
    const [min, max] = [bound(match?.[2]), bound(match?.[3])];
    if (!match || !(Measures as readonly string[]).includes(match[1]!) || Number.isNaN(min) || Number.isNaN(max)) {
      ctx.addIssue({ code: 'custom', message: `must be measure=min:max pairs (measures: ${Measures.join(', ')}; a side may be empty), got '${item}'` });
      continue;
    }
    out[match[1] as Measure] = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
  }
  return out;
});

const instant = (side: string): number | undefined | null => {
  if (side.trim() === '') return undefined;
  // a zone is required: an instant, not a local time that depends on the machine
  return /(Z|[+-]\d\d:\d\d)$/.test(side.trim()) && !Number.isNaN(Date.parse(side.trim())) ? Date.parse(side.trim()) : null;
};
const timeRange = optional.transform((text, ctx) => {
  if (text === undefined) return {};
  const parts = text.split('/');
  const [earliest, latest] = parts.map(instant);
  if (parts.length !== 2 || earliest === null || latest === null || (earliest !== undefined && latest !== undefined && earliest > latest)) {
    ctx.addIssue({ code: 'custom', message: `must be <from>/<to>, ISO-8601 instants with a zone (either side may be empty), from before to, got '${text}'` });
    return {};
  }
  return { ...(earliest === undefined ? {} : { earliest }), ...(latest === undefined ? {} : { latest }) };
});

const topicVariables = Object.fromEntries(
  Object.values(Topics).flatMap((t) => [
    [t.nameEnv, optional],
    [t.partitionsEnv, wholeNumber],
  ]),
) as Record<string, typeof optional | typeof wholeNumber>;
const bucketVariables = Object.fromEntries(Object.values(AreaBucketEnv).map((name) => [name, optional])) as Record<string, typeof optional>;

/** The environment, variable by variable: what each may hold, parsed. */
const Environment = z.object({
  PIPELINE_DATA_DIR: optional,
  PIPELINE_STORE: oneOf(StoreKinds),
  S3_ENDPOINT: url,
  AWS_ENDPOINT_URL_S3: url,
  AWS_ENDPOINT_URL: url,
  AWS_REGION: optional,
  AWS_DEFAULT_REGION: optional,
  S3_FORCE_PATH_STYLE: flag,
  S3_TIMEOUT_MS: wholeNumber,
  AWS_ACCESS_KEY_ID: optional,
  AWS_PROFILE: optional,
  PIPELINE_BUCKET: optional,
  ...bucketVariables,
  KAFKA_BROKERS: brokerList,
  KAFKA_CLIENT_ID: optional,
  ...topicVariables,
  KAFKA_AUTH: oneOf(['none', 'aws-iam'] as const),
  MSK_CLUSTER_ARN: optional,
  MODEL_NAME: optional,
  STREAM_LIMITS: limits,
  STREAM_ZSCORE: positiveNumber,
  STREAM_TIME_RANGE: timeRange,
  ANALYTICS_DATASET: optional,
});

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the pipeline's configuration from an environment, once. Every setting has a documented
 * default (docs/configuration.md); a malformed one throws a {@link ConfigError} naming it.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.kafka.topics.sensor.name; // 'sensor_data' unless SENSOR_TOPIC says otherwise
 */
export function loadConfig(env: Env): PipelineConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'the environment'), issue.message);
  }
  const vars = parsed.data;
  const text = (key: string): string | undefined => vars[key as keyof typeof vars] as string | undefined;
  const endpoint = vars.S3_ENDPOINT ?? vars.AWS_ENDPOINT_URL_S3 ?? vars.AWS_ENDPOINT_URL;
  const bucket = vars.PIPELINE_BUCKET ?? 'pipeline';
  const buckets = Object.fromEntries(Object.entries(AreaBucketEnv).map(([area, name]) => [area, text(name) ?? bucket])) as Record<Area, string>;
  const topics = Object.fromEntries(
    Object.entries(Topics).map(([key, t]) => [key, { name: text(t.nameEnv) ?? t.name, partitions: (vars[t.partitionsEnv as keyof typeof vars] as number | undefined) ?? t.partitions }]),
  ) as PipelineConfig['kafka']['topics'];
  return {
    dataDir: vars.PIPELINE_DATA_DIR ?? 'data',
    store: vars.PIPELINE_STORE ?? (endpoint === undefined ? 'folder' : 's3'),
    s3: {
      endpoint,
      region: vars.AWS_REGION ?? vars.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: vars.S3_FORCE_PATH_STYLE ?? endpoint !== undefined,
      placeholderCredentials: endpoint !== undefined && vars.AWS_ACCESS_KEY_ID === undefined && vars.AWS_PROFILE === undefined,
      requestTimeoutMs: vars.S3_TIMEOUT_MS ?? 30_000,
    },
    buckets,
    kafka: {
      brokers: vars.KAFKA_BROKERS,
      clientId: vars.KAFKA_CLIENT_ID ?? 'pipeline',
      topics,
      auth: vars.KAFKA_AUTH ?? 'none',
      clusterArn: vars.MSK_CLUSTER_ARN,
    },
    modelName: vars.MODEL_NAME ?? 'response',
    stream: { limits: vars.STREAM_LIMITS, zScore: vars.STREAM_ZSCORE, timeRange: vars.STREAM_TIME_RANGE },
    analyticsDataset: vars.ANALYTICS_DATASET,
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
