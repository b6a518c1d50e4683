/**
 * `npm run local:bridge`: the Kafka triggers of the `local` stage.
 *
 * Community LocalStack has no MSK and no Kafka event source mappings, so the bridge runs Lambda's
 * Kafka event source mapping here (the event-source emulator, with each function's batch size and
 * window from functions/manifest.ts) on the local Kafka broker, for every Kafka-triggered function
 * (`sensor_data` -> stream, `customer_updates` -> cdc), and hands each batch to the function
 * deployed on LocalStack with Lambda `Invoke`. A function error is retried
 * with backoff and bisected, and a batch that still fails goes to the on-failure destination
 * (`results/<function>/on-failure/` in the stage's data bucket), as the deployed stage's S3
 * failure destination would hold it.
 *
 * Options (`npm run local:bridge -- --help`): --until-idle, --idle-ms, --functions, --outputs; an
 * unknown one is refused. Environment: KAFKA_BROKERS (default localhost:9092), AWS_ENDPOINT_URL
 * (default http://127.0.0.1:4566), SENSOR_TOPIC, CDC_TOPIC, and the other pipeline settings.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { Functions, KafkaFunctionNames, type KafkaFunctionName } from '../functions/manifest.js';
import { classifyAwsError, describeAwsError } from '../shared/adapters/aws-errors.js';
import { loadConfig, type PipelineConfig } from '../shared/config.js';
import type { EventSourceEvent, EventSourceStats, KafkaHandler } from '../shared/emulator/index.js';
import { PipelineError } from '../shared/errors.js';
import { deployedStage, localAwsEnvironment, OutputsFile, type DeployedStage } from './deploy.js';
import { isEntryPoint } from '../shared/cli/entry.js';
import { localstackAnswers } from './localstack.js';

/** The Kafka-triggered functions the bridge feeds: every one of the manifest. */
export const BridgedFunctions = KafkaFunctionNames;
export type BridgedFunction = KafkaFunctionName;

/** A function's batching on AWS (the manifest's defaults), which the bridge reproduces. */
function batching(name: BridgedFunction): { batchSize: number; maxBatchingWindowMs: number } {
  const { batchSize, batchWindowSeconds } = Functions[name].trigger;
  return { batchSize, maxBatchingWindowMs: batchWindowSeconds * 1000 };
}

/**
 * The pipeline configuration the bridge and the deployed functions share: the stage's buckets on
 * LocalStack's S3, the broker, and whatever else `env` sets.
 *
 * @example
 * const config = stageConfig(deployedStage(), process.env);
 */
export function stageConfig(stage: DeployedStage, env: NodeJS.ProcessEnv): PipelineConfig {
  const { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region } = localAwsEnvironment(env);
  // no credentials named: with an endpoint set, the configuration signs with LocalStack's placeholders
  const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, AWS_SESSION_TOKEN: _token, AWS_PROFILE: _profile, ...rest } = env;
  return loadConfig({
    ...rest,
    AWS_REGION: region,
    PIPELINE_STORE: 's3',
    S3_ENDPOINT: env.S3_ENDPOINT ?? endpoint,
    RAW_BUCKET: stage.dataBucket,
    PROCESSED_BUCKET: stage.dataBucket,
    RESULTS_BUCKET: stage.dataBucket,
    MODELS_BUCKET: stage.modelsBucket,
    KAFKA_BROKERS: env.KAFKA_BROKERS ?? 'localhost:9092',
  });
}

/**
 * A handler that invokes a deployed function with Lambda Invoke. A function error fails the batch
 * retriably, so the event source retries and bisects it as Lambda's would.
 *
 * @example
 * const handler = lambdaInvoker(new LambdaClient({ endpoint: 'http://127.0.0.1:4566' }), 'Pipeline-local-FunctionsStream...');
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

export interface BridgeOptions {
  readonly config: PipelineConfig;
  readonly stage: DeployedStage;
  /** @default both */
  readonly functions?: readonly BridgedFunction[];
  /** Stop once everything is drained and quiet this long; without it, run until `signal` aborts. */
  readonly untilIdleMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (name: BridgedFunction, event: EventSourceEvent) => void;
}

/**
 * Runs the Kafka event sources of the stream and cdc functions against the deployed stage.
 * Resolves with each one's counts when idle (`untilIdleMs`) or aborted.
 *
 * @example
 * await runBridge({ config, stage: deployedStage(), untilIdleMs: 3000 });
 */
