import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { categories, numbers, withParams } from '../columns.js';
import { segments } from '../dimensions.js';
import { counts, sums } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/**
 * Customers, share, mean income, spend and purchases by Education x Marital_Status; the largest
 * segments first (ties by Education, then Marital_Status). Empty combinations are left out.
 *
 * @example
 * segmentProfile(table)[0]; // { Education: 'Graduation', Marital_Status: 'Married', customers: 433, share: 0.19, meanIncome: ..., ... }
 */
export function segmentProfile(table: ColumnTable): Row[] {
  const education = categories(table, 'Education');
  const marital = categories(table, 'Marital_Status');
  const groups = segments(table);
  const customers = counts(groups);
  const income = sums(groups, numbers(table, 'Income'));
  const spend = sums(groups, numbers(table, 'TotalSpend'));
  const purchases = sums(groups, numbers(table, 'TotalPurchases'));
  const columns = { Education: [] as string[], Marital_Status: [] as string[], customers: [] as number[], income: [] as number[], spend: [] as number[], purchases: [] as number[] };
  for (let slot = 0; slot < groups.size; slot++) {
    if (customers[slot] === 0) continue;
    columns.Education.push(education.labels[Math.floor(slot / marital.labels.length)]!);
    columns.Marital_Status.push(marital.labels[slot % marital.labels.length]!);
    columns.customers.push(customers[slot]!);
    columns.income.push(income[slot]!);
    columns.spend.push(spend[slot]!);
    columns.purchases.push(purchases[slot]!);
  }
  return withParams(aq.table(columns), { total: table.numRows() })
    .derive({
      share: (d, $) => d.customers / $.total,
      meanIncome: (d) => d.income / d.customers,
      meanSpend: (d) => d.spend / d.customers,
      meanPurchases: (d) => d.purchases / d.customers,
    })
    .select('Education', 'Marital_Status', 'customers', 'share', 'meanIncome', 'meanSpend', 'meanPurchases')
    .orderby(aq.desc('customers'), 'Education', 'Marital_Status')
    .objects() as Row[];
}

export const segmentProfileAnalysis: Analysis = {
  name: 'segment-profile',
  title: 'Segment profile',
  description: 'Customers, mean income, mean spend and mean purchases by Education x Marital_Status.',
  run: segmentProfile,
  chart: (rows) => ({
    title: 'Mean spend by segment (number: customers)',
    data: { values: rows },
    encoding: {
      x: { field: 'Marital_Status', type: 'nominal', title: 'Marital status', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'Education', type: 'nominal' },
    },
    width: { step: 70 },
    height: { step: 24 },
    transform: [{ joinaggregate: [{ op: 'max', field: 'meanSpend', as: 'maxSpend' }] }],
    layer: [
      { mark: 'rect', encoding: { color: { field: 'meanSpend', type: 'quantitative', title: 'mean spend' } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'customers', type: 'quantitative', format: ',' },
          color: { condition: { test: 'datum.meanSpend > 0.7 * datum.maxSpend', value: 'white' }, value: 'black' },
        },
      },
    ],
  }),
};
