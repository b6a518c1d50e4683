/**
 * What the run report shows of the analytics: per dataset, the eight analyses (how many rows each
 * gave, how long it took, or why it was skipped) and the link to the dataset's own report.html,
 * which has the charts and tables. From `results.json`; pure.
 */
import { ANALYSES } from '../analytics/registry.js';
import type { AnalyticsResult } from '../analytics/service.js';

export interface AnalysisLine {
  readonly name: string;
  readonly title: string;
  readonly rows: number;
  readonly ms: number;
  readonly skipped?: string;
}

export interface AnalyticsView {
  readonly dataset: string;
  /** The results area key of the dataset's report.html. */
  readonly reportKey: string;
  /** Where it is, for people: a path or an s3:// URL. */
  readonly location: string;
  readonly rows: number;
  readonly model: string;
  readonly cache: string;
  readonly analysesMs: number;
  readonly analyses: readonly AnalysisLine[];
}

/**
 * The view of one dataset's analyses from its `results.json`.
 *
 * @example
 * analyticsView(results, 'results/analytics/generated_marketing/report.html', '/data/results/analytics/generated_marketing/report.html');
 */
export function analyticsView(results: Pick<AnalyticsResult, 'dataset' | 'source' | 'model' | 'cache' | 'timings' | 'analyses'>, reportKey: string, location: string): AnalyticsView {
  const titles = new Map<string, string>(ANALYSES.map((a) => [a.name, a.title]));
  return {
    dataset: results.dataset,
    reportKey,
    location,
    rows: results.source.rows,
    model: results.model,
    cache: `${results.cache.state}${results.cache.uses > 1 ? ` (use ${results.cache.uses})` : ''}`,
    analysesMs: results.timings.analysesMs,
    analyses: Object.entries(results.analyses).map(([name, outcome]) => ({
      name,
      title: titles.get(name) ?? name,
      rows: outcome.rows.length,
      ms: outcome.ms,
      ...(outcome.skipped === undefined || outcome.skipped === null ? {} : { skipped: outcome.skipped }),
    })),
  };
}
