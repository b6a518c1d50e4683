/**
 * The CloudWatch dashboard: every function of the manifest has its Lambda graphs, every Kafka
 * function its lag on the consumer group its event source mapping uses, and every metric a
 * handler emits is graphed under the namespace, name and dimension Powertools publishes it with.
 * The handlers' side is read from the handlers themselves (the service name they pass to
 * `lambdaHandler` and the `MetricNames` they emit) and serialized by the same Powertools set-up
 * they run on Lambda, so the test fails when either side changes alone.
 */
import { readFileSync } from 'node:fs';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { FunctionNames, Functions as Manifest, KafkaFunctionNames, type FunctionName } from '../../functions/manifest.js';
import { Topics } from '../../shared/config.js';
import { powertools } from '../../shared/lambda/powertools.js';
import { DefaultMetricsNamespace, MetricNames, type MetricName } from '../../shared/lambda/telemetry.js';
import type { PipelineStack } from '../../infra/pipeline-stack.js';
import { ExistingClusterArn, logicalIdOf, synthPipeline } from './helpers.js';

/** One metric of a graph: namespace, name, dimensions and its rendering options. */
interface GraphMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly options: { readonly stat?: string; readonly label?: string; readonly yAxis?: string };
}

interface Widget {
  readonly type: string;
  readonly title: string;
  readonly metrics: GraphMetric[];
  readonly alarms: string[];
  readonly markdown?: string;
}

/**
 * A CloudFormation intrinsic inside the dashboard body, as a string that can stand in a JSON
 * string: `Ref(<id>)`, `GetAtt(<id>.<attr>)`, or the intrinsic's JSON with single quotes.
 */
function intrinsic(part: Record<string, unknown>): string {
  if (typeof part.Ref === 'string') return `Ref(${part.Ref})`;
  const getAtt = part['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `GetAtt(${getAtt.join('.')})`;
  return `Intrinsic(${JSON.stringify(part).replaceAll('"', "'")})`;
}

/** The dashboard's widgets: its body (an `Fn::Join` of JSON text and intrinsics) joined and parsed. */
function dashboardWidgets(template: Template): Widget[] {
  const body = new Capture();
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body, DashboardName: Match.anyValue() });
  const [separator, parts] = (body.asObject() as { 'Fn::Join': [string, Array<string | Record<string, unknown>>] })['Fn::Join'];
  const text = parts.map((part) => (typeof part === 'string' ? part : intrinsic(part))).join(separator);
  const parsed = JSON.parse(text) as { widgets: Array<{ type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string } }> };
  return parsed.widgets.map(({ type, properties }) => ({
    type,
    title: properties.title ?? '',
    metrics: (properties.metrics ?? []).map(graphMetric),
    alarms: properties.alarms ?? [],
    markdown: properties.markdown,
  }));
}

/** `[namespace, name, dim1, value1, ..., {options}]`, as CloudWatch's dashboard body writes a metric. */
function graphMetric(row: unknown[]): GraphMetric {
  const last = row.at(-1);
  const options = typeof last === 'object' && last !== null ? (last as GraphMetric['options']) : {};
  const [namespace, name, ...rest] = (typeof last === 'object' ? row.slice(0, -1) : row) as string[];
  const dimensions: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]!] = rest[i + 1]!;
  return { namespace: namespace!, name: name!, dimensions, options };
}

