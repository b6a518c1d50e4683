/**
 * The groupings the analyses share (segment, income band, age band, children, enrolment month),
 * computed once per in-memory table and kept with it, like an index: a warm container builds them
 * on its first run and every later run only aggregates.
 */
import type { ColumnTable } from 'arquero';
import { InputError } from '../errors.js';
import { AGE_BANDS, INCOME_BANDS } from './bands.js';
import { categories, numbers } from './columns.js';
import { byBands, byCategory, byInteger, cross, type Grouping } from './kernels.js';

const memos = new WeakMap<ColumnTable, Map<string, unknown>>();

/**
 * `compute()`, once per table and key: what the table keeps with it while it is in memory.
 *
 * @example
 * const mask = memo(table, 'campaign mask', () => buildMask(table));
 */
export function memo<T>(table: ColumnTable, key: string, compute: () => T): T {
  let entries = memos.get(table);
  if (!entries) memos.set(table, (entries = new Map()));
  if (!entries.has(key)) entries.set(key, compute());
  return entries.get(key) as T;
}

/**
 * Education x Marital_Status, labelled `'<Education> / <Marital_Status>'`, in label order.
 *
 * @example
 * segments(table).labels[0]; // '2n Cycle / Divorced'
 */
export function segments(table: ColumnTable): Grouping {
  return memo(table, 'segment', () => cross(byCategory(categories(table, 'Education')), byCategory(categories(table, 'Marital_Status'))));
}

/**
 * Income bands ({@link INCOME_BANDS}).
 *
 * @example
 * incomeBands(table).labels; // ['<25k', '25-50k', '50-75k', '75-100k', '100k+']
 */
export function incomeBands(table: ColumnTable): Grouping {
  return memo(table, 'income band', () => byBands(numbers(table, 'Income'), INCOME_BANDS));
}

/**
 * Age bands ({@link AGE_BANDS}).
 *
 * @example
 * ageBands(table).labels[0]; // '<30'
 */
export function ageBands(table: ColumnTable): Grouping {
  return memo(table, 'age band', () => byBands(numbers(table, 'Age'), AGE_BANDS));
}

/**
 * Number of children at home (Children), from the smallest to the largest value.
 *
 * @example
 * childrenGroups(table).labels; // ['0', '1', '2', '3']
 */
export function childrenGroups(table: ColumnTable): Grouping {
  return memo(table, 'children', () => byInteger(numbers(table, 'Children')));
}

/**
 * Enrolment month (`yyyy-mm` of Dt_Customer), in month order. Works on the column's distinct
 * dates, so 1M rows cost one pass over their codes.
 *
 * @example
 * enrolmentMonths(table).labels[0]; // '2012-07'
 */
export function enrolmentMonths(table: ColumnTable): Grouping {
  return memo(table, 'enrolment month', () => {
    const dates = categories(table, 'Dt_Customer');
    const months: string[] = [];
    const monthOfDate = new Int32Array(dates.labels.length);
    dates.labels.forEach((date, code) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        throw new InputError('cleaned table', `column 'Dt_Customer' has '${date}', expected yyyy-mm-dd`);
      }
      const month = date.slice(0, 7);
      if (months[months.length - 1] !== month) months.push(month);
      monthOfDate[code] = months.length - 1;
    });
    const ids = new Int32Array(dates.codes.length);
    for (let i = 0; i < ids.length; i++) ids[i] = monthOfDate[dates.codes[i]!]!;
    return { ids, size: months.length, labels: months };
  });
}
