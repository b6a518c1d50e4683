/**
 * The in-memory analytics Lambda (10 GB in AWS). It keeps the cleaned customer table in memory
 * across warm invocations (the cache lives at module level, as long as the container) and reloads
 * it only when the object's ETag changes or the event asks for a refresh; the result and the log
 * line say which happened (`cache.state`: cold, warm or reloaded) and how long each part took.
 *
 * Event: `{analyses?: string[], refresh?: boolean, dataset?: string}`, an S3 notification of a new
 * `processed/<dataset>/latest.json`, or nothing (all analyses, ANALYTICS_DATASET or the newest).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { TableCache } from '../../shared/analytics/cache.js';
import { parseAnalyticsEvent, runAnalytics, type AnalyticsDeps, type AnalyticsResult } from '../../shared/analytics/service.js';
import { loadConfig, type PipelineConfig } from '../../shared/config.js';
import { openStore } from '../../shared/stores.js';

/** Everything an invocation needs but the cache. */
export type AnalyticsSetup = Omit<AnalyticsDeps, 'cache'>;

/**
 * The stores of a configuration (processed, models and results areas), for {@link createAnalyticsHandler}.
 *
 * @example
 * const handler = createAnalyticsHandler(() => analyticsSetup(loadConfig(process.env)));
 */
export function analyticsSetup(config: PipelineConfig, log?: AnalyticsDeps['log']): AnalyticsSetup {
  return {
    processed: openStore(config, 'processed'),
    models: openStore(config, 'models'),
    results: openStore(config, 'results'),
    config,
    ...(log ? { log } : {}),
  };
}

/**
 * A handler over its setup (built on the first invocation) and an in-memory cache that lives as
 * long as the handler: the Lambda keeps one per container; `pipeline run` and the tests make their own.
 *
 * @example
 * const analytics = createAnalyticsHandler(() => analyticsSetup(config));
 * (await analytics({})).report?.html; // data/results/analytics/<dataset>/report.html
 * (await analytics({})).cache.state; // 'warm'
 */
export function createAnalyticsHandler(setup: () => AnalyticsSetup, cache = new TableCache()): (event: unknown) => Promise<AnalyticsResult> {
  let resolved: AnalyticsSetup | undefined;
  return async (event) => {
    const request = parseAnalyticsEvent(event);
    resolved ??= setup();
    return runAnalytics(request, { ...resolved, cache });
  };
}

const logger = new Logger({ serviceName: 'analytics' });

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler = createAnalyticsHandler(() => analyticsSetup(loadConfig(process.env), (message, fields) => logger.info(message, fields)));
