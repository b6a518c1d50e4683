import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { PipelineFunction } from './pipeline-function.js';
import type { Storage } from './storage.js';
import type { Streaming } from './streaming.js';

/**
 * The AWS metrics that both the alarms (./monitoring.ts) and the dashboard (./dashboard.ts) show,
 * built in one place so an alarm and the graph beside it always watch the same series. Each is
 * the statistic that answers its question over {@link MetricPeriod}.
 */

/** The period of the alarms and of the dashboard's graphs. */
export const MetricPeriod = Duration.minutes(5);

/**
 * Writes to the dead-letter bucket (S3 request metrics, filter `all`, which the Storage construct
 * turns on outside the local stage): each one is a failed event or batch.
 *
 * @example
 * deadLetterWrites(storage); // AWS/S3 PutRequests, Sum per 5 minutes
 */
export function deadLetterWrites(storage: Storage): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/S3',
    metricName: 'PutRequests',
    dimensionsMap: { BucketName: storage.deadLetterBucket.bucketName, FilterId: 'all' },
    statistic: 'Sum',
    period: MetricPeriod,
  });
}

/**
 * Lambda's `OffsetLag` of a Kafka-triggered function (namespace `AWS/Lambda`, dimension
 * `FunctionName`): how many records its event source mapping is behind the newest on its topic.
 *
 * @example
 * offsetLag(functions.stream); // the maximum over 5 minutes
 */
export function offsetLag(fn: PipelineFunction): cloudwatch.Metric {
  return fn.function.metric('OffsetLag', { statistic: 'Maximum', period: MetricPeriod });
}

/**
 * MSK's `EstimatedMaxTimeLag` of a consumer group on a topic (namespace `AWS/Kafka`): how many
 * seconds the group is behind, the slowest partition's.
 *
 * @example
 * timeLag(streaming, 'Pipeline-dev-cdc', 'customer_updates');
 */
export function timeLag(streaming: Streaming, consumerGroup: string, topic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName: 'EstimatedMaxTimeLag',
    dimensionsMap: { 'Cluster Name': streaming.arns.clusterName, 'Consumer Group': consumerGroup, Topic: topic },
    statistic: 'Maximum',
    period: MetricPeriod,
  });
}

/**
 * MSK's `MessagesInPerSec` on a topic: with `onFailure=kafka`, anything above zero on a
 * `<topic>.dlq` topic is a batch the event source mapping gave up on.
 *
 * @example
 * messagesIn(streaming, 'sensor_data.dlq');
 */
export function messagesIn(streaming: Streaming, topic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName: 'MessagesInPerSec',
    dimensionsMap: { 'Cluster Name': streaming.arns.clusterName, Topic: topic },
    statistic: 'Maximum',
    period: MetricPeriod,
  });
}
