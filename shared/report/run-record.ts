/**
 * What `pipeline run` leaves for the run report beside the outputs: its summary (what ran, counts,
 * timings) and its options, at `results/run/summary.json`, so that `pipeline report` and the
 * dashboard can show the last run's summary too. The page itself goes beside it.
 */
import type { RunOptions } from '../pipeline/options.js';
import type { RunSummary } from '../pipeline/run.js';

export const RUN_RECORD_KEY = 'results/run/summary.json';
export const RUN_REPORT_KEY = 'results/run/report.html';

export interface RunRecord {
  readonly format: 'pipeline.run-record/1';
  /** ISO times. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: RunOptions;
  readonly summary: RunSummary;
}

/**
 * The record of a finished run.
 *
 * @example
 * runRecord(summary, options, new Date(started), new Date());
 */
export function runRecord(summary: RunSummary, options: RunOptions, startedAt: Date, finishedAt: Date): RunRecord {
  return { format: 'pipeline.run-record/1', startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), options, summary };
}
