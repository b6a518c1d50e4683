import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Validations } from 'aws-cdk-lib';
import { basename } from 'node:path';
import { AreaBucketEnv, type Area } from '../../shared/config.js';
import { DefaultMetricsNamespace, type MetricName } from '../../shared/lambda/telemetry.js';
import type { AreaLocation } from './storage.js';


/** What a function may do in an area: the S3 actions of each access level. */
export const AreaAccess = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject'],
  readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
} as const;
export type AreaAccessLevel = keyof typeof AreaAccess;

/** The dimension Powertools Metrics gives every metric: the service name. */
export const PowertoolsServiceDimension = 'service';

/** The runtime every pipeline function uses (Node.js 22 or newer, per the project's brief). */
export const PipelineRuntime = lambda.Runtime.NODEJS_24_X;

export interface PipelineFunctionProps {
  /** The handler file, exporting `handler`. */
  readonly entry: string;
  /** Shown in logs and metrics as the Powertools service name. */
  readonly serviceName: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Files copied beside the bundle (for example a `.wasm` loaded from `__dirname`). @default none */
  readonly extraFiles?: readonly string[];
  /** Log groups are deleted with the stack unless this says RETAIN. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Extra plain environment variables. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Node.js options beside `--enable-source-maps` in NODE_OPTIONS. @default none */
  readonly nodeOptions?: readonly string[];
  /** @default - not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - none */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - none */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Powertools metrics namespace. @default DefaultMetricsNamespace ('ServerlessDataPipeline') */
  readonly metricsNamespace?: string;
}

/**
 * One Lambda function of the pipeline: owns runtime (Node.js 24, arm64), esbuild bundling (no
 * Docker), ESM output, log group and retention, X-Ray tracing and the Powertools environment.
 * {@link PipelineFunction.bindArea} sets an area's bucket variable and its IAM grant together.
 *
 * @example
 * const fn = new PipelineFunction(this, 'Preprocess', { entry: 'functions/preprocess/handler.ts', serviceName: 'preprocess' });
 * fn.bindArea('raw', storage.areas.raw, 'read');
 */
export class PipelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The Powertools service name: the `service` dimension of the handler's metrics. */
  readonly serviceName: string;
  /** The namespace of the handler's metrics (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.metricsNamespace = props.metricsNamespace ?? DefaultMetricsNamespace;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays ?? 30,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const extraFiles = props.extraFiles ?? [];
    // An own role instead of AWSLambdaBasicExecutionRole, whose log actions are on '*': this one
    // writes to the function's own log group only.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      role,
      runtime: PipelineRuntime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(1),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: ['--enable-source-maps', ...(props.nodeOptions ?? [])].join(' '),
        ...props.environment,
      },
      bundling: {
        // ESM keeps `import.meta` working; the banner restores the CommonJS globals that bundled
        // CommonJS packages (parquet-wasm's node build reads its .wasm from `__dirname`) expect.
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        sourceMap: true,
        minify: true,
        // The Lambda runtime ships AWS SDK v3, but bundling pins the version the tests ran with.
        bundleAwsSDK: true,
        banner: [
          "import { createRequire as __pipelineCreateRequire } from 'node:module';",
          "import { fileURLToPath as __pipelineFileURLToPath } from 'node:url';",
          "import { dirname as __pipelineDirname } from 'node:path';",
          'const require = __pipelineCreateRequire(import.meta.url);',
          'const __filename = __pipelineFileURLToPath(import.meta.url);',
          'const __dirname = __pipelineDirname(__filename);',
        ].join(' '),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            extraFiles.map((file) => `cp "${file}" "${outputDir}/${basename(file)}"`),
        },
      },
    });
    if (props.vpc) {
      // Given a role, CDK leaves the VPC permissions to us: ENI create/describe/delete, which
      // EC2 does not allow to scope to resources.
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'A Lambda function in a VPC must create, describe and delete its network interfaces; this AWS-managed policy holds exactly those EC2 actions (not scopable to resources) and log writes.',
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing: X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions, so CDK grants them on *.',
    });
  }

  /** The function's execution role. */
  get role(): iam.IRole {
    return this.function.role!;
  }

  /**
   * One of the handler's own metrics as Powertools publishes it (embedded metric format): its
   * namespace, the name, and the one dimension `service`.
   *
   * @example
   * fn.handlerMetric(MetricNames.rowsCleaned, { statistic: 'Sum', period: Duration.minutes(5) });
   */
  handlerMetric(name: MetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({ ...props, namespace: this.metricsNamespace, metricName: name, dimensionsMap: { [PowertoolsServiceDimension]: this.serviceName } });
  }

  /** Sets a plain environment variable (no grant needed). */
  setEnv(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }

  /**
   * Sets `key` to `value` and grants what using it needs, in one step, so no variable exists
   * without its permission and no permission without its variable.
   *
   * @example
   * fn.bind('ALARM_TOPIC', topic.topicArn, (grantee) => topic.grantPublish(grantee));
   */
  bind(key: string, value: string, grant: (grantee: iam.IGrantable) => void): this {
    this.function.addEnvironment(key, value);
    grant(this.function);
    return this;
  }

  /**
   * Binds a storage area: sets its bucket variable (`RAW_BUCKET`, ...) and grants exactly the
   * object actions of `access` on keys under the area's prefix, plus listing the bucket.
   *
   * @example
   * fn.bindArea('processed', storage.areas.processed, 'write');
   */
  bindArea(area: Area, location: AreaLocation, access: AreaAccessLevel): this {
    return this.bind(AreaBucketEnv[area], location.bucket.bucketName, (grantee) => {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...AreaAccess[access]],
          resources: [location.bucket.arnForObjects(`${location.prefix}*`)],
        }),
      );
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          // Unconditioned on purpose: without ListBucket, S3 answers a GET or HEAD of a missing
          // key with 403 instead of 404, and the handlers treat "not there yet" as normal.
          resources: [location.bucket.bucketArn],
        }),
      );
      acknowledgeObjectWildcard(
        this.role,
        location.bucket,
        location.prefix,
        `Objects under the '${location.prefix}' area prefix: S3 scopes grants by key prefix, and the handlers name their keys at run time.`,
      );
    });
  }

}

/**
 * Acknowledges cdk-nag's wildcard finding for `bucket/prefix*` on `role`, with the reason. cdk-nag
 * reports each wildcard resource as its own finding, keyed by the bucket's logical ID, so the
 * acknowledgement is built next to the grant that causes it. A bucket referenced by name (the
 * local stage, which is not checked) has no logical ID and needs none.
 *
 * @example
 * acknowledgeObjectWildcard(fn.role, bucket, 'raw/', 'objects under raw/');
 */
export function acknowledgeObjectWildcard(role: iam.IRole, bucket: s3.IBucket, prefix: string, reason: string): void {
  const cfn = bucket.node.defaultChild as CfnElement | undefined;
  if (cfn === undefined) return;
  const logicalId = Stack.of(role).resolve(cfn.logicalId) as string;
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`, reason });
}
