import { Aws, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { FunctionNames, Functions as Manifest, isKafkaFunction, type FunctionName, type KafkaFunctionName } from '../../functions/manifest.js';
import { Topics } from '../../shared/config.js';
import { MetricNames, type MetricName } from '../../shared/lambda/telemetry.js';
import { consumerGroupOf, DeadLetterSuffix } from './functions.js';
import type { PipelineFunction } from './pipeline-function.js';
import { deadLetterWrites, messagesIn, MetricPeriod, offsetLag, timeLag } from './pipeline-metrics.js';
import type { Storage } from './storage.js';
import type { Streaming } from './streaming.js';

/** A graph of a function's own metrics: those on the left axis and, on a scale of their own, the right. */
export interface HandlerMetricGraph {
  readonly title: string;
  readonly left: readonly MetricName[];
  readonly right?: readonly MetricName[];
}

/**
 * The graphs of each function's own metrics, named by `MetricNames` as its handler emits them. A
 * function missing here still gets its Lambda graphs (and, when Kafka triggers it, its lag); the
 * dashboard's test fails while a handler emits a metric that none of its graphs shows.
 */
export const HandlerMetricGraphs: Readonly<Partial<Record<FunctionName, readonly HandlerMetricGraph[]>>> = {
  preprocess: [{ title: 'rows cleaned and quarantined; files rejected (right)', left: [MetricNames.rowsCleaned, MetricNames.rowsQuarantined], right: [MetricNames.objectsRejected] }],
  stream: [{ title: 'readings processed, anomalies, dead letters', left: [MetricNames.recordsProcessed, MetricNames.anomalies, MetricNames.deadLetters] }],
  cdc: [
    { title: 'change events processed and applied, dead letters', left: [MetricNames.recordsProcessed, MetricNames.changesApplied, MetricNames.deadLetters] },
    { title: 'model AUC; model version (right)', left: [MetricNames.modelAuc], right: [MetricNames.modelVersion] },
  ],
  analytics: [{ title: 'analyses run, table loads', left: [MetricNames.analysesRun, MetricNames.tableLoads] }],
};

/**
 * How a metric is summed up over a period when it is not a count (counts add up): the model's
 * version is the newest one published, its AUC the mean of the period's.
 */
const NotSummed: Readonly<Partial<Record<MetricName, string>>> = { [MetricNames.modelVersion]: 'Maximum', [MetricNames.modelAuc]: 'Average' };

/** Widths and heights in the dashboard's grid (24 columns). */
const Grid = { columns: 24, graphWidth: 6, graphHeight: 6, headerHeight: 1 } as const;

export interface PipelineDashboardProps {
  readonly functions: Readonly<Record<FunctionName, PipelineFunction>>;
  readonly storage: Storage;
  /** The MSK side, for the lag graphs; without it the Kafka-triggered functions have no mapping and no lag. */
  readonly streaming?: Streaming;
  /** With `onFailure=kafka`, the topics whose failed batches go to `<topic>.dlq`, shown beside the dead-letter bucket. */
  readonly deadLetterTopics?: readonly string[];
  /** Shown at the top, with their state. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * One CloudWatch dashboard for the stack, built from functions/manifest.ts so a new function gets
 * its row. At the top, the alarms' state and the dead letters; then one row per function, in
 * pipeline order: a header (the manifest's description), invocations with errors and throttles,
 * duration (p50, p99, maximum), its handler's own metrics ({@link HandlerMetricGraphs}) and, for
 * a Kafka-triggered function, its consumer lag (Lambda's OffsetLag and MSK's EstimatedMaxTimeLag
 * of its consumer group). docs/observability.md describes every graph.
 *
 * @example
 * const dashboard = new PipelineDashboard(this, 'Dashboard', { functions, storage, streaming, alarms });
 * new CfnOutput(this, 'DashboardUrl', { value: dashboard.url });
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The CloudWatch console's address of the dashboard (the standard AWS partition). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const { functions, storage, streaming } = props;
    const stackName = Stack.of(this).stackName;
    // dashboard names are unique per account, not per region: the region keeps two deployments of one stage apart
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', { dashboardName: `${stackName}-${Aws.REGION}` });
    this.url = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`;

    const deadLetters = graph('dead letters: failed events and batches', [withLabel(deadLetterWrites(storage), 'written to the dead-letter bucket')]);
    if (streaming) {
      for (const topic of props.deadLetterTopics ?? []) deadLetters.addRightMetric(withLabel(messagesIn(streaming, `${topic}${DeadLetterSuffix}`), `messages/s into ${topic}${DeadLetterSuffix}`));
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'alarms', alarms: [...props.alarms], width: Grid.columns - Grid.graphWidth, height: Grid.graphHeight }),
      deadLetters,
    );

    for (const name of FunctionNames) {
      const fn = functions[name];
      const spec = Manifest[name];
      this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `**${name}**: ${markdownText(spec.description)}`, width: Grid.columns, height: Grid.headerHeight }));
      this.dashboard.addWidgets(...this.functionGraphs(name, fn, stackName, streaming));
    }
  }

  /** A function's row: Lambda's graphs, its handler's metrics, and its lag when Kafka triggers it. */
  private functionGraphs(name: FunctionName, fn: PipelineFunction, stackName: string, streaming: Streaming | undefined): cloudwatch.IWidget[] {
    const lambda = fn.function;
    const graphs = [
      graph(`${name}: invocations, errors, throttles`, [
        lambda.metricInvocations({ statistic: 'Sum', period: MetricPeriod, label: 'Invocations' }),
        lambda.metricErrors({ statistic: 'Sum', period: MetricPeriod, label: 'Errors' }),
        lambda.metricThrottles({ statistic: 'Sum', period: MetricPeriod, label: 'Throttles' }),
      ]),
      graph(
        `${name}: duration (ms)`,
        (['p50', 'p99', 'Maximum'] as const).map((statistic) => lambda.metricDuration({ statistic, period: MetricPeriod, label: statistic })),
      ),
      ...(HandlerMetricGraphs[name] ?? []).map((spec) => {
        const metric = (metricName: MetricName) => fn.handlerMetric(metricName, { statistic: NotSummed[metricName] ?? 'Sum', period: MetricPeriod, label: metricName });
        return graph(`${name}: ${spec.title}`, spec.left.map(metric), (spec.right ?? []).map(metric));
      }),
    ];
    if (streaming && isKafkaFunction(name)) graphs.push(lagGraph(name, fn, stackName, streaming));
    return graphs;
  }
}

/** A Kafka-triggered function's lag: records behind (Lambda) on the left, seconds behind (MSK, its consumer group) on the right. */
function lagGraph(name: KafkaFunctionName, fn: PipelineFunction, stackName: string, streaming: Streaming): cloudwatch.GraphWidget {
  const topic = Topics[Manifest[name].trigger.topic].name;
  const group = consumerGroupOf(stackName, name);
  return graph(
    `${name}: consumer lag on ${topic}`,
    [withLabel(offsetLag(fn), 'records behind (OffsetLag)')],
    [withLabel(timeLag(streaming, group, topic), `seconds behind, group ${group} (EstimatedMaxTimeLag)`)],
  );
}

function graph(title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    right,
    width: Grid.graphWidth,
    height: Grid.graphHeight,
    leftYAxis: { min: 0 },
    rightYAxis: { min: 0 },
  });
}

/** `text` as literal Markdown: its punctuation escaped, so `processed/<name>/` is not taken for an HTML tag. */
function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

function withLabel(metric: cloudwatch.Metric, label: string): cloudwatch.Metric {
  return metric.with({ label });
}
