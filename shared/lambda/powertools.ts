/**
 * The handlers' telemetry on Lambda, with Powertools for AWS Lambda: Logger (one JSON line per
 * batch or object, with the cold-start flag and the request id), Metrics (CloudWatch embedded
 * metric format, namespace POWERTOOLS_METRICS_NAMESPACE, dimension `service`) and Tracer (X-Ray
 * subsegments for every call of the SDK clients it is given).
 *
 * Loaded on a function's first invocation only (see ./handler.ts), so importing a handler costs
 * nothing; the Tracer, which brings the X-Ray SDK, is loaded only when Lambda has tracing on.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DefaultMetricsNamespace, type MetricUnit as Unit, type Telemetry } from './telemetry.js';

/** Powertools' telemetry for one function, and how to trace its SDK clients. */
export interface LambdaTelemetry extends Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Traces every call `client` makes (X-Ray), when tracing is on; returns the client. */
  trace<T>(client: T): T;
}

const units: Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]> = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit };

/**
 * Powertools' Logger, Metrics and (when Lambda traces this function) Tracer for `service`.
 *
 * @example
 * const telemetry = await powertools('pipeline-stream', process.env);
 * telemetry.info('batch', { records: 500 });
 * telemetry.metric('RecordsProcessed', 500);
 * telemetry.flush();
 */
export async function powertools(service: string, env: Readonly<Record<string, string | undefined>>): Promise<LambdaTelemetry> {
  const logger = new Logger({ serviceName: service });
  const metrics = new Metrics({ serviceName: service, namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? DefaultMetricsNamespace });
  // Lambda sets _X_AMZN_TRACE_ID when the function is traced; elsewhere the X-Ray SDK is not loaded
  const tracer = env._X_AMZN_TRACE_ID !== undefined && env.POWERTOOLS_TRACE_ENABLED !== 'false' ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: service }) : undefined;
  let added = 0;
  return {
    logger,
    metrics,
    info: (message, fields) => logger.info(message, { ...fields }),
    metric: (name, value, unit = 'Count') => {
      metrics.addMetric(name, units[unit], value);
      added++;
    },
    flush: () => {
      // an invocation that measured nothing publishes nothing (Powertools would warn)
      if (added > 0) metrics.publishStoredMetrics();
      added = 0;
    },
    trace: (client) => (tracer === undefined ? client : tracer.captureAWSv3Client(client)),
  };
}
