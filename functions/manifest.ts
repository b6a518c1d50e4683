/**
 * The pipeline's functions, in pipeline order: each one's handler module, trigger, sizing,
 * retries, failure destination and the storage areas it reads and writes. Everything that runs a
 * function reads this list and nothing else: the CDK stack (infra/constructs/functions.ts), the
 * event-source emulator and `pipeline serve` (shared/emulator/functions.ts), `pipeline run`
 * (shared/pipeline/run.ts) and the LocalStack bridge (localstack/bridge.ts).
 *
 * Adding a function is its folder, `functions/<name>/handler.ts` (exporting `handlerFor` and
 * `handler`, see shared/lambda/handler.ts), and its entry here. docs/architecture.md walks
 * through it.
 */
import type { S3Event } from 'aws-lambda';
import type { Area, TopicName } from '../shared/config.js';
import type { HandlerModule } from '../shared/lambda/handler.js';
import type { KafkaEvent } from '../shared/lambda/kafka-event.js';

/** What a function may do in an area (the IAM grant on the area's prefix, and nothing more). */
export type Access = 'read' | 'write' | 'readWrite';

/** Started by S3 when an object is created under an area's prefix (and, if given, ends with `suffix`). */
export interface S3Trigger {
  readonly kind: 's3';
  readonly area: Area;
  /** The key suffix that starts the function; the stage may override it (`<name>TriggerSuffix`). */
  readonly suffix?: string;
}

/** Started by a Kafka event source mapping on one of the pipeline's topics (shared/config.ts, `Topics`). */
export interface KafkaTrigger {
  readonly kind: 'kafka';
  readonly topic: TopicName;
  /** Records per invocation on AWS (`<name>BatchSize` overrides). */
  readonly batchSize: number;
  /** How long the event source gathers a batch on AWS (`<name>BatchWindowSeconds` overrides). */
  readonly batchWindowSeconds: number;
  /** Where the local event source (the emulator) writes the invocation record of a batch it gives up on. On AWS: the stage's dead-letter bucket, or `<topic>.dlq`. */
  readonly onFailure: { readonly area: Area; readonly prefix: string };
}

interface FunctionBase {
  /** One line for people: what the function does. */
  readonly description: string;
  /** Memory in MB on AWS (`<name>MemoryMb` overrides). */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Retries before the event or batch goes to the failure destination (`<name>RetryAttempts`
   * overrides): Lambda's asynchronous retries for S3-triggered functions, the event source
   * mapping's for Kafka-triggered ones, where -1 means until the batch succeeds (never given up;
   * no failure destination then, since Lambda caps a mapping that has one at 10 retries).
   */
  readonly retryAttempts: number;
  /** The areas it reads or writes; each becomes a bucket variable and an IAM grant. */
  readonly areas: Readonly<Partial<Record<Area, Access>>>;
  /** Node.js options the function runs with on AWS (added to its NODE_OPTIONS), and the benchmark measures it with. @default none */
  readonly nodeOptions?: readonly string[];
}

export interface S3Function extends FunctionBase {
  readonly trigger: S3Trigger;
  /** Its handler module, loaded on demand (the stack bundles the same file from `functions/<name>/handler.ts`). */
  readonly load: () => Promise<HandlerModule<S3Event, unknown>>;
}

export interface KafkaFunction extends FunctionBase {
  readonly trigger: KafkaTrigger;
  readonly load: () => Promise<HandlerModule<KafkaEvent, unknown>>;
}

export type FunctionSpec = S3Function | KafkaFunction;

/** The functions, by name: the name is the folder under functions/ and the stack's construct id. */
export const Functions = {
  preprocess: {
    description: 'cleans a CSV dropped under raw/ into processed/<name>/<version>/ and points latest.json at it',
    trigger: { kind: 's3', area: 'raw' },
    load: () => import('./preprocess/handler.js'),
    memoryMb: 2048,
    timeoutSeconds: 600,
    retryAttempts: 2,
    areas: { raw: 'read', processed: 'readWrite' },
  },
  stream: {
    description: 'aggregates sensor readings per sensor and minute into exact partials, dead-lettering malformed ones',
    trigger: { kind: 'kafka', topic: 'sensor', batchSize: 500, batchWindowSeconds: 5, onFailure: { area: 'results', prefix: 'results/stream/on-failure/' } },
    load: () => import('./stream/handler.js'),
    memoryMb: 512,
    timeoutSeconds: 120,
    retryAttempts: 3,
    areas: { results: 'readWrite' },
  },
  cdc: {
    description: "applies customer change events to the model's state exactly once and publishes the model",
    trigger: { kind: 'kafka', topic: 'cdc', batchSize: 1000, batchWindowSeconds: 1, onFailure: { area: 'results', prefix: 'results/cdc/on-failure/' } },
    load: () => import('./cdc/handler.js'),
    memoryMb: 1024,
    timeoutSeconds: 120,
    // never given up: a skipped change would leave the model wrong for good (docs/cdc.md, "Never losing a change")
    retryAttempts: -1,
    areas: { models: 'readWrite' },
    // a batch of 1,000 change events makes a few MB of parsed JSON and rows that live until its
    // commit: V8's default young generation (16 MB semi-spaces) collects several times a batch and
    // promotes what is still live, which the old generation's collector then marks again among the
    // whole table held in memory. 64 MB lets a batch's garbage die young (about 1.5 µs a change
    // less at 1M customers, none at 100k, `npm run bench -- cdc`), for about 100 MB more memory at peak
    // (two semi-spaces of 64 MB instead of 16).
    nodeOptions: ['--max-semi-space-size=64'],
  },
  analytics: {
    description: 'runs the eight analyses over the cleaned table kept in memory, and writes the report',
    trigger: { kind: 's3', area: 'processed', suffix: 'latest.json' },
    load: () => import('./analytics/handler.js'),
    memoryMb: 10240,
    timeoutSeconds: 900,
    retryAttempts: 1,
    areas: { processed: 'read', models: 'read', results: 'readWrite' },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof Functions;

/** The names of the functions a Kafka topic triggers. */
export type KafkaFunctionName = { [K in FunctionName]: (typeof Functions)[K]['trigger']['kind'] extends 'kafka' ? K : never }[FunctionName];

/** The names of the functions S3 triggers. */
export type S3FunctionName = Exclude<FunctionName, KafkaFunctionName>;

/** Every function's name, in pipeline order. */
export const FunctionNames = Object.keys(Functions) as FunctionName[];

/**
 * Whether a function is triggered by Kafka.
 *
 * @example
 * FunctionNames.filter(isKafkaFunction); // ['stream', 'cdc']
 */
export function isKafkaFunction(name: FunctionName): name is KafkaFunctionName {
  return Functions[name].trigger.kind === 'kafka';
}

/** The names of the Kafka-triggered functions, in pipeline order. */
export const KafkaFunctionNames = FunctionNames.filter(isKafkaFunction);

/** The names of the S3-triggered functions, in pipeline order. */
export const S3FunctionNames = FunctionNames.filter((name): name is S3FunctionName => !isKafkaFunction(name));
