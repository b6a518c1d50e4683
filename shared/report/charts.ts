/**
 * The run report's charts as Vega-Lite specs (pure data; drawn to SVG by the analytics charts'
 * renderer). Each takes a view's summaries and samples, never the rows themselves, so a chart's
 * size does not grow with the data.
 */
import type { ChartSpec } from '../analytics/types.js';
import type { NumericDistribution, CategoricalDistribution } from '../preprocess/distributions.js';
import type { VersionPoint, CoefficientChange } from './cdc-view.js';
import type { PreprocessView } from './preprocess-view.js';
import type { ReasonGroup, SensorSeries, ThroughputPoint } from './stream-view.js';

const BEFORE = '#bdbdbd';
const AFTER = '#3182bd';
const ALERT = '#d62728';
const WIDE = 860;

/**
 * Rows in as one bar cut into what became of them: out, duplicates, and each quarantine reason.
 *
 * @example
 * rowFlowChart(view); // a stacked horizontal bar
 */
export function rowFlowChart(view: Pick<PreprocessView, 'rowsIn' | 'rowsOut' | 'duplicates' | 'reasons'>): ChartSpec {
  const parts = [
    { part: 'out (cleaned)', rows: view.rowsOut, order: 0 },
    { part: 'duplicates removed', rows: view.duplicates, order: 1 },
    ...view.reasons.map((r, i) => ({ part: `quarantined: ${r.code}`, rows: r.count, order: 2 + i })),
  ].filter((p) => p.rows > 0);
  const palette = ['#31a354', '#fd8d3c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  return {
    title: `${view.rowsIn.toLocaleString('en-US')} rows in = ${view.rowsOut.toLocaleString('en-US')} out + ${view.duplicates.toLocaleString('en-US')} duplicates + ${(view.rowsIn - view.rowsOut - view.duplicates).toLocaleString('en-US')} quarantined`,
    width: WIDE,
    height: 46,
    data: { values: parts },
    mark: { type: 'bar', stroke: 'white', strokeWidth: 1 },
    encoding: {
      x: { field: 'rows', type: 'quantitative', stack: 'zero', title: 'rows', scale: { domain: [0, Math.max(1, view.rowsIn)] } },
      color: { field: 'part', type: 'nominal', sort: parts.map((p) => p.part), scale: { range: palette }, legend: { orient: 'bottom', title: null, columns: 4, labelLimit: 260 } },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

/**
 * Missing values per column before and after cleaning (only the columns that had any).
 *
 * @example
 * nullsChart([{ name: 'Income', nullsBefore: 109, nullsAfter: 0 }]);
 */
export function nullsChart(columns: ReadonlyArray<{ name: string; nullsBefore: number; nullsAfter: number }>): ChartSpec {
  const values = columns.flatMap((c) => [
    { column: c.name, stage: 'before', nulls: c.nullsBefore },
    { column: c.name, stage: 'after', nulls: c.nullsAfter },
  ]);
  return {
    title: 'Missing values per column, before and after cleaning',
    width: 420,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'column', type: 'nominal', title: null },
      yOffset: { field: 'stage', sort: ['before', 'after'] },
      x: { field: 'nulls', type: 'quantitative', title: 'missing values' },
      color: { field: 'stage', type: 'nominal', sort: ['before', 'after'], scale: { range: [BEFORE, AFTER] }, title: null, legend: { orient: 'top' } },
    },
  };
}

/**
 * A numeric column's histogram before (grey) and after (blue) cleaning over the same bins; the
 * values outside the cleaned range are in the title.
 *
 * @example
 * numericDistributionChart('Income', report.distributions.Income);
 */
export function numericDistributionChart(column: string, d: NumericDistribution): ChartSpec {
  const values = d.before.bins.flatMap((_, i) => [
    { start: d.edges[i]!, end: d.edges[i + 1]!, stage: 'before', rows: d.before.bins[i]! },
    { start: d.edges[i]!, end: d.edges[i + 1]!, stage: 'after', rows: d.after.bins[i]! },
  ]);
  const outside = [
    d.before.below > 0 ? `${d.before.below.toLocaleString('en-US')} below` : '',
    d.before.above > 0 ? `${d.before.above.toLocaleString('en-US')} above` : '',
    d.before.nulls > 0 ? `${d.before.nulls.toLocaleString('en-US')} missing` : '',
  ].filter(Boolean);
  return {
    title: { text: column, subtitle: outside.length > 0 ? `before: ${outside.join(', ')} the cleaned range` : 'before: every value within the cleaned range' },
    width: 420,
    height: 180,
    data: { values },
    mark: { type: 'bar', binSpacing: 1, opacity: 0.85 },
    encoding: {
      x: { field: 'start', type: 'quantitative', bin: { binned: true }, title: column, axis: { format: Math.max(...d.edges.map(Math.abs)) >= 10_000 ? '~s' : 'd', labelOverlap: true } },
      x2: { field: 'end' },
      y: { field: 'rows', type: 'quantitative', stack: null, title: 'rows' },
      color: { field: 'stage', type: 'nominal', sort: ['before', 'after'], scale: { range: [BEFORE, AFTER] }, title: null, legend: { orient: 'top' } },
    },
  };
}

/**
 * A string column's level counts before and after cleaning.
 *
 * @example
 * categoricalDistributionChart('Marital_Status', report.distributions.Marital_Status);
 */
export function categoricalDistributionChart(column: string, d: CategoricalDistribution): ChartSpec {
  const levels = [...d.levels, ...(d.before.other + d.after.other > 0 ? ['(other)'] : []), ...(d.before.nulls + d.after.nulls > 0 ? ['(missing)'] : [])];
  const count = (side: CategoricalDistribution['before'], level: string, i: number) => (level === '(other)' ? side.other : level === '(missing)' ? side.nulls : side.counts[i]!);
  const values = levels.flatMap((level, i) => [
    { level, stage: 'before', rows: count(d.before, level, i) },
    { level, stage: 'after', rows: count(d.after, level, i) },
  ]);
  const encoding = {
    y: { field: 'level', type: 'nominal', sort: levels, title: null, axis: { labelLimit: 300 } },
    yOffset: { field: 'stage', sort: ['before', 'after'] },
    x: { field: 'rows', type: 'quantitative', title: 'rows' },
  };
  return {
    title: column,
    width: 380,
    data: { values },
    encoding,
    layer: [
      { mark: 'bar', encoding: { color: { field: 'stage', type: 'nominal', sort: ['before', 'after'], scale: { range: [BEFORE, AFTER] }, title: null, legend: { orient: 'top' } } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 9, color: '#444' }, encoding: { text: { field: 'rows', type: 'quantitative', format: ',d' } } },
    ],
  };
}

/**
 * One sensor's minute means with the min-max band, and its anomalies marked in red.
 *
 * @example
 * sensorChart(view.series[0]);
 */
export function sensorChart(series: SensorSeries): ChartSpec {
  const every = series.minutesPerPoint > 1 ? ` (each point ${series.minutesPerPoint} minutes)` : '';
  return {
    title: { text: `${series.sensorId}: ${series.metric}`, subtitle: `${series.anomalyCount.toLocaleString('en-US')} anomalies${every}` },
    width: 440,
    height: 150,
    layer: [
      {
        data: { values: series.points },
        mark: { type: 'area', color: AFTER, opacity: 0.22 },
        encoding: {
          x: { field: 't', type: 'temporal', title: 'UTC', scale: { type: 'utc' }, axis: { format: '%H:%M', labelOverlap: true } },
          y: { field: 'min', type: 'quantitative', title: series.metric, scale: { zero: false } },
          y2: { field: 'max' },
        },
      },
      { data: { values: series.points }, mark: { type: 'line', color: AFTER, strokeWidth: 1.3 }, encoding: { x: { field: 't', type: 'temporal', scale: { type: 'utc' } }, y: { field: 'mean', type: 'quantitative' } } },
      {
        data: { values: series.anomalies },
        mark: { type: 'point', color: ALERT, filled: true, size: 36 },
        encoding: {
          x: { field: 't', type: 'temporal', scale: { type: 'utc' } },
          y: { field: 'value', type: 'quantitative' },
          shape: { field: 'kind', type: 'nominal', scale: { domain: ['zscore', 'limit'], range: ['circle', 'square'] }, legend: null },
        },
      },
    ],
  };
}

/**
 * Records processed per second over the run.
 *
 * @example
 * throughputChart(view.throughput.points, 100);
 */
export function throughputChart(points: readonly ThroughputPoint[], binMs: number): ChartSpec {
  const start = points.length > 0 ? Date.parse(points[0]!.t) : 0;
  const values = points.map((p) => ({ s: (Date.parse(p.t) - start) / 1000, perSecond: p.perSecond }));
  return {
    title: {
      text: 'Records processed per second',
      subtitle: `records in the batches finished in each ${binMs < 1000 ? `${binMs} ms` : `${binMs / 1000} s`}, as a rate; from ${points[0]?.t ?? 'the start'}`,
    },
    width: WIDE,
    height: 140,
    data: { values },
    mark: { type: 'area', line: { color: AFTER }, color: AFTER, opacity: 0.35, interpolate: 'step-after' },
    encoding: { x: { field: 's', type: 'quantitative', title: 'seconds since the first batch' }, y: { field: 'perSecond', type: 'quantitative', title: 'records/s' } },
  };
}

/**
 * Dead letters per reason.
 *
 * @example
 * reasonsChart(view.deadLetters.reasons, 'Dead letters by reason');
 */
export function reasonsChart(reasons: readonly ReasonGroup[], title: string): ChartSpec {
  return {
    title,
    width: 420,
    data: { values: reasons.map((r) => ({ reason: r.reason, count: r.count })) },
    mark: { type: 'bar', color: ALERT },
    encoding: {
      y: { field: 'reason', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 380 } },
      x: { field: 'count', type: 'quantitative', title: 'records' },
    },
  };
}

