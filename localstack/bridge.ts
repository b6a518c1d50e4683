/**
 * `npm run local:bridge`: what community LocalStack lacks, done beside it.
 *
 * LocalStack (community) has no Kafka trigger, so the bridge runs Lambda's Kafka event source
 * mapping locally (the event-source emulator, shared/emulator, through `serveFunction`) on the
 * compose Kafka, for every Kafka-triggered function of functions/manifest.ts (`sensor_data` ->
 * stream, `customer_updates` -> cdc). It hands each batch
 *
 * - to the deployed functions with Lambda Invoke (default; LocalStack with Docker runs them), or
 * - with `--in-process`, to the same handlers imported into this process (LocalStack without
 *   Docker cannot run Lambda code). In that mode it also stands in for S3's notifications, which
 *   LocalStack cannot deliver to a function it cannot run: it watches the data bucket and calls
 *   each S3-triggered function of the manifest for new objects matching its trigger (preprocess
 *   for `raw/`, analytics for `processed/.../latest.json`), the filters the stack configures.
 *
 * Options: --in-process, --until-idle (exit once the topics are drained and nothing arrived for
 * --idle-ms), --outputs <file> (cdklocal's outputs, default cdk.out/local-outputs.json).
 * Environment: S3_ENDPOINT (default http://localhost:4566), KAFKA_BROKERS (default
 * localhost:9092), AWS_REGION.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Event } from 'aws-lambda';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Functions, KafkaFunctionNames, S3FunctionNames, type KafkaFunctionName } from '../functions/manifest.js';
import type { KafkaHandler, EventSourceStats, EventSourceEvent } from '../shared/emulator/index.js';
import { s3CreatedEvent } from '../shared/emulator/s3-notification.js';
import { Areas, LocalBucketNames, loadConfig, type PipelineConfig } from '../shared/config.js';
import { classifyAwsError, describeAwsError } from '../shared/adapters/aws-errors.js';
import { PipelineError } from '../shared/errors.js';
import type { ObjectStore } from '../shared/ports/object-store.js';

/** The Kafka-triggered functions the bridge feeds: every one of the manifest. */
export const BridgedFunctions = KafkaFunctionNames;
export type BridgedFunction = KafkaFunctionName;

/**
 * The environment of the local stage's functions, for handlers run in this process: the fixed
 * bucket names of the stage and LocalStack's S3 endpoint. Values already set win.
 *
 * @example
 * Object.assign(process.env, localEnvironment('http://localhost:4566', process.env));
 */
export function localEnvironment(s3Endpoint: string, env: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const defaults: Record<string, string> = {
    PIPELINE_STORE: 's3',
    S3_ENDPOINT: s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    RAW_BUCKET: LocalBucketNames.data,
    PROCESSED_BUCKET: LocalBucketNames.data,
    RESULTS_BUCKET: LocalBucketNames.data,
    MODELS_BUCKET: LocalBucketNames.models,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, env[key] ?? value]));
}

/**
 * A handler that invokes a deployed function with Lambda Invoke and fails (retriably, so the
 * emulator retries and bisects) when the function reports an error.
 *
 * @example
 * const handler = lambdaInvoker(new LambdaClient({ endpoint: 'http://localhost:4566' }), 'Pipeline-local-FunctionsStream...');
 */
export function lambdaInvoker(client: Pick<LambdaClient, 'send'>, functionName: string): KafkaHandler {
  return async (event) => {
    let out;
    try {
      out = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }));
    } catch (error) {
      const kind = classifyAwsError(error);
      throw new PipelineError(`invoking ${functionName} ${describeAwsError(error, kind)}`, { cause: error, retriable: kind.failure === 'transient' });
    }
    const payload = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
    if (out.FunctionError !== undefined) {
      throw new PipelineError(`${functionName} failed (${out.FunctionError}): ${payload.slice(0, 500)}`, { retriable: true });
    }
    return payload === '' ? undefined : (JSON.parse(payload) as unknown);
  };
}

/** The deployed function names cdklocal wrote (`<name>FunctionName` outputs of `Pipeline-local`). */
export function deployedFunctionNames(outputsFile: string): Partial<Record<string, string>> {
  if (!existsSync(outputsFile)) throw new PipelineError(`${outputsFile} does not exist: run \`npm run local:deploy\` first (or use --in-process)`);
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  const stack = outputs['Pipeline-local'] ?? {};
  return Object.fromEntries(Object.entries(stack).filter(([k]) => k.endsWith('FunctionName')).map(([k, v]) => [k.replace(/FunctionName$/, ''), v]));
}

type ObjectHandler = (event: S3Event) => Promise<unknown>;

/**
 * Stands in for the data bucket's notifications: each call lists the bucket once and hands every
 * object not seen before (by key and ETag) that matches a route to its handler, in key order.
 * Returns the keys delivered. Objects present at the first call are delivered too.
 *
 * @example
 * const watch = s3Notifier(store, 'pipeline-local-data', 'us-east-1', [{ prefix: 'raw/', handler }]);
 * await watch(); // ['raw/marketing_campaign.csv']
 */
export function s3Notifier(
  store: ObjectStore,
  bucket: string,
  region: string,
  routes: ReadonlyArray<{ prefix: string; suffix?: string; handler: ObjectHandler }>,
): () => Promise<string[]> {
  const seen = new Map<string, string>();
  return async () => {
    const delivered: string[] = [];
    for (const route of routes) {
      for (const object of await store.list(route.prefix)) {
        if (route.suffix !== undefined && !object.key.endsWith(route.suffix)) continue;
        if (seen.get(object.key) === object.etag) continue;
        seen.set(object.key, object.etag);
        await route.handler(s3CreatedEvent(bucket, object, region));
        delivered.push(object.key);
      }
    }
    return delivered;
  };
}

