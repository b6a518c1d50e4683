/**
 * The in-memory analytics Lambda (10 GB in AWS). It keeps the cleaned customer table in memory
 * across warm invocations (`cache` lives at module level, as long as the container) and reloads it
 * only when the object's ETag changes or the event asks for a refresh; the result and the log say
 * which happened (`cache.state`: cold, warm or reloaded) and how long each part took.
 *
 * Event: `{analyses?: string[], refresh?: boolean, dataset?: string}`, an S3 notification of a new
 * `processed/<dataset>/latest.json`, or nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { TableCache } from '../../shared/analytics/cache.js';
import { parseAnalyticsEvent, runAnalytics, type AnalyticsDeps, type AnalyticsResult } from '../../shared/analytics/service.js';
import { loadConfig } from '../../shared/config.js';
import { openStore } from '../../shared/stores.js';

/** Builds a handler over its dependencies; `pipeline run` and the tests build their own. */
export function createAnalyticsHandler(deps: () => Omit<AnalyticsDeps, 'cache'>, cache = new TableCache()): (event: unknown) => Promise<AnalyticsResult> {
  let resolved: Omit<AnalyticsDeps, 'cache'> | undefined;
  return async (event) => {
    const request = parseAnalyticsEvent(event);
    resolved ??= deps();
    return runAnalytics(request, { ...resolved, cache });
  };
}

const logger = new Logger({ serviceName: 'analytics' });

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler = createAnalyticsHandler(() => {
  const config = loadConfig(process.env);
  return {
    processed: openStore(config, 'processed'),
    models: openStore(config, 'models'),
    results: openStore(config, 'results'),
    config,
    log: (message, fields) => logger.info(message, fields),
  };
});
