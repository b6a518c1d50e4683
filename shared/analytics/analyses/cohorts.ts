import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { numbers } from '../columns.js';
import { enrolmentMonths } from '../dimensions.js';
import { counts, sums } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/**
 * Customers, total and mean spend and the last campaign's response rate by enrolment month.
 *
 * @example
 * cohorts(table)[0]; // { month: '2012-07', customers: 50, totalSpend: 51234, meanSpend: 1024.7, responseRate: 0.3 }
 */
export function cohorts(table: ColumnTable): Row[] {
  const groups = enrolmentMonths(table);
  const customers = counts(groups);
  const spend = sums(groups, numbers(table, 'TotalSpend'));
  const response = sums(groups, numbers(table, 'Response'));
  return aq
    .table({ month: groups.labels, customers, totalSpend: spend, responses: response })
    .filter((d) => d.customers > 0)
    .derive({ meanSpend: (d) => d.totalSpend / d.customers, responseRate: (d) => d.responses / d.customers })
    .select('month', 'customers', 'totalSpend', 'meanSpend', 'responseRate')
    .objects() as Row[];
}

export const cohortsAnalysis: Analysis = {
  name: 'cohorts',
  title: 'Enrolment cohorts',
  description: 'Customers, total and mean spend, and response rate to the last campaign by month of enrolment (Dt_Customer).',
  run: cohorts,
  chart: (rows) => ({
    title: 'Customers (bars) and mean spend (line) by enrolment month',
    data: { values: rows },
    encoding: { x: { field: 'month', type: 'ordinal', title: 'enrolment month' } },
    layer: [
      { mark: { type: 'bar', color: '#9ecae1' }, encoding: { y: { field: 'customers', type: 'quantitative' } } },
      { mark: { type: 'line', color: '#d62728', point: { color: '#d62728' } }, encoding: { y: { field: 'meanSpend', type: 'quantitative', title: 'mean spend' } } },
    ],
    resolve: { scale: { y: 'independent' } },
  }),
};
