import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { ALL } from '../bands.js';
import { numbers } from '../columns.js';
import { ageBands } from '../dimensions.js';
import { counts, sums } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** Spend columns and the category each is reported as. */
export const SPEND_CATEGORIES = {
  MntWines: 'Wines',
  MntFruits: 'Fruits',
  MntMeatProducts: 'Meat',
  MntFishProducts: 'Fish',
  MntSweetProducts: 'Sweets',
  MntGoldProds: 'Gold',
} as const;

/** Purchase columns and the channel each is reported as. */
export const CHANNELS = { NumWebPurchases: 'Web', NumCatalogPurchases: 'Catalog', NumStorePurchases: 'Store' } as const;

const MEASURES = [
  ['spend', SPEND_CATEGORIES],
  ['purchases', CHANNELS],
] as const;

/**
 * Spend by product category and purchases by channel, for all customers and by age band: the
 * total, the amount per customer and the category's share of the band's total. Rows by band
 * ('all' first, then bands in order, non-empty only), measure (spend, purchases), category.
 *
 * @example
 * spendMix(table)[0]; // { ageBand: 'all', customers: 2216, measure: 'spend', category: 'Wines', total: 676083, perCustomer: 305.1, share: 0.50 }
 */
export function spendMix(table: ColumnTable): Row[] {
  const columns = { ageBand: [] as string[], customers: [] as number[], measure: [] as string[], category: [] as string[], total: [] as number[], bandTotal: [] as number[] };
  const bands = ageBands(table);
  const customers = counts(bands);
  const measures = MEASURES.map(([measure, categories]) => {
    const entries = Object.entries(categories);
    return { measure, entries, totals: entries.map(([column]) => sums(bands, numbers(table, column))) };
  });
  // 'all' is the sum of the bands' slots: no pass of its own
  const total = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  const groups = [
    ...(table.numRows() > 0 ? [{ label: ALL as string, customers: table.numRows(), of: total }] : []),
    ...bands.labels.flatMap((label, slot) => (customers[slot] === 0 ? [] : [{ label, customers: customers[slot]!, of: (values: Float64Array) => values[slot]! }])),
  ];
  for (const group of groups) {
    for (const { measure, entries, totals } of measures) {
      const amounts = totals.map((values) => group.of(values));
      const bandTotal = amounts.reduce((a, b) => a + b, 0);
      entries.forEach(([, category], c) => {
        columns.ageBand.push(group.label);
        columns.customers.push(group.customers);
        columns.measure.push(measure);
        columns.category.push(category);
        columns.total.push(amounts[c]!);
        columns.bandTotal.push(bandTotal);
      });
    }
  }
  return aq
    .table(columns)
    .derive({
      perCustomer: (d) => d.total / d.customers,
      share: (d) => (d.bandTotal === 0 ? null : d.total / d.bandTotal),
    })
    .select('ageBand', 'customers', 'measure', 'category', 'total', 'perCustomer', 'share')
    .objects() as Row[];
}

const panel = (measure: string, title: string, field: string) => ({
  title: { text: title, fontSize: 12, anchor: 'start' },
  transform: [{ filter: { field: 'measure', equal: measure } }],
  mark: 'bar',
  encoding: {
    y: { field: 'ageBand', type: 'nominal', sort: null, title: 'age band' },
    x: { field, type: 'quantitative', stack: 'zero', title: field === 'share' ? 'share of spend' : 'purchases per customer' },
    color: { field: 'category', type: 'nominal', title: measure === 'spend' ? 'category' : 'channel', scale: { scheme: measure === 'spend' ? 'tableau10' : 'set2' } },
  },
});

export const spendMixAnalysis: Analysis = {
  name: 'spend-mix',
  title: 'Spend mix',
  description:
    'Spend by product category (MntWines..MntGoldProds) and purchases by channel (web, catalog, store), for all customers and by age band: total, per customer, and share of the band.',
  run: spendMix,
  chart: (rows) => ({
    title: 'Spend mix and channels by age band',
    data: { values: rows },
    vconcat: [panel('spend', 'Share of spend by category', 'share'), panel('purchases', 'Purchases per customer by channel', 'perCustomer')],
    resolve: { scale: { color: 'independent' } },
  }),
};
