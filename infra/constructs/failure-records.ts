import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeObjectWildcard } from './pipeline-function.js';

/** Lets `fn` (in fact Lambda, on its behalf) write failure records to `bucket`, and nothing more. */
function allowFailureRecords(fn: lambda.IFunction, bucket: s3.IBucket): { destination: string } {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  acknowledgeObjectWildcard(
    fn.role!,
    bucket,
    '',
    'Lambda itself names the failure records it writes (aws/lambda/<mapping>/<partition>/<date>/...), so the grant covers the dead-letter bucket, which holds nothing else.',
  );
  return { destination: bucket.bucketArn };
}

/**
 * An S3 on-failure destination for a Kafka event source that grants only what Lambda needs to
 * write there (s3:PutObject and s3:ListBucket, per the Lambda documentation), where CDK's
 * `S3OnFailureDestination` grants read and write on the whole bucket.
 *
 * @example
 * new ManagedKafkaEventSource({ ..., onFailure: new S3FailureRecords(storage.deadLetterBucket) });
 */
export class S3FailureRecords implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    return allowFailureRecords(targetHandler, this.bucket);
  }
}

/**
 * The same least-privilege S3 destination for asynchronous invocations (the S3-triggered
 * functions): where a failed event goes after its retries. CDK's `S3Destination` also grants
 * reading the bucket, which no function needs.
 *
 * @example
 * fn.configureAsyncInvoke({ retryAttempts: 2, onFailure: new S3FailureDestination(storage.deadLetterBucket) });
 */
export class S3FailureDestination implements lambda.IDestination {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    return allowFailureRecords(fn, this.bucket);
  }
}
