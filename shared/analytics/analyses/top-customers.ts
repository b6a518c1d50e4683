import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { numbers } from '../columns.js';
import { topRows } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** How many customers the list holds. */
export const TOP = 20;

/** The profile shown for each top customer. */
export const PROFILE = [
  'ID',
  'Age',
  'Education',
  'Marital_Status',
  'Income',
  'Children',
  'Recency',
  'TotalSpend',
  'TotalPurchases',
  'NumWebVisitsMonth',
  'TotalAcceptedCmp',
  'Response',
] as const;

/**
 * The 20 customers with the highest TotalSpend (ties: lower ID first), with their rank and profile.
 *
 * @example
 * topCustomers(table)[0]; // { rank: 1, ID: 5735, Age: 23, Education: 'Graduation', ..., TotalSpend: 2525, ... }
 */
export function topCustomers(table: ColumnTable): Row[] {
  const plain = table.isFiltered() || table.isOrdered() ? table.reify() : table;
  const rows = topRows(numbers(plain, 'TotalSpend'), numbers(plain, 'ID'), TOP);
  return plain
    .select(...PROFILE)
    .reify(rows)
    .derive({ rank: () => aq.op.row_number() }, { before: 'ID' })
    .objects() as Row[];
}

export const topCustomersAnalysis: Analysis = {
  name: 'top-customers',
  title: 'Top customers',
  description: `The ${TOP} customers with the highest total spend (ties: lower ID first) and their profile.`,
  run: topCustomers,
  chart: (rows) => ({
    title: `Top ${TOP} customers by total spend`,
    data: { values: rows.map((row) => ({ ...row, customer: `#${row.rank} ID ${row.ID}` })) },
    mark: 'bar',
    encoding: {
      y: { field: 'customer', type: 'nominal', sort: null, title: null },
      x: { field: 'TotalSpend', type: 'quantitative', title: 'total spend' },
      color: { field: 'Education', type: 'nominal' },
      tooltip: [{ field: 'Income', type: 'quantitative' }, { field: 'Age', type: 'quantitative' }],
    },
  }),
};
