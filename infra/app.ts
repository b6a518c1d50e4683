/**
 * The CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). Settings come from the context; see
 * infra/settings.ts and the README's "Infrastructure" section.
 */
import { createPipelineApp } from './pipeline-app.js';

createPipelineApp().app.synth();
