import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as manifest from '../../functions/manifest.js';
import type { Access, FunctionName, FunctionSpec, KafkaFunctionName, S3Trigger } from '../../functions/manifest.js';
import { Topics, type Area } from '../../shared/config.js';
import type { Settings } from '../settings.js';
import { S3FailureDestination, S3FailureRecords } from './failure-records.js';
import { PipelineFunction } from './pipeline-function.js';
import type { Storage } from './storage.js';
import type { Streaming } from './streaming.js';

/** The suffix of the dead-letter topics (with `onFailure=kafka`). */
export const DeadLetterSuffix = '.dlq';

/**
 * A function's Powertools service name: the `service` dimension of its own metrics and the
 * service of its log lines. Its handler passes the same name to `lambdaHandler`.
 *
 * @example
 * serviceNameOf('stream'); // 'pipeline-stream'
 */
export function serviceNameOf(name: FunctionName): string {
  return `pipeline-${name}`;
}

/**
 * The Kafka consumer group of a Kafka-triggered function's event source mapping: one per stack
 * and function, so two stages on one cluster never share offsets.
 *
 * @example
 * consumerGroupOf('Pipeline-dev', 'cdc'); // 'Pipeline-dev-cdc'
 */
export function consumerGroupOf(stackName: string, name: KafkaFunctionName): string {
  return `${stackName}-${name.toLowerCase()}`;
}

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
  /** The handler file of each function (the assertion tests wire a stand-in). @default handlerEntry */
  readonly entryFor?: (name: FunctionName) => string;
}

/**
 * The pipeline's Lambda functions and their triggers, one per entry of functions/manifest.ts:
 *
 * - S3-triggered (preprocess: ObjectCreated under `raw/`; analytics: a dataset's `latest.json`
 *   pointer landing under `processed/`): asynchronous, so a failed event is retried (the entry's
 *   `retryAttempts`) and then written to the dead-letter bucket. Analytics is also invoked on demand.
 * - Kafka-triggered (stream on `sensor_data`, cdc on `customer_updates`): event source mappings;
 *   see {@link Functions.subscribe} for the batching and failure choices.
 */
export class Functions extends Construct {
  readonly functions = {} as Record<FunctionName, PipelineFunction>;
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
    const topicEnvironment = Object.fromEntries(Object.values(Topics).map((topic) => [topic.nameEnv, topic.name]));
    for (const name of manifest.FunctionNames) {
      const spec: FunctionSpec = manifest.Functions[name];
      const fn = new PipelineFunction(this, capitalize(name), {
        entry: entryFor(name),
        serviceName: serviceNameOf(name),
        memorySize: settings.functions[name].memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        logRetentionDays: settings.logRetentionDays,
        logRemovalPolicy: settings.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        extraFiles: [ParquetWasm],
        ...(spec.nodeOptions ? { nodeOptions: spec.nodeOptions } : {}),
        environment: {
          PIPELINE_STORE: 's3',
          ...topicEnvironment,
          // LocalStack gives each function AWS_ENDPOINT_URL (its own address as the function sees
          // it, with either Lambda executor), which the configuration uses for S3; path-style
          // addressing, because bucket subdomains of that address do not resolve.
          ...(local ? { S3_FORCE_PATH_STYLE: 'true' } : {}),
        },
      });
      for (const [area, access] of Object.entries(spec.areas) as Array<[Area, Access]>) fn.bindArea(area, storage.areas[area], access);
      if (spec.trigger.kind === 's3') this.onFailureToDeadLetters(fn, storage, settings.functions[name].retryAttempts);
      this.functions[name] = fn;
    }

    const triggers = manifest.S3FunctionNames.map((name) => {
      const trigger: S3Trigger = manifest.Functions[name].trigger;
      return { fn: this.functions[name], prefix: storage.areas[trigger.area].prefix, suffix: settings.functions[name].triggerSuffix };
    });
    if (local) this.notifyNatively(storage, triggers);
    else {
      for (const { fn, prefix, suffix } of triggers) {
        storage.dataBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn.function), { prefix, suffix });
      }
    }

    if (streaming) {
      for (const name of manifest.KafkaFunctionNames) {
        const { batchSize, batchWindowSeconds, retryAttempts } = settings.functions[name];
        this.subscribe(name, this.functions[name], streaming, Topics[manifest.Functions[name].trigger.topic].name, { batchSize: batchSize!, windowSeconds: batchWindowSeconds!, retryAttempts }, settings, storage);
      }
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
   * - batch size and window from the manifest (or the stage's settings): the stream function takes big batches over a few
   *   seconds (its output is one partial aggregate per batch, so fewer, larger batches mean fewer
   *   objects); the CDC function takes small batches at once (each batch is a conditional write
   *   of the model, and changes should show up quickly).
   * - starting position TRIM_HORIZON: a new mapping processes what is already in the topic.
   * - retries: a few, with bisect-on-error, so one poisonous record is isolated in about
   *   log2(batch) splits; the handlers dead-letter malformed records themselves, so what reaches
   *   this point is a real failure, and after the retries the batch goes to the on-failure
   *   destination instead of blocking its partition forever. A function whose retries are -1
   *   (cdc: a skipped change would leave its model wrong for good) is retried until the batch
   *   succeeds and has no on-failure destination, since Lambda caps the retries of a mapping
   *   that has one at 10 (docs/cdc.md, "Never losing a change").
   * - on-failure destination: the dead-letter bucket (default), or a `<topic>.dlq` topic on the
   *   same cluster with `onFailure=kafka` (Lambda requires provisioned pollers for that).
   * - data-plane IAM: Connect/DescribeClusterDynamicConfiguration on the cluster, DescribeTopic/
   *   ReadData on the topic, DescribeGroup/AlterGroup on the function's consumer group, nothing
   *   on `*`.
   */
  private subscribe(
    name: KafkaFunctionName,
    fn: PipelineFunction,
    streaming: Streaming,
    topic: string,
    { batchSize, windowSeconds, retryAttempts }: { batchSize: number; windowSeconds: number; retryAttempts: number },
    settings: Settings,
    storage: Storage,
  ): void {
    const group = consumerGroupOf(Stack.of(this).stackName, name);
    const givesUp = retryAttempts >= 0;
    const kafkaFailures = givesUp && settings.onFailure === 'kafka';
    fn.function.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: streaming.clusterArn,
        topic,
        consumerGroupId: group,
        startingPosition: lambda.StartingPosition[settings.startingPosition],
        batchSize,
        maxBatchingWindow: Duration.seconds(windowSeconds),
        retryAttempts,
        bisectBatchOnError: true,
        onFailure: !givesUp ? undefined : kafkaFailures ? new KafkaDlq(`${topic}${DeadLetterSuffix}`) : new S3FailureRecords(storage.deadLetterBucket),
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
