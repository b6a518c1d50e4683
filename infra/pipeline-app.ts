import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PipelineStack, type PipelineStackProps } from './pipeline-stack.js';
import { readSettings } from './settings.js';

/**
 * CDK feature flags the app relies on, set in code so the CLI and the tests build the same thing.
 * Access logs are delivered under a bucket policy instead of the legacy LogDeliveryWrite ACL
 * (the buckets enforce object ownership, which disables ACLs).
 */
export const FeatureFlags = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

export interface PipelineAppOptions {
  /** Context on top of cdk.json's (what `-c key=value` gives the CLI). @default {} */
  readonly context?: Record<string, unknown>;
  /** Run cdk-nag's AwsSolutions pack as a validation plugin. @default true except in the local stage */
  readonly nag?: boolean;
  /** Skip esbuild (assertion tests only; the bundling test covers the real thing). @default false */
  readonly skipBundling?: boolean;
  /** @default handlerEntry: functions/<name>/handler.ts */
  readonly entryFor?: PipelineStackProps['entryFor'];
  /** @default - cdk.out, or the CLI's choice */
  readonly outdir?: string;
}

/**
 * Builds the CDK app: one stack, `Pipeline-<stage>`, from the context settings, with cdk-nag's
 * AwsSolutions checks as a validation plugin (synthesis fails on any unacknowledged finding).
 * The local stage is not checked: it only ever goes to LocalStack.
 *
 * @example
 * const { app, stack } = createPipelineApp({ context: { stage: 'prod' } });
 * app.synth();
 */
export function createPipelineApp(options: PipelineAppOptions = {}): { app: App; stack: PipelineStack } {
  const context: Record<string, unknown> = { ...FeatureFlags, ...options.context };
  // CDK's own switch: an empty list of stacks to bundle makes NodejsFunction skip esbuild.
  if (options.skipBundling) context['aws:cdk:bundling-stacks'] = [];
  const appProps: AppProps = { context, outdir: options.outdir };
  const app = new App(appProps);
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new PipelineStack(app, `Pipeline-${settings.stage}`, {
    settings,
    entryFor: options.entryFor,
    description: `Serverless data-processing pipeline (${settings.stage}): S3, MSK ${settings.stage === 'local' ? '(compose Kafka)' : settings.mskMode}, four Lambda functions`,
  });
  if (options.nag ?? settings.stage !== 'local') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
