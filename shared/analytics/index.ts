/**
 * The analytics library (task 4, in-memory processing): the analyses (pure functions over an
 * in-memory arquero table), their registry, the runner, the in-memory table and its cache, the
 * report, and the service the handler, the CLI and `pipeline run` call.
 */
export { ANALYSES, ANALYSIS_NAMES, selectAnalyses } from './registry.js';
export { runAnalyses, type AnalysisRun, type RunOptions } from './run.js';
export { prepareTable, readCleanedParquet } from './table.js';
export { TableCache, type CacheLookup, type CacheState } from './cache.js';
export { responseModelFrom, type ResponseModel } from './model.js';
export {
  loadModel,
  parseAnalyticsEvent,
  reportKeys,
  resolveDataset,
  runAnalytics,
  type AnalyticsDeps,
  type AnalyticsRequest,
  type AnalyticsResult,
  type AnalyticsTimings,
} from './service.js';
export type { Analysis, AnalysisContext, AnalysisOutcome, ChartSpec, Row } from './types.js';
