import { Template } from 'aws-cdk-lib/assertions';
import { fileURLToPath } from 'node:url';
import { createPipelineApp } from '../../infra/pipeline-app.js';
import type { PipelineStack } from '../../infra/pipeline-stack.js';

/** The stand-in handler the assertion tests wire (they check wiring, not handler code). */
export const FixtureEntry = fileURLToPath(new URL('../fixtures/infra/handler.ts', import.meta.url));

/** An existing cluster's ARN, for the `existing` mode. */
export const ExistingClusterArn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/shared-kafka/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2';

/**
 * Builds the pipeline stack from `context` without bundling and without cdk-nag (both have their
 * own tests), every function wired to the fixture handler.
 */
export function synthPipeline(context: Record<string, unknown> = {}): { stack: PipelineStack; template: Template } {
  const { stack } = createPipelineApp({ context: { 'aws:cdk:enable-path-metadata': true, ...context }, skipBundling: true, nag: false, entryFor: () => FixtureEntry });
  return { stack, template: Template.fromStack(stack) };
}

/** The logical ID of the only resource of `type` whose construct path ends with `pathEnd`. */
export function logicalIdOf(stack: PipelineStack, template: Template, type: string, pathEnd: string): string {
  const ids = Object.entries(template.findResources(type)).filter(([, r]) => String(r.Metadata?.['aws:cdk:path'] ?? '').endsWith(pathEnd)).map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} at ...${pathEnd} in ${stack.stackName}, found ${ids.length}`);
  return ids[0]!;
}
