import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { CAMPAIGN_COLUMNS, LABEL } from '../../preprocess/features.js';
import { ALL } from '../bands.js';
import { numbers } from '../columns.js';
import { childrenGroups, incomeBands, segments } from '../dimensions.js';
import { counts, single, sums, type Grouping } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** The campaigns compared: the five earlier ones, then the last (the label, `Response`). */
export const CAMPAIGNS = [...CAMPAIGN_COLUMNS, LABEL] as const;

/** The breakdowns, in report order. */
export const DIMENSIONS = ['all', 'segment', 'income band', 'children'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

function grouping(table: ColumnTable, dimension: Dimension): Grouping {
  switch (dimension) {
    case 'all':
      return single(table.numRows(), ALL);
    case 'segment':
      return segments(table);
    case 'income band':
      return incomeBands(table);
    case 'children':
      return childrenGroups(table);
  }
}

/**
 * Acceptance rate of each campaign (AcceptedCmp1..5 and the last one, Response) over all customers
 * and by segment (Education / Marital_Status), income band and number of children. One row per
 * dimension, non-empty group and campaign, in that order.
 *
 * @example
 * campaignEffectiveness(table)[0]; // { dimension: 'all', group: 'all', campaign: 'AcceptedCmp1', customers: 2240, accepted: 144, rate: 0.064 }
 */
export function campaignEffectiveness(table: ColumnTable): Row[] {
  const columns = { dimension: [] as string[], group: [] as string[], campaign: [] as string[], customers: [] as number[], accepted: [] as number[] };
  for (const dimension of DIMENSIONS) {
    const groups = grouping(table, dimension);
    const customers = counts(groups);
    const accepted = CAMPAIGNS.map((campaign) => sums(groups, numbers(table, campaign)));
    for (let slot = 0; slot < groups.size; slot++) {
      if (customers[slot] === 0) continue;
      CAMPAIGNS.forEach((campaign, c) => {
        columns.dimension.push(dimension);
        columns.group.push(groups.labels[slot]!);
        columns.campaign.push(campaign);
        columns.customers.push(customers[slot]!);
        columns.accepted.push(accepted[c]![slot]!);
      });
    }
  }
  return aq
    .table(columns)
    .derive({ rate: (d) => d.accepted / d.customers })
    .objects() as Row[];
}

export const campaignEffectivenessAnalysis: Analysis = {
  name: 'campaign-effectiveness',
  title: 'Campaign effectiveness',
  description:
    'Acceptance rate of each campaign (AcceptedCmp1-5) and of the last one (Response): overall, by segment (Education / Marital_Status), by income band and by number of children.',
  run: campaignEffectiveness,
  chart: (rows) => ({
    title: 'Acceptance rate by group and campaign',
    data: { values: rows },
    vconcat: DIMENSIONS.map((dimension) => ({
      title: { text: dimension, fontSize: 12, anchor: 'start' },
      transform: [{ filter: { field: 'dimension', equal: dimension } }],
      encoding: {
        x: { field: 'campaign', type: 'nominal', sort: [...CAMPAIGNS], title: null },
        y: { field: 'group', type: 'nominal', sort: null, title: null },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'rate', type: 'quantitative', title: 'rate', scale: { scheme: 'blues' } } } },
        { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'rate', type: 'quantitative', format: '.0%' } } },
      ],
    })),
    resolve: { scale: { color: 'shared' } },
  }),
};
