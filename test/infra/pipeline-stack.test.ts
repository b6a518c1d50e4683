import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStack } from '../../infra/pipeline-stack.js';
import { ExistingClusterArn, logicalIdOf, synthPipeline } from './helpers.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of every IAM policy attached to the role whose path ends with `roleEnd`. */
function statementsOf(stack: PipelineStack, template: Template, roleEnd: string): Statement[] {
  const roleId = logicalIdOf(stack, template, 'AWS::IAM::Role', roleEnd);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the default deployment (dev, MSK Serverless)', () => {
  let stack: PipelineStack;
  let template: Template;
  let dataBucket: string;
  let deadLetterBucket: string;
  beforeAll(() => {
    ({ stack, template } = synthPipeline({ sensorPartitions: 6 }));
    dataBucket = logicalIdOf(stack, template, 'AWS::S3::Bucket', 'Storage/Data/Resource');
    deadLetterBucket = logicalIdOf(stack, template, 'AWS::S3::Bucket', 'Storage/DeadLetter/Resource');
  });

  it('runs every function on Node.js 24 on arm64 with tracing, JSON logs and the S3 store', () => {
    for (const name of ['Preprocess', 'Stream', 'Cdc', 'Analytics']) {
      const id = logicalIdOf(stack, template, 'AWS::Lambda::Function', `Functions/${name}/Function/Resource`);
      template.hasResource('AWS::Lambda::Function', {
        Properties: Match.objectLike({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
          Environment: { Variables: Match.objectLike({ PIPELINE_STORE: 's3', POWERTOOLS_SERVICE_NAME: `pipeline-${name.toLowerCase()}` }) },
        }),
        Metadata: Match.objectLike({ 'aws:cdk:path': Match.stringLikeRegexp(`Functions/${name}/Function/Resource$`) }),
      });
      expect(id).toMatch(/^Functions/);
    }
  });

  it('gives analytics 10,240 MB and preprocess the configured memory', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 10240, Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'pipeline-analytics' }) } });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'pipeline-preprocess' }) } });
  });

  it("runs cdc with the manifest's Node.js options and the others with source maps only", () => {
    const options = (service: string) => {
      const found = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: service } } } });
      return (Object.values(found)[0]!.Properties.Environment.Variables as Record<string, unknown>).NODE_OPTIONS;
    };
    expect(options('pipeline-cdc')).toBe('--enable-source-maps --max-semi-space-size=64');
    expect(options('pipeline-stream')).toBe('--enable-source-maps');
  });

  it('keeps each function log group for the configured days', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const preprocess = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'pipeline-preprocess' } } } });
    const loggingConfig = Object.values(preprocess)[0]!.Properties.LoggingConfig;
    expect(loggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/^FunctionsPreprocessLogs/) });
  });

  it('points the bucket variables at the data and models buckets, and only those a function uses', () => {
    const models = logicalIdOf(stack, template, 'AWS::S3::Bucket', 'Storage/Models/Resource');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'pipeline-analytics', PROCESSED_BUCKET: { Ref: dataBucket }, MODELS_BUCKET: { Ref: models }, RESULTS_BUCKET: { Ref: dataBucket } }),
      },
    });
    const cdc = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'pipeline-cdc' } } } });
    const variables = Object.values(cdc)[0]!.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.MODELS_BUCKET).toEqual({ Ref: models });
    expect(Object.keys(variables).filter((k) => k.endsWith('_BUCKET'))).toEqual(['MODELS_BUCKET']);
  });

  it('triggers preprocess on objects created under raw/ and analytics on a cleaned report', () => {
    const preprocessFn = logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Preprocess/Function/Resource');
    const analyticsFn = logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Analytics/Function/Resource');
    const analyticsRules = new Capture();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: dataBucket },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith([
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [preprocessFn, 'Arn'] },
          },
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: analyticsRules } },
            LambdaFunctionArn: { 'Fn::GetAtt': [analyticsFn, 'Arn'] },
          },
        ]),
      },
    });
    expect(analyticsRules.asArray()).toEqual(
      expect.arrayContaining([
        { Name: 'prefix', Value: 'processed/' },
        { Name: 'suffix', Value: 'latest.json' },
      ]),
    );
  });

  it('sends a failed S3 event to the dead-letter bucket after two retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Preprocess/Function/Resource') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterBucket, 'Arn'] } } },
    });
  });

  it('subscribes stream to sensor_data and cdc to customer_updates with deliberate batching and failure handling', () => {
    const cluster = logicalIdOf(stack, template, 'AWS::MSK::ServerlessCluster', 'Streaming/Cluster');
    const group = new Capture();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [cluster, 'Arn'] },
      Topics: ['sensor_data'],
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterBucket, 'Arn'] } } },
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: group },
      FunctionName: { Ref: logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Stream/Function/Resource') },
    });
    expect(group.asString()).toBe('Pipeline-dev-stream');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['customer_updates'],
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      // retried until it succeeds: a given-up change would leave the model wrong for good
      MaximumRetryAttempts: -1,
      DestinationConfig: Match.absent(),
      BisectBatchOnFunctionError: true,
      FunctionName: { Ref: logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Cdc/Function/Resource') },
    });
  });

  it('scopes the Kafka data-plane actions to the cluster, the topic and the consumer group', () => {
    const statements = statementsOf(stack, template, 'Functions/Stream/Role/Resource');
    const kafka = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kafka-cluster:')));
    expect(kafka.map((s) => actionsOf(s).sort())).toEqual([
      ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
    ]);
    const [connect, topic, group] = kafka.map((s) => JSON.stringify(s.Resource));
    expect(connect).toContain('"Fn::GetAtt":["StreamingCluster');
    expect(topic).toContain(':topic/');
    expect(topic).toMatch(/"\/sensor_data"\]/);
    expect(group).toContain(':group/');
    expect(group).toMatch(/"\/Pipeline-dev-stream"\]/);
    expect(statements.every((s) => s.Resource !== '*' || actionsOf(s).every((a) => a.startsWith('xray:')))).toBe(true);
  });

  it('grants S3 object actions per area prefix: preprocess reads raw/ and writes processed/ only', () => {
    const statements = statementsOf(stack, template, 'Functions/Preprocess/Role/Resource');
    const objectGrants = statements
      .filter((s) => actionsOf(s).some((a) => a === 's3:GetObject' || a === 's3:PutObject'))
      .map((s) => ({ actions: actionsOf(s), resource: JSON.stringify(s.Resource) }));
    expect(objectGrants).toContainEqual({ actions: ['s3:GetObject'], resource: JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [dataBucket, 'Arn'] }, '/raw/*']] }) });
    expect(objectGrants).toContainEqual({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resource: JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [dataBucket, 'Arn'] }, '/processed/*']] }),
    });
    expect(objectGrants.some((g) => g.resource.includes('/results/') || g.resource.includes('/models/'))).toBe(false);
    expect(statements.some((s) => actionsOf(s).some((a) => a.includes('*') && a.startsWith('s3:')))).toBe(false);
  });

  it('makes every bucket private, TLS-only and encrypted, and the models bucket versioned', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets).length).toBeGreaterThanOrEqual(4);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    }
    for (const id of Object.keys(buckets)) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90, NewerNoncurrentVersions: 10 } })]) },
    });
  });

  it('expires temporary objects and dead letters, and deletes data with a dev stack', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'tmp/', ExpirationInDays: 1 })]) } }),
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-dead-letters', ExpirationInDays: 30 })]) } });
  });

  it('creates an IAM-authenticated serverless cluster and the topics with partition counts from context', () => {
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } });
    template.hasResourceProperties('Custom::KafkaTopic', { Topic: 'sensor_data', Partitions: 6 });
    template.hasResourceProperties('Custom::KafkaTopic', { Topic: 'customer_updates', Partitions: 3 });
  });

  it('lets the topic function manage only the pipeline topics', () => {
    const statements = statementsOf(stack, template, 'Streaming/Topics/Role/Resource');
    const manage = statements.find((s) => actionsOf(s).includes('kafka-cluster:CreateTopic'))!;
    const resources = JSON.stringify(manage.Resource);
    expect(resources).toMatch(/"\/sensor_data"\]/);
    expect(resources).toMatch(/"\/customer_updates"\]/);
    expect(statements.find((s) => actionsOf(s).includes('kafka:GetBootstrapBrokers'))!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StreamingCluster/), 'Arn'] });
  });

  it('alarms on function errors, dead letters and consumer lag', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PutRequests',
      Namespace: 'AWS/S3',
      Dimensions: Match.arrayWith([{ Name: 'BucketName', Value: { Ref: deadLetterBucket } }]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'OffsetLag', Threshold: 1000, Statistic: 'Maximum' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EstimatedMaxTimeLag',
      Namespace: 'AWS/Kafka',
      Threshold: 300,
      Dimensions: Match.arrayWith([{ Name: 'Consumer Group', Value: 'Pipeline-dev-cdc' }, { Name: 'Topic', Value: 'customer_updates' }]),
    });
  });

  it('outputs the buckets, the cluster, its brokers and the function names', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['DataBucketName', 'ModelsBucketName', 'DeadLetterBucketName', 'ClusterArn', 'BootstrapBrokers', 'preprocessFunctionName', 'analyticsFunctionName']),
    );
    expect(outputs.BootstrapBrokers!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StreamingTopicsensordata/), 'BootstrapBrokers'] });
  });
});