export interface BridgeOptions {
  readonly config: PipelineConfig;
  /** `invoke`: the deployed functions (needs LocalStack with Docker); `in-process`: this process. */
  readonly mode: 'invoke' | 'in-process';
  /** Function names for `invoke` mode. */
  readonly functionNames?: Partial<Record<string, string>>;
  /** Which Kafka functions to bridge. @default all of them */
  readonly functions?: readonly BridgedFunction[];
  /** Stop once everything is drained and quiet this long; without it, run until `signal`. */
  readonly untilIdleMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (name: string, event: EventSourceEvent) => void;
  /** How often the in-process notifier lists the bucket. @default 1000 */
  readonly pollMs?: number;
}

export interface BridgeResult {
  readonly kafka: Partial<Record<BridgedFunction, EventSourceStats>>;
  readonly objects: string[];
}

/**
 * Runs the bridge: the Kafka event sources of stream and cdc and, in process mode, the S3
 * notifications of preprocess and analytics. Resolves when idle (`untilIdleMs`) or aborted.
 *
 * @example
 * await runBridge({ config: loadConfig(process.env), mode: 'in-process', untilIdleMs: 3000 });
 */
export async function runBridge(options: BridgeOptions): Promise<BridgeResult> {
  const { serveFunction } = await import('../shared/emulator/functions.js');
  const { openKafkaLog } = await import('../shared/event-logs.js');
  const { openStore } = await import('../shared/stores.js');
  const { config } = options;
  const lambda = new LambdaClient({ region: config.s3.region, ...(config.s3.endpoint ? { endpoint: config.s3.endpoint } : {}) });
  const wanted = options.functions ?? BridgedFunctions;
  const handlerFor = async (name: BridgedFunction): Promise<KafkaHandler> => {
    if (options.mode === 'in-process') return (await Functions[name].load()).handlerFor(config);
    const functionName = options.functionNames?.[name];
    if (functionName === undefined) throw new PipelineError(`no deployed ${name} function in the outputs: deploy the stage again (npm run local:deploy)`);
    return lambdaInvoker(lambda, functionName);
  };

  const objects: string[] = [];
  let notifier: (() => Promise<string[]>) | undefined;
  if (options.mode === 'in-process') {
    // the notifications the stack configures: each S3-triggered function's area prefix and suffix
    const routes: Array<{ prefix: string; suffix?: string; handler: ObjectHandler }> = [];
    for (const name of S3FunctionNames) {
      const { trigger } = Functions[name];
      routes.push({ prefix: Areas[trigger.area], ...('suffix' in trigger ? { suffix: trigger.suffix } : {}), handler: (await Functions[name].load()).handlerFor(config) });
    }
    notifier = s3Notifier(openStore(config, 'raw'), config.buckets.raw, config.s3.region, routes);
  }

  const log = wanted.length === 0 ? undefined : await openKafkaLog(config, {}, 'the LocalStack bridge');
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const kafka: Partial<Record<BridgedFunction, EventSourceStats>> = {};
  try {
    const serving = wanted.map(async (name) => {
      kafka[name] = await serveFunction(name, log!, config, {
        handler: await handlerFor(name),
        group: `pipeline-local-${name}`,
        ...(options.untilIdleMs === undefined ? { signal: stop.signal } : { untilIdleMs: options.untilIdleMs }),
        ...(options.onEvent ? { onEvent: (event: EventSourceEvent) => options.onEvent!(name, event) } : {}),
      });
    });
    const watching = (async () => {
      if (!notifier) return;
      let quietSince = Date.now();
      while (!stop.signal.aborted) {
        const delivered = await notifier();
        objects.push(...delivered);
        if (delivered.length > 0) quietSince = Date.now();
        else if (options.untilIdleMs !== undefined && Date.now() - quietSince >= options.untilIdleMs) return;
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
      }
    })();
    await Promise.all([...serving, watching]);
  } finally {
    await log?.close();
  }
  return { kafka, objects };
}

async function main(argv: readonly string[]): Promise<void> {
  const flag = (name: string): boolean => argv.includes(name);
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const mode = flag('--in-process') ? 'in-process' : 'invoke';
  const env = {
    ...process.env,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? 'localhost:9092',
    ...localEnvironment(process.env.S3_ENDPOINT ?? 'http://localhost:4566', process.env),
  };
  if (mode === 'in-process') Object.assign(process.env, env);
  const config = loadConfig(env);
  const functionNames = mode === 'invoke' ? deployedFunctionNames(value('--outputs', 'cdk.out/local-outputs.json')) : undefined;
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  process.stderr.write(`bridge (${mode}): Kafka ${config.kafka.brokers.join(',')} -> stream, cdc; S3 ${config.s3.endpoint}\n`);
  const result = await runBridge({
    config,
    mode,
    functionNames,
    signal: stop.signal,
    ...(flag('--until-idle') ? { untilIdleMs: Number(value('--idle-ms', '3000')) } : {}),
    onEvent: (name, event) => {
      if (event.type === 'success') process.stderr.write(`${name}: partition ${event.partition} offsets ${event.firstOffset}-${event.lastOffset} (${event.records} records, ${event.ms} ms)\n`);
      if (event.type === 'failure') process.stderr.write(`${name}: partition ${event.partition} offsets ${event.firstOffset}-${event.lastOffset} sent to the on-failure destination (${event.condition})\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bridge: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
