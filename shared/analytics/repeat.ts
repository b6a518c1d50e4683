/**
 * Repeated runs over one in-memory table, the local stand-in for a warm container: the first run
 * is cold (load and parse, then the analyses), the others warm (the analyses only). What
 * `pipeline analyze --repeat N` measures and prints.
 */
import type { ColumnTable } from 'arquero';
import { runAnalyses, type AnalysisRun } from './run.js';
import type { AnalysisContext, AnalysisOutcome } from './types.js';

/** `pipeline analyze --json`: each analysis's rows and time, and the cold and warm totals. */
export interface RepeatedSummary {
  /** Rows of the last run; `ms` is the median over the warm runs (the cold run's when there are none). */
  readonly analyses: Readonly<Record<string, AnalysisOutcome>>;
  readonly timings: {
    /** Fetching and parsing the table. */
    readonly loadMs: number;
    /** The first run's total: load, then every analysis. */
    readonly coldMs: number;
    /** The median total of the warm runs (null with one run). */
    readonly warmMs: number | null;
    readonly runs: number;
  };
}

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Loads the table once and runs the analyses `runs` times over it.
 *
 * @example
 * const { summary } = await runRepeated(() => readCleanedParquet(bytes, path), { runs: 5 });
 * summary.timings.warmMs; // median of runs 2..5
 */
export async function runRepeated(
  load: () => Promise<ColumnTable>,
  options: { runs: number; names?: readonly string[] | undefined; context?: AnalysisContext; clock?: () => number; onRun?: (run: number, result: AnalysisRun) => void },
): Promise<{ table: ColumnTable; summary: RepeatedSummary }> {
  if (!(Number.isInteger(options.runs) && options.runs >= 1)) throw new RangeError(`runs must be a whole number >= 1, got ${options.runs}`);
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const table = await load();
  const loadMs = clock() - started;
  const results: AnalysisRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const result = runAnalyses(table, { names: options.names, context: options.context, clock });
    results.push(result);
    options.onRun?.(run, result);
  }
  const warm = results.slice(1);
  const last = results[results.length - 1]!;
  const analyses = Object.fromEntries(
    Object.entries(last.analyses).map(([name, outcome]) => [name, { ...outcome, ms: warm.length > 0 ? median(warm.map((r) => r.analyses[name]!.ms)) : results[0]!.analyses[name]!.ms }]),
  );
  return {
    table,
    summary: {
      analyses,
      timings: { loadMs, coldMs: loadMs + results[0]!.totalMs, warmMs: warm.length > 0 ? median(warm.map((r) => r.totalMs)) : null, runs: results.length },
    },
  };
}