describe('a prod deployment on a provisioned cluster', () => {
  let template: Template;
  beforeAll(() => ({ template } = synthPipeline({ stage: 'prod', mskMode: 'provisioned', cdcPartitions: 4 })));

  it('uses AWS::MSK::Topic on a TLS-only, IAM-authenticated Kafka 3.6+ cluster', () => {
    template.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: '3.9.x',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true } },
    });
    template.hasResourceProperties('AWS::MSK::Topic', { TopicName: 'customer_updates', PartitionCount: 4, ReplicationFactor: 2 });
    expect(template.findResources('Custom::KafkaTopic')).toEqual({});
  });

  it('keeps data, topics and logs when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }) });
    template.hasResource('AWS::MSK::Topic', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });
});

describe('a deployment on an existing cluster with dead-letter topics', () => {
  let template: Template;
  beforeAll(() => ({ template } = synthPipeline({ mskMode: 'existing', mskClusterArn: ExistingClusterArn, onFailure: 'kafka' })));

  it('creates no cluster and no VPC and subscribes to the given ARN', () => {
    expect(template.findResources('AWS::EC2::VPC')).toEqual({});
    expect(template.findResources('AWS::MSK::ServerlessCluster')).toEqual({});
    expect(template.findResources('AWS::MSK::Cluster')).toEqual({});
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: ExistingClusterArn, Topics: ['sensor_data'] });
  });

  it('sends failed batches to <topic>.dlq with provisioned pollers and may write only there', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['sensor_data'],
      DestinationConfig: { OnFailure: { Destination: 'kafka://sensor_data.dlq' } },
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 3 },
    });
    // cdc never gives a batch up, so it has no dead-letter topic (nor the right to write one)
    const cdc = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find((m) => JSON.stringify(m.Properties.Topics) === '["customer_updates"]')!;
    expect(cdc.Properties.MaximumRetryAttempts).toBe(-1);
    expect(cdc.Properties.DestinationConfig).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('customer_updates.dlq');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
            Effect: 'Allow',
            Resource: 'arn:aws:kafka:eu-west-1:123456789012:topic/shared-kafka/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2/sensor_data.dlq',
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MessagesInPerSec',
      Dimensions: Match.arrayWith([{ Name: 'Cluster Name', Value: 'shared-kafka' }, { Name: 'Topic', Value: 'sensor_data.dlq' }]),
    });
  });

  it('outputs the command that prints the brokers', () => {
    expect(template.findOutputs('BootstrapBrokers').BootstrapBrokers!.Value).toBe(`aws kafka get-bootstrap-brokers --cluster-arn ${ExistingClusterArn}`);
  });
});

