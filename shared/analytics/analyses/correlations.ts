import type { ColumnTable } from 'arquero';
import { numbers } from '../columns.js';
import { correlationMatrix } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** The variables correlated, in matrix order. */
export const CORRELATED = ['Income', 'TotalSpend', 'TotalPurchases', 'NumWebVisitsMonth', 'Recency', 'Response'] as const;

/**
 * Pearson correlation of every ordered pair of {@link CORRELATED} (the full matrix, 36 rows, the
 * diagonal 1); null where a variable is constant.
 *
 * @example
 * correlations(table).find((r) => r.x === 'Income' && r.y === 'TotalSpend'); // { x: 'Income', y: 'TotalSpend', r: 0.66 }
 */
export function correlations(table: ColumnTable): Row[] {
  const matrix = correlationMatrix(CORRELATED.map((name) => numbers(table, name)));
  return CORRELATED.flatMap((x, a) => CORRELATED.map((y, b) => ({ x, y, r: matrix[a]![b]! })));
}

export const correlationsAnalysis: Analysis = {
  name: 'correlations',
  title: 'Correlations',
  description: 'Pearson correlation between income, total spend, total purchases, web visits per month, recency and the last response.',
  run: correlations,
  chart: (rows) => ({
    title: 'Pearson correlation',
    data: { values: rows },
    width: { step: 86 },
    height: { step: 26 },
    encoding: {
      x: { field: 'x', type: 'nominal', sort: [...CORRELATED], title: null, axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'y', type: 'nominal', sort: [...CORRELATED], title: null },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'r', type: 'quantitative', scale: { domain: [-1, 1], scheme: 'redblue', reverse: true } } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'r', type: 'quantitative', format: '.2f' },
          color: { condition: { test: 'abs(datum.r) > 0.6', value: 'white' }, value: 'black' },
        },
      },
    ],
  }),
};
