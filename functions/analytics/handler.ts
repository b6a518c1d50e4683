/**
 * The in-memory analytics function (10 GB in AWS). It keeps the cleaned customer table in memory
 * across warm invocations (the cache lives as long as the handler, so as the container) and
 * reloads it only when the object's ETag changes or the event asks for a refresh; the result and
 * the log line say which happened (`cache.state`: cold, warm or reloaded) and how long each part took.
 *
 * Event: `{analyses?: string[], refresh?: boolean, dataset?: string}`, an S3 notification of a new
 * `processed/<dataset>/latest.json`, or nothing (all analyses, ANALYTICS_DATASET or the newest).
 */
import { TableCache } from '../../shared/analytics/cache.js';
import { parseAnalyticsEvent, runAnalytics, type AnalyticsDeps, type AnalyticsResult } from '../../shared/analytics/service.js';
import type { PipelineConfig } from '../../shared/config.js';
import { lambdaHandler, type Handler } from '../../shared/lambda/handler.js';
import { MetricNames, quiet, type Telemetry } from '../../shared/lambda/telemetry.js';
import { openStore } from '../../shared/stores.js';

/** Everything an invocation needs but the cache and the log. */
export type AnalyticsSetup = Omit<AnalyticsDeps, 'cache' | 'log'>;

/**
 * A handler over its stores and an in-memory cache that lives as long as the handler: the Lambda
 * keeps one per container; `pipeline run` and the tests make their own.
 *
 * @example
 * const analytics = createAnalyticsHandler({ processed: store, models: store, results: store, config });
 * (await analytics({})).report?.html; // data/results/analytics/<dataset>/report.html
 * (await analytics({})).cache.state; // 'warm'
 */
export function createAnalyticsHandler(setup: AnalyticsSetup, cache = new TableCache(), telemetry: Telemetry = quiet): Handler<unknown, AnalyticsResult> {
  return async (event) => {
    const request = parseAnalyticsEvent(event);
    try {
      const result = await runAnalytics(request, { ...setup, cache, log: (message, fields) => telemetry.info(message, fields) });
      telemetry.metric(MetricNames.analysesRun, Object.keys(result.analyses).length);
      telemetry.metric(MetricNames.tableLoads, result.cache.state === 'warm' ? 0 : 1);
      return result;
    } finally {
      telemetry.flush();
    }
  };
}

/**
 * The function as a configuration sets it up: the processed, models and results areas.
 *
 * @example
 * const analytics = handlerFor(loadConfig(process.env));
 */
export function handlerFor(config: PipelineConfig, telemetry: Telemetry = quiet): Handler<unknown, AnalyticsResult> {
  return createAnalyticsHandler({ processed: openStore(config, 'processed'), models: openStore(config, 'models'), results: openStore(config, 'results'), config }, new TableCache(), telemetry);
}

/** The Lambda entry point. */
export const handler = lambdaHandler('pipeline-analytics', handlerFor);
