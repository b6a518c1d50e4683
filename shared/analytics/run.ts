import type { ColumnTable } from 'arquero';
import { selectAnalyses } from './registry.js';
import type { AnalysisContext, AnalysisOutcome } from './types.js';

/** What {@link runAnalyses} returns: each analysis's rows and time, and the total. */
export interface AnalysisRun {
  /** By analysis name, in report order. */
  readonly analyses: Readonly<Record<string, AnalysisOutcome>>;
  /** Wall time of the whole run in milliseconds. */
  readonly totalMs: number;
}

export interface RunOptions {
  /** Analyses to run (all when absent or empty). */
  readonly names?: readonly string[] | undefined;
  readonly context?: AnalysisContext;
  /** Milliseconds for the timings; `performance.now` unless a test passes its own. */
  readonly clock?: () => number;
}

/**
 * Runs the selected analyses over an in-memory table, timing each. An analysis that cannot run
 * in this context (predicted-response without a model) is reported as skipped, with the reason.
 *
 * @example
 * const run = runAnalyses(table, { names: ['rfm'] });
 * run.analyses.rfm.rows[0].segment; // 'Champions'
 */
export function runAnalyses(table: ColumnTable, options: RunOptions = {}): AnalysisRun {
  const clock = options.clock ?? (() => performance.now());
  const context = options.context ?? {};
  const analyses: Record<string, AnalysisOutcome> = {};
  const start = clock();
  for (const analysis of selectAnalyses(options.names)) {
    const skipped = analysis.unavailable?.(context);
    if (skipped !== undefined) {
      analyses[analysis.name] = { rows: [], ms: 0, skipped };
      continue;
    }
    const began = clock();
    const rows = analysis.run(table, context);
    analyses[analysis.name] = { rows, ms: clock() - began };
  }
  return { analyses, totalMs: clock() - start };
}
