/**
 * What the handlers report about their work: one structured log line per batch or object, and a
 * few metrics. On Lambda these are Powertools' Logger and Metrics (CloudWatch embedded metric
 * format) and the Tracer on the SDK clients (see ./powertools.ts); `pipeline run`, `serve` and
 * the tests use the same handlers with {@link quiet} telemetry or one of their own.
 *
 * The metric names are a contract: dashboards and alarms are built on them. Add names; do not
 * rename them. docs/observability.md lists them with their units and dimensions.
 */

/** The pipeline's own metrics, by name. Each is emitted by one function (the `service` dimension). */
export const MetricNames = {
  /** preprocess: rows that reached `cleaned.csv`/`cleaned.parquet`, per object. */
  rowsCleaned: 'RowsCleaned',
  /** preprocess: rows set aside in `rejects.csv` (malformed or implausible). */
  rowsQuarantined: 'RowsQuarantined',
  /** preprocess: objects that could not be read as a table (a rejection report was written). */
  objectsRejected: 'ObjectsRejected',
  /** stream and cdc: Kafka records the function was handed. */
  recordsProcessed: 'RecordsProcessed',
  /** stream and cdc: records dead-lettered because they were malformed. */
  deadLetters: 'DeadLetters',
  /** stream: readings beyond a hard limit. */
  anomalies: 'Anomalies',
  /** cdc: change events applied to the table (redeliveries and dead letters excluded). */
  changesApplied: 'ChangesApplied',
  /** cdc: the published model's version after the invocation. */
  modelVersion: 'ModelVersion',
  /** cdc: the published model's AUC on its table. */
  modelAuc: 'ModelAUC',
  /** analytics: analyses computed in the invocation. */
  analysesRun: 'AnalysesRun',
  /** analytics: 1 when the table was loaded (cold or reloaded), 0 when it was reused from memory. */
  tableLoads: 'TableLoads',
} as const;
export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

/** The units the metrics use (a subset of CloudWatch's). */
export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

/** The namespace of the metrics when POWERTOOLS_METRICS_NAMESPACE is not set. */
export const DefaultMetricsNamespace = 'ServerlessDataPipeline';

/** Where a handler reports. */
export interface Telemetry {
  /** One structured log line (a JSON object on Lambda). */
  info(message: string, fields: Readonly<Record<string, unknown>>): void;
  /** A metric of the current invocation, sent by {@link Telemetry.flush}. */
  metric(name: MetricName, value: number, unit?: MetricUnit): void;
  /** Sends the invocation's metrics (one EMF document on Lambda); called once per invocation. */
  flush(): void;
}

/** Telemetry that reports nothing: the default of every handler factory. */
export const quiet: Telemetry = { info: () => {}, metric: () => {}, flush: () => {} };

/**
 * Telemetry that keeps what it is told, for tests and for tools that show it.
 *
 * @example
 * const seen = recording();
 * await createStreamHandler({ store, telemetry: seen })(event);
 * seen.metrics; // [{ name: 'RecordsProcessed', value: 100, unit: 'Count' }, ...]
 */
export function recording(): Telemetry & {
  readonly lines: Array<{ message: string; fields: Readonly<Record<string, unknown>> }>;
  readonly metrics: Array<{ name: MetricName; value: number; unit: MetricUnit }>;
  flushes: number;
} {
  const lines: Array<{ message: string; fields: Readonly<Record<string, unknown>> }> = [];
  const metrics: Array<{ name: MetricName; value: number; unit: MetricUnit }> = [];
  const seen = {
    lines,
    metrics,
    flushes: 0,
    info: (message: string, fields: Readonly<Record<string, unknown>>) => void lines.push({ message, fields }),
    metric: (name: MetricName, value: number, unit: MetricUnit = 'Count') => void metrics.push({ name, value, unit }),
    flush: () => void seen.flushes++,
  };
  return seen;
}
