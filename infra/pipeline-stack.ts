import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LocalBucketNames } from '../shared/config.js';
import type { Settings } from './settings.js';
import { Topics } from '../shared/config.js';
import { Functions, DeadLetterSuffix, type FunctionsProps } from './constructs/functions.js';
import { Monitoring } from './constructs/monitoring.js';
import { Storage } from './constructs/storage.js';
import { Streaming, type TopicSpec } from './constructs/streaming.js';

export interface PipelineStackProps extends StackProps {
  readonly settings: Settings;
  /** @default handlerEntry: functions/<name>/handler.ts */
  readonly entryFor?: FunctionsProps['entryFor'];
}

/**
 * One deployment of the pipeline: Storage, Streaming (not in the `local` stage, which uses the
 * compose Kafka), Functions and Monitoring (alarms, and a dashboard outside the `local` stage),
 * and the outputs a user needs next.
 * The stack is environment-agnostic (no account or region, no lookups), so `cdk synth` runs
 * offline with no credentials.
 *
 * @example
 * new PipelineStack(app, 'Pipeline-dev', { settings: readSettings((k) => app.node.tryGetContext(k)) });
 */
export class PipelineStack extends Stack {
  readonly storage: Storage;
  readonly streaming: Streaming | undefined;
  readonly functions: Functions;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const local = settings.stage === 'local';
    const keep = settings.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.storage = new Storage(this, 'Storage', {
      stage: settings.stage,
      tmpExpirationDays: settings.tmpExpirationDays,
      deadLetterExpirationDays: settings.deadLetterExpirationDays,
      modelNoncurrentDays: settings.modelNoncurrentDays,
      modelVersionsToKeep: settings.modelVersionsToKeep,
      bucketNames: local ? LocalBucketNames : undefined,
    });
    const topics: TopicSpec[] = Object.entries(Topics).map(([key, topic]) => ({ name: topic.name, partitions: settings.partitions[key as keyof typeof Topics] }));
    if (settings.onFailure === 'kafka') {
      topics.push(...Object.values(Topics).map((topic) => ({ name: `${topic.name}${DeadLetterSuffix}`, partitions: 1 })));
    }
    this.streaming = local
      ? undefined
      : new Streaming(this, 'Streaming', {
          mode: settings.mskMode,
          existingClusterArn: settings.mskClusterArn,
          topics,
          kafkaVersion: settings.kafkaVersion,
          brokerInstanceType: settings.brokerInstanceType,
          replicationFactor: settings.replicationFactor,
          removalPolicy: keep,
          logRetentionDays: settings.logRetentionDays,
        });
    this.functions = new Functions(this, 'Functions', {
      settings,
      storage: this.storage,
      streaming: this.streaming,
      entryFor: props.entryFor,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', { settings, storage: this.storage, streaming: this.streaming, functions: this.functions.functions });

    new CfnOutput(this, 'DataBucketName', { value: this.storage.dataBucket.bucketName, description: 'raw/, processed/ and results/ live here' });
    new CfnOutput(this, 'ModelsBucketName', { value: this.storage.modelsBucket.bucketName, description: 'models/ (versioned)' });
    new CfnOutput(this, 'DeadLetterBucketName', { value: this.storage.deadLetterBucket.bucketName, description: 'failed events and batches' });
    for (const [name, fn] of Object.entries(this.functions.functions)) {
      new CfnOutput(this, `${name}FunctionName`, { value: fn.function.functionName });
    }
    const dashboard = this.monitoring.dashboard;
    if (dashboard) {
      new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName, description: 'the CloudWatch dashboard' });
      new CfnOutput(this, 'DashboardUrl', { value: dashboard.url, description: 'the dashboard in the CloudWatch console' });
    }
    if (this.streaming) {
      new CfnOutput(this, 'ClusterArn', { value: this.streaming.clusterArn });
      new CfnOutput(this, 'BootstrapBrokers', {
        value: this.streaming.bootstrapBrokers ?? `aws kafka get-bootstrap-brokers --cluster-arn ${this.streaming.clusterArn}`,
        description: 'IAM/TLS bootstrap brokers (or the command that prints them)',
      });
    }
    this.acknowledgeFrameworkFindings();
  }

  /**
   * Findings on the function CDK itself adds to configure S3 notifications (one per stack,
   * found by its fixed construct ID): acknowledged there, not stack-wide.
   */
  private acknowledgeFrameworkFindings(): void {
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      Validations.of(child).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: "CDK's BucketNotificationsHandler only writes its logs; the AWS-managed basic execution policy is exactly that.",
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: "CDK's BucketNotificationsHandler calls s3:PutBucketNotification, which CDK grants on '*' because it serves every bucket of the stack.",
        },
      );
    }
  }
}
