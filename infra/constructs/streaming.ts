import { CustomResource, Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { MskMode } from '../settings.js';
import { kafkaArns, type KafkaArns } from './kafka-arns.js';
import { PipelineFunction } from './pipeline-function.js';

/** The port MSK brokers listen on for IAM-authenticated TLS clients. */
export const MskIamPort = 9098;

/** A topic the stack manages. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface StreamingProps {
  /** @default 'serverless' */
  readonly mode: MskMode;
  /** Required when `mode` is `existing`. */
  readonly existingClusterArn?: string;
  /** The topics to create (not used with an existing cluster: see the README). */
  readonly topics: readonly TopicSpec[];
  /** Provisioned only. @default '3.9.x' */
  readonly kafkaVersion?: string;
  /** Provisioned only. @default 'kafka.t3.small' */
  readonly brokerInstanceType?: string;
  /** Provisioned only; at most the broker count (2). @default 2 */
  readonly replicationFactor?: number;
  /** Topics and broker logs are kept on stack deletion when this is RETAIN. @default DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 30 */
  readonly logRetentionDays?: number;
}

/**
 * The Kafka side: an MSK cluster with IAM authentication and TLS only, its VPC, and the topics.
 *
 * - `serverless` (default): MSK Serverless in a two-AZ VPC with isolated subnets (no NAT); the
 *   topics are made by a custom resource (MSK Serverless has no CloudFormation topic resource).
 * - `provisioned`: two brokers; the topics are `AWS::MSK::Topic` resources (Kafka 3.6 or newer).
 * - `existing`: nothing is created: no cluster, no VPC, no topics (create them with
 *   `npx pipeline topics ensure --cluster-arn ...`); the functions are wired to the given ARN.
 *
 * The VPC has interface endpoints for Lambda and STS (the Kafka event source's pollers call them
 * from the cluster's subnets), for the MSK API (the topic custom resource looks up the brokers)
 * and an S3 gateway endpoint (the event source's S3 failure destination is written from there).
 */
export class Streaming extends Construct {
  readonly clusterArn: string;
  readonly arns: KafkaArns;
  readonly vpc: ec2.IVpc | undefined;
  readonly clusterSecurityGroup: ec2.ISecurityGroup | undefined;
  /** The TLS/IAM bootstrap brokers when the stack can know them (serverless), else undefined. */
  readonly bootstrapBrokers: string | undefined;
  /** The custom resource function that manages topics (serverless only). */
  readonly topicsFunction: PipelineFunction | undefined;

  constructor(scope: Construct, id: string, props: StreamingProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    if (props.mode === 'existing') {
      if (props.existingClusterArn === undefined || props.existingClusterArn === '') {
        throw new Error("Streaming: mode 'existing' needs existingClusterArn");
      }
      this.clusterArn = props.existingClusterArn;
      this.arns = kafkaArns(this.clusterArn);
      this.vpc = undefined;
      this.clusterSecurityGroup = undefined;
      this.bootstrapBrokers = undefined;
      this.topicsFunction = undefined;
      return;
    }

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetentionDays ?? 30, removalPolicy });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'kafka', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const clusterSg = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description: 'MSK brokers and the Lambda event source pollers placed beside them',
    });
    // The event source's pollers take this group and talk to the brokers from it.
    clusterSg.addIngressRule(clusterSg, ec2.Port.tcp(MskIamPort), 'Kafka over TLS with IAM auth, within the cluster group');
    // The endpoints answer HTTPS from the pipeline's own groups only, not from the whole VPC.
    const endpointSg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', { vpc, description: 'Interface endpoints of the Kafka VPC' });
    endpointSg.addIngressRule(clusterSg, ec2.Port.HTTPS, 'Event source pollers call Lambda and STS');
    for (const [name, service] of [
      ['Lambda', ec2.InterfaceVpcEndpointAwsService.LAMBDA],
      ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
      ['Kafka', ec2.InterfaceVpcEndpointAwsService.KAFKA],
    ] as const) {
      vpc.addInterfaceEndpoint(name, { service, privateDnsEnabled: true, open: false, securityGroups: [endpointSg] });
    }
    const subnetIds = vpc.isolatedSubnets.map((s) => s.subnetId);

    let topicsFunction: PipelineFunction | undefined;
    let bootstrapBrokers: string | undefined;
    if (props.mode === 'serverless') {
      const cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
        clusterName: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds, securityGroups: [clusterSg.securityGroupId] }],
      });
      this.clusterArn = cluster.attrArn;
      this.arns = kafkaArns(this.clusterArn);

      const topicsSg = new ec2.SecurityGroup(this, 'TopicsSecurityGroup', { vpc, description: 'The topic custom resource function' });
      clusterSg.addIngressRule(topicsSg, ec2.Port.tcp(MskIamPort), 'Topic management by the custom resource');
      endpointSg.addIngressRule(topicsSg, ec2.Port.HTTPS, 'The topic custom resource calls the MSK API');
      topicsFunction = new PipelineFunction(this, 'Topics', {
        entry: fileURLToPath(new URL('../custom-resources/topics.ts', import.meta.url)),
        serviceName: 'kafka-topics',
        memorySize: 256,
        timeout: Duration.minutes(5),
        logRetentionDays: props.logRetentionDays,
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [topicsSg],
      });
      const arns = this.arns;
      topicsFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [this.clusterArn] }),
      );
      topicsFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: [this.clusterArn] }),
      );
      topicsFunction.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:DeleteTopic'],
          resources: props.topics.map((t) => arns.topic(t.name)),
        }),
      );
      for (const topic of props.topics) {
        const resource = new CustomResource(this, `Topic-${topic.name}`, {
          serviceToken: topicsFunction.function.functionArn,
          resourceType: 'Custom::KafkaTopic',
          removalPolicy,
          properties: { ClusterArn: this.clusterArn, Topic: topic.name, Partitions: topic.partitions },
        });
        resource.node.addDependency(vpc, clusterSg, endpointSg);
        bootstrapBrokers ??= resource.getAttString('BootstrapBrokers');
      }
    } else {
      const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', { retention: props.logRetentionDays ?? 30, removalPolicy });
      const cluster = new msk.CfnCluster(this, 'Cluster', {
        clusterName: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
        kafkaVersion: props.kafkaVersion ?? '3.9.x',
        numberOfBrokerNodes: 2,
        brokerNodeGroupInfo: {
          instanceType: props.brokerInstanceType ?? 'kafka.t3.small',
          clientSubnets: subnetIds,
          securityGroups: [clusterSg.securityGroupId],
          storageInfo: { ebsStorageInfo: { volumeSize: 10 } },
        },
        clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
        encryptionInfo: { encryptionInTransit: { clientBroker: 'TLS', inCluster: true } },
        loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      });
      cluster.applyRemovalPolicy(removalPolicy);
      this.clusterArn = cluster.attrArn;
      this.arns = kafkaArns(this.clusterArn);
      for (const topic of props.topics) {
        const cfnTopic = new msk.CfnTopic(this, `Topic-${topic.name}`, {
          clusterArn: this.clusterArn,
          topicName: topic.name,
          partitionCount: topic.partitions,
          replicationFactor: props.replicationFactor ?? 2,
        });
        cfnTopic.applyRemovalPolicy(removalPolicy);
      }
    }

    this.vpc = vpc;
    this.clusterSecurityGroup = clusterSg;
    this.bootstrapBrokers = bootstrapBrokers;
    this.topicsFunction = topicsFunction;
  }
}