export async function runBridge(options: BridgeOptions): Promise<Partial<Record<BridgedFunction, EventSourceStats>>> {
  const { serveFunction } = await import('../shared/emulator/functions.js');
  const { openKafkaLog } = await import('../shared/event-logs.js');
  const { config, stage } = options;
  const lambda = new LambdaClient({ region: config.s3.region, endpoint: config.s3.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const wanted = options.functions ?? BridgedFunctions;
  for (const name of wanted) {
    if (stage.functions[name] === undefined) throw new PipelineError(`the deployed stage has no ${name} function: deploy again with \`npm run local:deploy\``);
  }
  const log = await openKafkaLog(config, {}, 'the LocalStack bridge');
  const stats: Partial<Record<BridgedFunction, EventSourceStats>> = {};
  try {
    await Promise.all(
      wanted.map(async (name) => {
        stats[name] = await serveFunction(name, log, config, {
          ...batching(name),
          handler: lambdaInvoker(lambda, stage.functions[name]!),
          group: `pipeline-local-${name}`,
          ...(options.untilIdleMs === undefined ? { signal: options.signal } : { untilIdleMs: options.untilIdleMs }),
          ...(options.onEvent ? { onEvent: (event: EventSourceEvent) => options.onEvent!(name, event) } : {}),
        });
      }),
    );
  } finally {
    await log.close();
  }
  return stats;
}

function describe(name: string, event: EventSourceEvent): string | undefined {
  const range = 'firstOffset' in event ? `partition ${event.partition} offsets ${event.firstOffset}-${event.lastOffset}` : '';
  if (event.type === 'success') return `${name}: ${range} (${event.records} records, ${Math.round(event.ms)} ms)`;
  if (event.type === 'error') return `${name}: ${range} failed (attempt ${event.attempt}): ${(event.error as Error)?.message ?? String(event.error)}`;
  if (event.type === 'failure') return `${name}: ${range} sent to the on-failure destination ${event.key ?? ''} (${event.condition})`;
  return undefined;
}

const Usage = `usage: npm run local:bridge -- [options]

Feeds the Kafka topics to the functions deployed on LocalStack, as Lambda's Kafka event source
mappings would: ${BridgedFunctions.map((f) => `${Functions[f].trigger.topic.toUpperCase()}_TOPIC -> ${f}`).join(', ')}, through Lambda Invoke.

Options:
  --until-idle         exit once the topics are drained and quiet for --idle-ms (default: run until Ctrl-C)
  --idle-ms <ms>       quiet time that counts as idle (default: 3000)
  --functions <list>   the functions to feed, comma-separated (default: ${BridgedFunctions.join(',')})
  --outputs <file>     cdklocal's outputs (default: cdk.out/local-outputs.json, written by npm run local:deploy)
  -h, --help           print this

Environment: KAFKA_BROKERS (default localhost:9092), AWS_ENDPOINT_URL (default http://127.0.0.1:4566),
SENSOR_TOPIC, CDC_TOPIC and the other pipeline settings.
`;

/** The bridge's options; an unknown one is a one-line error. */
function parseOptions(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'until-idle': { type: 'boolean', default: false },
        'idle-ms': { type: 'string', default: '3000' },
        functions: { type: 'string', default: BridgedFunctions.join(',') },
        outputs: { type: 'string', default: OutputsFile },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new PipelineError(`${(error as Error).message.split('. ')[0]} (npm run local:bridge -- --help lists the options)`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(Usage);
    return;
  }
  const idleMs = Number(options['idle-ms']);
  if (!(Number.isInteger(idleMs) && idleMs > 0)) throw new PipelineError(`--idle-ms: expected a whole number of milliseconds, got '${options['idle-ms']}'`);
  const functions = options.functions.split(',').map((name) => name.trim()) as BridgedFunction[];
  for (const name of functions) if (!BridgedFunctions.includes(name)) throw new PipelineError(`--functions: '${name}' is not a Kafka-triggered function (${BridgedFunctions.join(', ')})`);
  const stage = deployedStage(options.outputs);
  const config = stageConfig(stage, process.env);
  if (!(await localstackAnswers(config.s3.endpoint))) throw new PipelineError(`LocalStack does not answer at ${config.s3.endpoint}: start it with \`npm run local:up\``);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  process.stderr.write(`bridge: Kafka ${config.kafka.brokers.join(',')} -> ${functions.map((f) => `${f} (${stage.functions[f]})`).join(', ')} on LocalStack ${config.s3.endpoint}\n`);
  const stats = await runBridge({
    config,
    stage,
    functions,
    signal: stop.signal,
    ...(options['until-idle'] ? { untilIdleMs: idleMs } : {}),
    onEvent: (name, event) => {
      const line = describe(name, event);
      if (line !== undefined) process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bridge: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
