import { Aws, Duration, RemovalPolicy, Stack, Validations, Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../settings.js';
import { S3FailureDestination, S3FailureRecords } from './failure-records.js';
import { PipelineFunction } from './pipeline-function.js';
import type { Storage } from './storage.js';
import type { Streaming } from './streaming.js';

/** The four pipeline functions, in pipeline order. */
export const FunctionNames = ['preprocess', 'stream', 'cdc', 'analytics'] as const;
export type FunctionName = (typeof FunctionNames)[number];

/** The Kafka topics and the suffix of their dead-letter topics (with `onFailure=kafka`). */
export const Topics = { sensor: 'sensor_data', cdc: 'customer_updates' } as const;
export const DeadLetterSuffix = '.dlq';

/** The queue that receives failed asynchronous invocations in the `local` stage. */
export const LocalFailureQueue = 'pipeline-local-failures';

/**
 * Absolute path of a function's handler, `functions/<name>/handler.ts`.
 *
 * @example
 * handlerEntry('preprocess'); // '/.../functions/preprocess/handler.ts'
 */
export function handlerEntry(name: FunctionName): string {
  return fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));
}

/** parquet-wasm's node build loads this file from `__dirname`: it must sit beside the bundle. */
export const ParquetWasm = createRequire(import.meta.url).resolve('parquet-wasm/node/parquet_wasm_bg.wasm');

export interface FunctionsProps {
  readonly settings: Settings;
  readonly storage: Storage;
  /** The MSK side; absent in the `local` stage, where the bridge feeds the functions. */
  readonly streaming?: Streaming;
  /**
   * The handler file of each function. A function whose file does not exist is left out with a
   * warning, so the stack can be built while the functions are still being written.
   * @default handlerEntry
   */
  readonly entryFor?: (name: FunctionName) => string;
}

/**
 * The four Lambda functions and their triggers.
 *
 * - preprocess: S3 ObjectCreated under `raw/`; asynchronous, so a failed event is retried twice
 *   and then written to the dead-letter bucket.
 * - stream and cdc: Kafka event sources on `sensor_data` and `customer_updates` (see
 *   {@link Functions.subscribe} for the batching and failure choices).
 * - analytics: 10,240 MB, invoked on demand (`aws lambda invoke`) and by S3 when a cleaned
 *   dataset's `latest.json` pointer (written by preprocessing after a cleaned run) lands under `processed/`.
 */
export class Functions extends Construct {
  readonly functions: Partial<Record<FunctionName, PipelineFunction>> = {};
  readonly missing: FunctionName[] = [];
  /**
   * The `local` stage's failure destination for asynchronous invocations: LocalStack does not
   * accept an S3 bucket there (AWS does since 2024), so failed events go to this queue instead.
   */
  readonly localFailures: sqs.Queue | undefined;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { settings, storage, streaming } = props;
    const entryFor = props.entryFor ?? handlerEntry;
    const local = settings.stage === 'local';
    this.localFailures = local ? new sqs.Queue(this, 'LocalFailures', { queueName: LocalFailureQueue, enforceSSL: true, retentionPeriod: Duration.days(14) }) : undefined;
    const make = (name: FunctionName, memorySize: number, timeout: Duration): PipelineFunction | undefined => {
      const entry = entryFor(name);
      if (!existsSync(entry)) {
        this.missing.push(name);
        Annotations.of(this).addWarningV2(`pipeline:missing-handler-${name}`, `${entry} does not exist yet: the ${name} function is left out`);
        return undefined;
      }
      const fn = new PipelineFunction(this, capitalize(name), {
        entry,
        serviceName: `pipeline-${name}`,
        memorySize,
        timeout,
        logRetentionDays: settings.logRetentionDays,
        logRemovalPolicy: settings.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        extraFiles: [ParquetWasm],
        environment: {
          PIPELINE_STORE: 's3',
          SENSOR_TOPIC: Topics.sensor,
          CDC_TOPIC: Topics.cdc,
          // LocalStack gives each function AWS_ENDPOINT_URL (its own address as the function sees
          // it, with either Lambda executor), which the configuration uses for S3; path-style
          // addressing, because bucket subdomains of that address do not resolve.
          ...(local ? { S3_FORCE_PATH_STYLE: 'true' } : {}),
        },
      });
      this.functions[name] = fn;
      return fn;
    };

    const preprocess = make('preprocess', settings.preprocessMemoryMb, Duration.minutes(10));
    if (preprocess) {
      preprocess.bindArea('raw', storage.areas.raw, 'read').bindArea('processed', storage.areas.processed, 'readWrite');
      this.onFailureToDeadLetters(preprocess, storage, 2);
    }
    const stream = make('stream', settings.streamMemoryMb, Duration.minutes(2));
    stream?.bindArea('results', storage.areas.results, 'readWrite');
    const cdc = make('cdc', settings.cdcMemoryMb, Duration.minutes(2));
    cdc?.bindArea('models', storage.areas.models, 'readWrite');
    const analytics = make('analytics', settings.analyticsMemoryMb, Duration.minutes(15));
    if (analytics) {
      analytics
        .bindArea('processed', storage.areas.processed, 'read')
        .bindArea('models', storage.areas.models, 'read')
        .bindArea('results', storage.areas.results, 'readWrite');
      // A failed analysis of a dataset is retried once, then recorded; it can be re-run on demand.
      this.onFailureToDeadLetters(analytics, storage, 1);
    }

