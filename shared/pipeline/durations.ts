/** Durations for people, shared by `pipeline run`'s summary and its record (light: `--help` loads it). */

/**
 * A duration in milliseconds as people read it: one decimal below 10 ms, whole milliseconds below
 * 10 s, else seconds.
 *
 * @example
 * ms(6.72); // '6.7 ms'
 * ms(374.2); // '374 ms'
 */
export function ms(value: number): string {
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 10_000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(1)} s`;
}
