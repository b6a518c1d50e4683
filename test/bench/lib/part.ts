/**
 * What a benchmark part is: a module in test/bench/parts/ exporting `name`, `description` and
 * `run(context)`. The harness (test/bench/run.ts) hands every part the same context, prints the
 * table it returns and writes it to data/bench/results-<name>.json.
 */
import type { ColumnFormat } from './table.js';

/** A benchmark input on disk. */
export interface BenchInput {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

/** What the harness gives every part. */
export interface BenchContext {
  /** Data sizes to measure, in rows (`--sizes`, default 10k,100k,1M). */
  readonly sizes: readonly number[];
  /** Seed of the generated inputs (`--seed`, default 1). */
  readonly seed: number;
  /** How many runs to take the median of for an input of `rows` rows (`--repeats`, else by size). */
  repeats(rows: number): number;
  /** The checkout's root folder. */
  readonly repoRoot: string;
  /** A scratch folder for this part's outputs, under data/bench/ (git-ignored). */
  readonly workDir: string;
  /** A generated marketing file of `rows` rows for this run's seed, cached under data/bench/inputs/. */
  marketingInput(rows: number): Promise<BenchInput>;
  /** The real marketing_campaign.csv beside the checkout, or undefined when it is absent. */
  readonly realMarketingFile: string | undefined;
  /** Prints a progress line (stderr). */
  log(line: string): void;
}

/** One column of a part's table: which row key it shows, under which title, formatted how. */
export interface Column {
  readonly key: string;
  readonly title: string;
  readonly format: ColumnFormat;
}

/** A checked target, e.g. "1M rows at least as fast as DuckDB". */
export interface Target {
  readonly name: string;
  /** The measured value, formatted for reading. */
  readonly measured: string;
  /** Whether it was met; undefined when it could not be measured in this run. */
  readonly met: boolean | undefined;
}

export type Row = Readonly<Record<string, string | number | boolean | null>>;

/** What a part returns: a table, targets, and notes printed under it. */
export interface BenchReport {
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
  readonly targets?: readonly Target[];
  readonly notes?: readonly string[];
}

/** The shape of a module in test/bench/parts/. */
export interface BenchPart {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<BenchReport>;
}
