/**
 * The sizes of `pipeline run` and their defaults, apart from the run itself so that the CLI can
 * show them in `--help` without loading the pipeline.
 */

/** The sizes of a run; the defaults finish in well under a minute on two cores. */
export interface RunOptions {
  /** Rows of the generated marketing file. */
  readonly rows: number;
  /** Sensor readings to stream. */
  readonly readings: number;
  /** Share of malformed sensor readings and change events (dead-lettered). */
  readonly badRatio: number;
  /** Change events after the snapshot. */
  readonly changes: number;
  readonly seed: number;
  /** Quiet time after which a consumer counts as caught up. */
  readonly idleMs: number;
}

export const RunDefaults: RunOptions = { rows: 10_000, readings: 20_000, badRatio: 0.01, changes: 2_000, seed: 1, idleMs: 1_000 };