describe('the local stage (LocalStack)', () => {
  let stack: PipelineStack;
  let template: Template;
  beforeAll(() => ({ stack, template } = synthPipeline({ stage: 'local' })));

  it('has no Kafka resources: the compose Kafka and the bridge stand in', () => {
    expect(template.findResources('AWS::Lambda::EventSourceMapping')).toEqual({});
    expect(template.findResources('AWS::MSK::ServerlessCluster')).toEqual({});
    expect(template.findResources('AWS::EC2::VPC')).toEqual({});
  });

  it('wires the raw/ notification natively, with no custom resource', () => {
    const preprocessFn = logicalIdOf(stack, template, 'AWS::Lambda::Function', 'Functions/Preprocess/Function/Resource');
    expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: 'pipeline-local-data',
        NotificationConfiguration: {
          LambdaConfigurations: Match.arrayWith([
            { Event: 's3:ObjectCreated:*', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'raw/' }] } }, Function: { 'Fn::GetAtt': [preprocessFn, 'Arn'] } },
          ]),
        },
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^FunctionsPreprocessS3Invoke')]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [preprocessFn, 'Arn'] },
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::pipeline-local-data']] },
    });
  });

  it('names the buckets literally in the function environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RAW_BUCKET: 'pipeline-local-data', PROCESSED_BUCKET: 'pipeline-local-data', S3_FORCE_PATH_STYLE: 'true' }) },
    });
  });

  it("leaves the S3 endpoint to LocalStack's AWS_ENDPOINT_URL (a DNS name would not resolve without its DNS server)", () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ PIPELINE_STORE: 's3' }) } } }))) {
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('S3_ENDPOINT');
    }
  });

  it('sends failed asynchronous events to an SQS queue (LocalStack refuses an S3 bucket there)', () => {
    const queue = logicalIdOf(stack, template, 'AWS::SQS::Queue', 'Functions/LocalFailures/Resource');
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'pipeline-local-failures' });
    for (const name of ['Preprocess', 'Analytics']) {
      const fn = logicalIdOf(stack, template, 'AWS::Lambda::Function', `Functions/${name}/Function/Resource`);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
      });
    }
  });
});