/**
 * The model's rows, and AUC and accuracy where measured, per version.
 *
 * @example
 * versionsChart(view.points);
 */
export function versionsChart(points: readonly VersionPoint[]): ChartSpec {
  const metrics = points.flatMap((p) => [
    ...(p.auc === null ? [] : [{ version: p.version, metric: 'AUC', value: p.auc }]),
    ...(p.accuracy === null ? [] : [{ version: p.version, metric: 'accuracy', value: p.accuracy }]),
  ]);
  return {
    title: 'Customers in the model (bars) and AUC and accuracy (lines) per version',
    width: WIDE,
    height: 200,
    layer: [
      {
        data: { values: points.map((p) => ({ version: p.version, rows: p.rows })) },
        mark: { type: 'area', color: '#c6dbef', interpolate: 'step-after' },
        encoding: { x: { field: 'version', type: 'quantitative', title: 'model version' }, y: { field: 'rows', type: 'quantitative', title: 'customers' } },
      },
      {
        data: { values: metrics },
        mark: { type: 'line', point: { size: 12 } },
        encoding: {
          x: { field: 'version', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'AUC, accuracy', scale: { zero: false } },
          color: { field: 'metric', type: 'nominal', scale: { range: ['#e6550d', '#31a354'] }, title: null, legend: { orient: 'top' } },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

/**
 * Change events taken in per version (or per run of versions).
 *
 * @example
 * eventsChart(view.points, 1);
 */
export function eventsChart(points: readonly VersionPoint[], versionsPerPoint: number): ChartSpec {
  // bars while they can be told apart, a stepped area beyond
  const mark = points.length <= 80 ? { type: 'bar', color: AFTER } : { type: 'area', color: AFTER, opacity: 0.6, interpolate: 'step-before', line: { color: AFTER } };
  return {
    title: `Change events applied per ${versionsPerPoint > 1 ? `${versionsPerPoint} versions` : 'version (one batch)'}`,
    width: 420,
    height: 180,
    data: { values: points.map((p) => ({ version: p.version, events: p.events })) },
    mark,
    encoding: { x: { field: 'version', type: 'quantitative', title: 'model version' }, y: { field: 'events', type: 'quantitative', title: 'events' } },
  };
}

/**
 * Lag from an event's log timestamp to its first version, p50 and p99 per version.
 *
 * @example
 * lagChart(view.points);
 */
export function lagChart(points: readonly VersionPoint[]): ChartSpec {
  const values = points.flatMap((p) => [
    ...(p.lagP50 === undefined ? [] : [{ version: p.version, quantile: 'p50', ms: p.lagP50 }]),
    ...(p.lagP99 === undefined ? [] : [{ version: p.version, quantile: 'p99', ms: p.lagP99 }]),
  ]);
  return {
    title: 'Lag from an event to the model version that includes it',
    width: 420,
    height: 180,
    data: { values },
    mark: { type: 'line', point: { size: 10 } },
    encoding: {
      x: { field: 'version', type: 'quantitative', title: 'model version' },
      y: { field: 'ms', type: 'quantitative', title: 'ms' },
      color: { field: 'quantile', type: 'nominal', scale: { range: [AFTER, ALERT] }, title: null, legend: { orient: 'top' } },
    },
  };
}

/**
 * The coefficients that moved most between the first and the last version.
 *
 * @example
 * coefficientChart(view.coefficientChanges, 1, 1414);
 */
export function coefficientChart(changes: readonly CoefficientChange[], first: number, last: number): ChartSpec {
  return {
    title: `Largest coefficient changes, version ${first} to ${last} (standardised scale)`,
    width: WIDE - 200,
    data: { values: changes.map((c) => ({ ...c, direction: c.change >= 0 ? 'up' : 'down' })) },
    mark: 'bar',
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: changes.map((c) => c.feature), title: null, axis: { labelLimit: 260 } },
      x: { field: 'change', type: 'quantitative', title: `coefficient change (v${last} - v${first})` },
      color: { field: 'direction', type: 'nominal', scale: { domain: ['up', 'down'], range: [AFTER, ALERT] }, legend: null },
    },
  };
}
