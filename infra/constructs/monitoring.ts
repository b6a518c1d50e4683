import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Settings } from '../settings.js';
import { Functions as Manifest, KafkaFunctionNames, type FunctionName } from '../../functions/manifest.js';
import { Topics } from '../../shared/config.js';
import { PipelineDashboard } from './dashboard.js';
import { consumerGroupOf, DeadLetterSuffix } from './functions.js';
import type { PipelineFunction } from './pipeline-function.js';
import { deadLetterWrites, messagesIn, MetricPeriod, offsetLag, timeLag } from './pipeline-metrics.js';
import type { Storage } from './storage.js';
import type { Streaming } from './streaming.js';

export interface MonitoringProps {
  readonly settings: Settings;
  readonly storage: Storage;
  readonly streaming?: Streaming;
  readonly functions: Readonly<Record<FunctionName, PipelineFunction>>;
}

/**
 * Alarms: any function error; any arrival of a dead letter (a PUT to the dead-letter bucket, or
 * a message on a dead-letter topic with `onFailure=kafka`); and consumer lag, both as Lambda's
 * OffsetLag (records behind) and MSK's EstimatedMaxTimeLag (seconds behind) per consumer group.
 * Missing data is not a breach: an idle pipeline is healthy. And, outside the local stage, the
 * dashboard that shows them beside the metrics they watch (./dashboard.ts).
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The stack's dashboard; none in the local stage. */
  readonly dashboard: PipelineDashboard | undefined;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { settings, storage, streaming, functions } = props;
    const notify = settings.alarmTopicArn === '' ? undefined : new actions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn));
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1, above = false): void => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: above ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (notify) created.addAlarmAction(notify);
      this.alarms.push(created);
    };
    for (const [name, fn] of Object.entries(functions)) {
      alarm(`${name}Errors`, fn.function.metricErrors({ period: MetricPeriod, statistic: 'Sum' }), 1, `The ${name} function failed at least once in 5 minutes`);
    }

    alarm('DeadLetters', deadLetterWrites(storage), 1, 'A failed event or batch was written to the dead-letter bucket');

    /** The topics with a `<topic>.dlq`: those of Kafka-triggered functions that give a batch up. */
    const deadLetterTopics =
      settings.onFailure === 'kafka' ? KafkaFunctionNames.filter((name) => settings.functions[name].retryAttempts >= 0).map((name) => Topics[Manifest[name].trigger.topic].name) : [];
    if (streaming) {
      for (const name of KafkaFunctionNames) {
        const topic = Topics[Manifest[name].trigger.topic].name;
        alarm(
          `${name}OffsetLag`,
          offsetLag(functions[name]),
          settings.offsetLagThreshold,
          `The ${name} function is at least ${settings.offsetLagThreshold} records behind on ${topic} for 15 minutes`,
          3,
        );
        alarm(
          `${name}TimeLag`,
          timeLag(streaming, consumerGroupOf(Stack.of(this).stackName, name), topic),
          settings.timeLagThresholdSeconds,
          `The ${name} consumer group is at least ${settings.timeLagThresholdSeconds} s behind on ${topic} for 15 minutes`,
          3,
        );
        if (deadLetterTopics.includes(topic)) {
          alarm(`${name}DeadLetterTopic`, messagesIn(streaming, `${topic}${DeadLetterSuffix}`), 0, `A batch of ${topic} was sent to ${topic}${DeadLetterSuffix}`, 1, true);
        }
      }
    }

    // LocalStack (community, 4.x) has no CloudFormation resource for a dashboard and would only pretend to create one
    this.dashboard =
      settings.stage === 'local' ? undefined : new PipelineDashboard(this, 'Dashboard', { functions, storage, streaming, deadLetterTopics, alarms: this.alarms });
  }
}
