import type { ColumnTable } from 'arquero';
import type { ResponseModel } from './model.js';

/** One output row of an analysis: flat, JSON-ready. */
export type Row = Readonly<Record<string, string | number | null>>;

/** A Vega-Lite specification (kept loose: the report compiles it, the schema is vega-lite's). */
export type ChartSpec = Readonly<Record<string, unknown>>;

/** What an analysis may use besides the table. */
export interface AnalysisContext {
  /** The CDC model (`models/<name>/current.json`), when one exists. */
  readonly model?: ResponseModel | undefined;
  /** Why there is no model (for example, which key was looked for), shown when an analysis needs one. */
  readonly modelNote?: string | undefined;
}

/**
 * One analysis, as data (arquero's registry style): a pure function from the cleaned table to rows,
 * and a chart spec builder from those rows.
 */
export interface Analysis {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Why the analysis cannot run in this context (for example: no model), or undefined when it can. */
  readonly unavailable?: (context: AnalysisContext) => string | undefined;
  readonly run: (table: ColumnTable, context: AnalysisContext) => Row[];
  readonly chart: (rows: readonly Row[]) => ChartSpec;
}

/** The outcome of one analysis in one run. */
export interface AnalysisOutcome {
  readonly rows: Row[];
  /** Wall time of the analysis in milliseconds. */
  readonly ms: number;
  /** Set when the analysis was skipped, saying why; `rows` is then empty. */
  readonly skipped?: string;
}