const key = (m: Pick<GraphMetric, 'namespace' | 'name' | 'dimensions'>): string =>
  `${m.namespace} ${m.name} ${Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;

/**
 * What a function's handler module says about its metrics: the service name it passes to
 * `lambdaHandler(...)` and every `MetricNames.<key>` it uses, read from its syntax tree.
 */
function handlerMetrics(name: FunctionName): { service: string; metrics: MetricName[] } {
  const file = new URL(`../../functions/${name}/handler.ts`, import.meta.url);
  const source = ts.createSourceFile(file.pathname, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const services: string[] = [];
  const metrics = new Set<MetricName>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'lambdaHandler') {
      const [service] = node.arguments;
      if (service && ts.isStringLiteralLike(service)) services.push(service.text);
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'MetricNames') {
      const metric = MetricNames[node.name.text as keyof typeof MetricNames];
      if (metric === undefined) throw new Error(`${file.pathname}: MetricNames.${node.name.text} is not a metric name`);
      metrics.add(metric);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (services.length !== 1) throw new Error(`${file.pathname}: expected one lambdaHandler('<service>', ...) call, found ${services.length}`);
  return { service: services[0]!, metrics: [...metrics] };
}

/** The metrics Powertools publishes for `metrics` of `service` (the EMF document), as keys. */
async function publishedMetrics(service: string, namespace: string, metrics: readonly MetricName[]): Promise<string[]> {
  const telemetry = await powertools(service, { POWERTOOLS_METRICS_NAMESPACE: namespace });
  for (const metric of metrics) telemetry.metric(metric, 1);
  const emf = telemetry.metrics.serializeMetrics() as unknown as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  };
  return emf._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.flatMap((metric) =>
      directive.Dimensions.map((dimensionSet) => key({ namespace: directive.Namespace, name: metric.Name, dimensions: Object.fromEntries(dimensionSet.map((d) => [d, String(emf[d])])) })),
    ),
  );
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

describe('the dashboard of the default deployment (dev, MSK Serverless)', () => {
  let stack: PipelineStack;
  let template: Template;
  let widgets: Widget[];
  const functionId = (name: FunctionName) => logicalIdOf(stack, template, 'AWS::Lambda::Function', `Functions/${capitalize(name)}/Function/Resource`);
  beforeAll(() => {
    ({ stack, template } = synthPipeline());
    widgets = dashboardWidgets(template);
  });

  it("graphs every function's invocations, errors and throttles, and its duration at p50, p99 and maximum", () => {
    for (const name of FunctionNames) {
      const fn = { FunctionName: `Ref(${functionId(name)})` };
      const ofFunction = widgets.filter((w) => w.metrics.some((m) => m.namespace === 'AWS/Lambda' && key(m) === key({ namespace: 'AWS/Lambda', name: m.name, dimensions: fn })));
      const expected: Array<[string, Array<[string, string]>]> = [
        ['Invocations', [['Invocations', 'Sum'], ['Errors', 'Sum'], ['Throttles', 'Sum']]],
        ['Duration', [['Duration', 'p50'], ['Duration', 'p99'], ['Duration', 'Maximum']]],
      ];
      for (const [first, metrics] of expected) {
        const widget = ofFunction.find((w) => w.metrics[0]?.name === first);
        expect(widget?.title, `${name} ${first}`).toMatch(new RegExp(`^${name}: `));
        expect(widget!.metrics.map((m) => [m.name, m.dimensions, m.options.stat])).toEqual(metrics.map(([metric, stat]) => [metric, fn, stat]));
      }
    }
  });

  it('heads each function\'s row with its name, in the order of the manifest', () => {
    const headers = widgets.filter((w) => w.type === 'text').map((w) => w.markdown!.match(/^\*\*(\w+)\*\*/)?.[1]);
    expect(headers).toEqual(FunctionNames);
  });

  it('graphs exactly the metrics the handlers emit, under the namespace, name and service dimension Powertools publishes', async () => {
    const expected: string[] = [];
    for (const name of FunctionNames) {
      const { service, metrics } = handlerMetrics(name);
      const env = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service, POWERTOOLS_METRICS_NAMESPACE: env }) } });
      expect(env.asString()).toBe(DefaultMetricsNamespace);
      expected.push(...(await publishedMetrics(service, env.asString(), metrics)));
    }
    const graphed = widgets.flatMap((w) => w.metrics).filter((m) => !m.namespace.startsWith('AWS/'));
    expect(new Set(graphed.map(key))).toEqual(new Set(expected));
    expect(expected).toContain(`${DefaultMetricsNamespace} ${MetricNames.rowsQuarantined} service=pipeline-preprocess`);
    expect(expected).toContain(`${DefaultMetricsNamespace} ${MetricNames.modelAuc} service=pipeline-cdc`);
  });

  it("puts each handler metric in its function's row, counts summed and the model's version and AUC as a maximum and a mean", () => {
    for (const widget of widgets) {
      for (const metric of widget.metrics.filter((m) => !m.namespace.startsWith('AWS/'))) {
        expect(widget.title).toMatch(new RegExp(`^${metric.dimensions.service!.replace('pipeline-', '')}: `));
        const stat = { [MetricNames.modelVersion]: 'Maximum', [MetricNames.modelAuc]: 'Average' }[metric.name] ?? 'Sum';
        // a dashboard's default statistic is Average, which CDK leaves out of the body
        expect([metric.name, metric.options.stat ?? 'Average']).toEqual([metric.name, stat]);
      }
    }
  });

  it('graphs the lag of each Kafka function: OffsetLag of the function, and MSK time lag of the consumer group its event source mapping uses', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(KafkaFunctionNames.length);
    const cluster = logicalIdOf(stack, template, 'AWS::MSK::ServerlessCluster', 'Streaming/Cluster');
    for (const mapping of mappings) {
      const { FunctionName, Topics: [topic], AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: group } } = mapping.Properties;
      const lag = widgets.find((w) => w.metrics.some((m) => m.name === 'OffsetLag' && m.dimensions.FunctionName === `Ref(${FunctionName.Ref})`));
      expect(lag, `lag of ${FunctionName.Ref}`).toBeDefined();
      expect(lag!.title).toContain(topic);
      expect(lag!.metrics.map((m) => [m.namespace, m.name, m.options.stat, m.options.yAxis ?? 'left'])).toEqual([
        ['AWS/Lambda', 'OffsetLag', 'Maximum', 'left'],
        ['AWS/Kafka', 'EstimatedMaxTimeLag', 'Maximum', 'right'],
      ]);
      const { 'Cluster Name': clusterName, ...rest } = lag!.metrics[1]!.dimensions;
      expect(rest).toEqual({ 'Consumer Group': group, Topic: topic });
      expect(clusterName).toContain(cluster);
    }
    expect(mappings.map((m) => m.Properties.Topics[0]).sort()).toEqual(KafkaFunctionNames.map((name) => Topics[Manifest[name].trigger.topic].name).sort());
  });

  it('shows the state of every alarm of the stack and the writes to the dead-letter bucket at the top', () => {
    const [alarms, deadLetters] = widgets;
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms!.type).toBe('alarm');
    expect([...alarms!.alarms].sort()).toEqual(alarmIds.map((id) => `GetAtt(${id}.Arn)`).sort());
    const bucket = logicalIdOf(stack, template, 'AWS::S3::Bucket', 'Storage/DeadLetter/Resource');
    expect(deadLetters!.metrics.map(key)).toEqual([key({ namespace: 'AWS/S3', name: 'PutRequests', dimensions: { BucketName: `Ref(${bucket})`, FilterId: 'all' } })]);
  });

  it("outputs the dashboard's name and its address in the CloudWatch console", () => {
    const dashboard = logicalIdOf(stack, template, 'AWS::CloudWatch::Dashboard', 'Monitoring/Dashboard/Resource/Resource');
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: { 'Fn::Join': ['', ['Pipeline-dev-', { Ref: 'AWS::Region' }]] } });
    template.hasOutput('DashboardName', { Value: { Ref: dashboard } });
    const url = new Capture();
    template.hasOutput('DashboardUrl', { Value: { 'Fn::Join': ['', url] } });
    expect(url.asArray()).toEqual(['https://', { Ref: 'AWS::Region' }, '.console.aws.amazon.com/cloudwatch/home?region=', { Ref: 'AWS::Region' }, '#dashboards/dashboard/', { Ref: dashboard }]);
  });
});

describe('the dashboard of a deployment on an existing cluster with dead-letter topics', () => {
  let widgets: Widget[];
  beforeAll(() => {
    widgets = dashboardWidgets(synthPipeline({ mskMode: 'existing', mskClusterArn: ExistingClusterArn, onFailure: 'kafka' }).template);
  });

  it("names the existing cluster in the consumer groups' lag", () => {
    const timeLags = widgets.flatMap((w) => w.metrics).filter((m) => m.name === 'EstimatedMaxTimeLag');
    expect(timeLags.map((m) => [m.dimensions['Cluster Name'], m.dimensions['Consumer Group']])).toEqual(KafkaFunctionNames.map((name) => ['shared-kafka', `Pipeline-dev-${name}`]));
  });

  it('shows the messages into each dead-letter topic beside the dead-letter bucket (cdc never gives a batch up, so it has none)', () => {
    const deadLetters = widgets[1]!;
    const withDlq = KafkaFunctionNames.filter((name) => Manifest[name].retryAttempts >= 0).map((name) => Topics[Manifest[name].trigger.topic].name);
    expect(withDlq).toEqual([Topics.sensor.name]);
    expect(deadLetters.metrics.filter((m) => m.name === 'MessagesInPerSec').map((m) => [m.dimensions.Topic, m.options.yAxis])).toEqual(withDlq.map((topic) => [`${topic}.dlq`, 'right']));
  });
});

describe('the local stage (LocalStack)', () => {
  it('has no dashboard and no dashboard outputs: community LocalStack has no CloudFormation resource for one', () => {
    const { template } = synthPipeline({ stage: 'local' });
    expect(template.findResources('AWS::CloudWatch::Dashboard')).toEqual({});
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('Dashboard'))).toEqual([]);
  });
});
