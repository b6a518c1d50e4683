import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { CAMPAIGN_COLUMNS, LABEL } from '../../preprocess/features.js';
import { ALL } from '../bands.js';
import { numbers } from '../columns.js';
import { childrenGroups, incomeBands, memo, segments } from '../dimensions.js';
import { counts, sums, type Grouping } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** The campaigns compared: the five earlier ones, then the last (the label, `Response`). */
export const CAMPAIGNS = [...CAMPAIGN_COLUMNS, LABEL] as const;

/** The breakdowns, in report order. */
export const DIMENSIONS = ['all', 'segment', 'income band', 'children'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The breakdowns other than 'all', whose slots partition the customers. */
const PARTITIONS = {
  segment: segments,
  'income band': incomeBands,
  children: childrenGroups,
} as const satisfies Record<Exclude<Dimension, 'all'>, (table: ColumnTable) => Grouping>;

/**
 * Each row's acceptances as bits (bit c: campaign c of {@link CAMPAIGNS}), kept with the table;
 * undefined when a campaign column holds anything but 0 and 1.
 */
function acceptanceBits(table: ColumnTable): Uint8Array | undefined {
  return memo(table, 'campaign bits', () => {
    const bits = new Uint8Array(table.numRows());
    for (let c = 0; c < CAMPAIGNS.length; c++) {
      const column = numbers(table, CAMPAIGNS[c]!);
      for (let i = 0; i < column.length; i++) {
        const v = column[i]!;
        if (v !== 0 && v !== 1) return undefined;
        bits[i]! |= v << c;
      }
    }
    return bits;
  });
}

/** Rows per (slot, code): `out[slot * codes + code]`; a loop in a function of its own, optimised once. */
function pairCounts(ids: Int32Array, codes: Uint8Array, slots: number, width: number): Float64Array {
  const out = new Float64Array(slots * width);
  for (let i = 0; i < ids.length; i++) out[ids[i]! * width + codes[i]!]++;
  return out;
}

/** Customers per slot and acceptances per campaign and slot (`accepted[c][slot]`). */
function tally(table: ColumnTable, groups: Grouping): { customers: Float64Array; accepted: Float64Array[] } {
  const bits = acceptanceBits(table);
  if (bits === undefined) return { customers: counts(groups), accepted: CAMPAIGNS.map((campaign) => sums(groups, numbers(table, campaign))) };
  // one pass: a histogram of (slot, acceptance bits); the sums follow from its cells
  const combos = 1 << CAMPAIGNS.length;
  const histogram = pairCounts(groups.ids, bits, groups.size, combos);
  const customers = new Float64Array(groups.size);
  const accepted = CAMPAIGNS.map(() => new Float64Array(groups.size));
  for (let slot = 0; slot < groups.size; slot++) {
    for (let combo = 0; combo < combos; combo++) {
      const count = histogram[slot * combos + combo]!;
      if (count === 0) continue;
      customers[slot] += count;
      for (let c = 0; c < CAMPAIGNS.length; c++) if (combo & (1 << c)) accepted[c]![slot] += count;
    }
  }
  return { customers, accepted };
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
  const push = (dimension: string, group: string, customers: number, accepted: (c: number) => number) => {
    CAMPAIGNS.forEach((campaign, c) => {
      columns.dimension.push(dimension);
      columns.group.push(group);
      columns.campaign.push(campaign);
      columns.customers.push(customers);
      columns.accepted.push(accepted(c));
    });
  };
  const tallies = Object.entries(PARTITIONS).map(([dimension, grouping]) => {
    const groups = grouping(table);
    return { dimension, groups, ...tally(table, groups) };
  });
  // 'all' is the sum of any partition's slots: no pass of its own
  const first = tallies[0]!;
  if (table.numRows() > 0) push(ALL, ALL, table.numRows(), (c) => first.accepted[c]!.reduce((a, b) => a + b, 0));
  for (const { dimension, groups, customers, accepted } of tallies) {
    for (let slot = 0; slot < groups.size; slot++) {
      if (customers[slot] !== 0) push(dimension, groups.labels[slot]!, customers[slot]!, (c) => accepted[c]![slot]!);
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
      width: { step: 58 },
      height: { step: 17 },
      encoding: {
        x: { field: 'campaign', type: 'nominal', sort: [...CAMPAIGNS], title: null, axis: { labelAngle: 0, orient: 'top', labelExpr: "replace(datum.label, 'AcceptedCmp', 'Cmp ')" } },
        y: { field: 'group', type: 'nominal', sort: null, title: null },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'rate', type: 'quantitative', title: 'rate', scale: { scheme: 'blues' }, legend: { format: '.0%' } } } },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: {
            text: { field: 'rate', type: 'quantitative', format: '.1%' },
            color: { condition: { test: 'datum.rate > 0.25', value: 'white' }, value: 'black' },
          },
        },
      ],
    })),
    resolve: { scale: { color: 'shared' } },
  }),
};
