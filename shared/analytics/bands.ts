/**
 * The fixed bands and named groups the analyses report by. Fixed (not data-driven) so reports of
 * different files line up row for row.
 */
import type { Bands } from './kernels.js';

/** Yearly household income. */
export const INCOME_BANDS = {
  breaks: [25_000, 50_000, 75_000, 100_000],
  labels: ['<25k', '25-50k', '50-75k', '75-100k', '100k+'],
} as const satisfies Bands;

/** Age at the latest enrolment date of the file (the cleaned table's `Age`). */
export const AGE_BANDS = {
  breaks: [30, 40, 50, 60, 70],
  labels: ['<30', '30-39', '40-49', '50-59', '60-69', '70+'],
} as const satisfies Bands;

/** The label of the group holding every customer. */
export const ALL = 'all' as const;