    const triggers: Array<{ fn: PipelineFunction; prefix: string; suffix?: string }> = [];
    if (preprocess) triggers.push({ fn: preprocess, prefix: storage.areas.raw.prefix });
    if (analytics) triggers.push({ fn: analytics, prefix: storage.areas.processed.prefix, suffix: settings.analyticsTriggerSuffix });
    if (local) this.notifyNatively(storage, triggers);
    else {
      for (const { fn, prefix, suffix } of triggers) {
        storage.dataBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn.function), { prefix, suffix });
      }
    }

    if (streaming) {
      if (stream) this.subscribe(stream, streaming, Topics.sensor, settings.streamBatchSize, settings.streamBatchWindowSeconds, settings, storage);
      if (cdc) this.subscribe(cdc, streaming, Topics.cdc, settings.cdcBatchSize, settings.cdcBatchWindowSeconds, settings, storage);
    }
  }

  private onFailureToDeadLetters(fn: PipelineFunction, storage: Storage, retryAttempts: number): void {
    fn.function.configureAsyncInvoke({
      retryAttempts,
      maxEventAge: Duration.hours(6),
      onFailure: this.localFailures ? new destinations.SqsDestination(this.localFailures) : new S3FailureDestination(storage.deadLetterBucket),
    });
  }

  /**
   * Subscribes a function to a topic, with these choices:
   * - batch size and window from the settings: the stream function takes big batches over a few
   *   seconds (its output is one partial aggregate per batch, so fewer, larger batches mean fewer
   *   objects); the CDC function takes small batches at once (each batch is a conditional write
   *   of the model, and changes should show up quickly).
   * - starting position TRIM_HORIZON: a new mapping processes what is already in the topic.
   * - retries: a few, with bisect-on-error, so one poisonous record is isolated in about
   *   log2(batch) splits; the handlers dead-letter malformed records themselves, so what reaches
   *   this point is a real failure, and after the retries the batch goes to the on-failure
   *   destination instead of blocking its partition forever.
   * - on-failure destination: the dead-letter bucket (default), or a `<topic>.dlq` topic on the
   *   same cluster with `onFailure=kafka` (Lambda requires provisioned pollers for that).
   * - data-plane IAM: Connect/DescribeClusterDynamicConfiguration on the cluster, DescribeTopic/
   *   ReadData on the topic, DescribeGroup/AlterGroup on the function's consumer group, nothing
   *   on `*`.
   */
  private subscribe(
    fn: PipelineFunction,
    streaming: Streaming,
    topic: string,
    batchSize: number,
    windowSeconds: number,
    settings: Settings,
    storage: Storage,
  ): void {
    const group = `${Stack.of(this).stackName}-${fn.node.id.toLowerCase()}`;
    const kafkaFailures = settings.onFailure === 'kafka';
    fn.function.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: streaming.clusterArn,
        topic,
        consumerGroupId: group,
        startingPosition: lambda.StartingPosition[settings.startingPosition],
        batchSize,
        maxBatchingWindow: Duration.seconds(windowSeconds),
        retryAttempts: settings.kafkaRetryAttempts,
        bisectBatchOnError: true,
        onFailure: kafkaFailures ? new KafkaDlq(`${topic}${DeadLetterSuffix}`) : new S3FailureRecords(storage.deadLetterBucket),
        provisionedPollerConfig: kafkaFailures ? { minimumPollers: 1, maximumPollers: 3 } : undefined,
        metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS] },
      }),
    );
    const arns = streaming.arns;
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], resources: [arns.cluster] }),
    );
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: [arns.topic(topic)] }));
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resources: [arns.group(group)] }));
    if (kafkaFailures) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], resources: [arns.topic(`${topic}${DeadLetterSuffix}`)] }),
      );
    }
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      reason:
        "Attached by ManagedKafkaEventSource: the MSK event source's pollers need to describe the cluster and manage network interfaces in its VPC (EC2 actions AWS does not allow to scope); the Kafka data plane is granted separately, per topic and group.",
    });
  }

  /**
   * The `local` stage's S3 notifications, written into the bucket's own template (no custom
   * resource: LocalStack without Docker cannot run one). The bucket names are fixed there, so
   * the permission can name its source without a reference cycle.
   */
  private notifyNatively(storage: Storage, triggers: ReadonlyArray<{ fn: PipelineFunction; prefix: string; suffix?: string }>): void {
    const bucket = storage.dataBucket.node.defaultChild as s3.CfnBucket;
    const bucketName = bucket.bucketName;
    if (bucketName === undefined) throw new Error('the local stage needs fixed bucket names');
    const configurations: s3.CfnBucket.LambdaConfigurationProperty[] = [];
    for (const { fn, prefix, suffix } of triggers) {
      const permission = new lambda.CfnPermission(this, `${fn.node.id}S3Invoke`, {
        action: 'lambda:InvokeFunction',
        functionName: fn.function.functionArn,
        principal: 's3.amazonaws.com',
        sourceArn: `arn:${Aws.PARTITION}:s3:::${bucketName}`,
        sourceAccount: Aws.ACCOUNT_ID,
      });
      bucket.node.addDependency(permission);
      const rules = [{ name: 'prefix', value: prefix }, ...(suffix === undefined ? [] : [{ name: 'suffix', value: suffix }])];
      configurations.push({ event: 's3:ObjectCreated:*', function: fn.function.functionArn, filter: { s3Key: { rules } } });
    }
    bucket.notificationConfiguration = { lambdaConfigurations: configurations };
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
