import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { numbers, withParams, type Numbers } from '../columns.js';
import { countAbove, quantiles } from '../kernels.js';
import type { Analysis, Row } from '../types.js';

/** The RFM segments, best first; {@link rfmSegment} assigns them. */
export const RFM_SEGMENTS = ['Champions', 'Loyal', 'Promising', 'Needs attention', 'At risk', 'Hibernating'] as const;

/** The cut points of the quintile scores. */
export const QUINTILES = [0.2, 0.4, 0.6, 0.8] as const;

/**
 * A quintile score from 1 to 5: 1 plus the number of quintile cut points strictly below the
 * value, so equal values always get equal scores.
 *
 * @example
 * quintileScore(50, [10, 20, 30, 40]); // 5
 */
export function quintileScore(value: number, cuts: readonly number[]): number {
  let score = 1;
  for (const cut of cuts) if (value > cut) score++;
  return score;
}

/**
 * The segment (index into {@link RFM_SEGMENTS}) of a recency score and a frequency + monetary sum:
 * recent (R 4-5): Champions when F+M >= 8, Loyal when >= 6, else Promising; R 3: Loyal when F+M >= 6,
 * else Needs attention; lapsed (R 1-2): At risk when F+M >= 6, else Hibernating.
 *
 * @example
 * RFM_SEGMENTS[rfmSegment(5, 9)]; // 'Champions'
 */
export function rfmSegment(r: number, fm: number): number {
  if (r >= 4) return fm >= 8 ? 0 : fm >= 6 ? 1 : 2;
  if (r === 3) return fm >= 6 ? 1 : 3;
  return fm >= 6 ? 4 : 5;
}

/** The per-segment sums {@link rfm} accumulates, in this order. */
const SUMS = ['customers', 'recency', 'purchases', 'totalSpend', 'r', 'f', 'm'] as const;

/**
 * The quintile cut points (type-7 quantiles at 20/40/60/80%) of Recency, TotalPurchases and TotalSpend.
 *
 * @example
 * rfmCuts(table).recency; // [19, 39, 59, 79]
 */
export function rfmCuts(table: ColumnTable): { recency: number[]; frequency: number[]; monetary: number[] } {
  return {
    recency: quantiles(numbers(table, 'Recency'), QUINTILES),
    frequency: quantiles(numbers(table, 'TotalPurchases'), QUINTILES),
    monetary: quantiles(numbers(table, 'TotalSpend'), QUINTILES),
  };
}

/**
 * One pass: each row's (R, F, M) cell among the 125 (from its above-cut counts), with the cell's
 * count and sums of recency, frequency and monetary value, 4 numbers per cell. Many cells rather
 * than 6 segments keep consecutive rows from waiting on each other's accumulator; a function of
 * its own so the loop is optimised once and stays so.
 */
function rfmCells(r: Uint8Array, f: Uint8Array, m: Uint8Array, recency: Numbers, frequency: Numbers, monetary: Numbers): Float64Array {
  const cells = new Float64Array(125 * 4);
  for (let i = 0; i < r.length; i++) {
    const at = (r[i]! * 25 + f[i]! * 5 + m[i]!) * 4;
    cells[at]++;
    cells[at + 1] += recency[i]!;
    cells[at + 2] += frequency[i]!;
    cells[at + 3] += monetary[i]!;
  }
  return cells;
}

/**
 * RFM segments with their size and value: customers, share, mean recency, purchases and spend,
 * total spend and its share, and the mean R, F and M scores. R scores Recency (fewer days since the
 * last purchase scores higher: 6 - its quintile score), F TotalPurchases, M TotalSpend, each by
 * {@link quintileScore} against the whole table's cut points. Segments in {@link RFM_SEGMENTS}
 * order; empty ones are left out.
 *
 * @example
 * rfm(table)[0]; // { segment: 'Champions', customers: 402, share: 0.18, ..., meanR: 4.5, meanF: 4.6, meanM: 4.7 }
 */
export function rfm(table: ColumnTable): Row[] {
  const recency = numbers(table, 'Recency');
  const frequency = numbers(table, 'TotalPurchases');
  const monetary = numbers(table, 'TotalSpend');
  const cuts = rfmCuts(table);
  // per row, how many cut points each value exceeds (0..4): R = 5 - that, F and M = 1 + that
  const r = countAbove(recency, cuts.recency);
  const f = countAbove(frequency, cuts.frequency);
  const m = countAbove(monetary, cuts.monetary);
  const cells = rfmCells(r, f, m, recency, frequency, monetary);
  const width = SUMS.length;
  const acc = new Float64Array(RFM_SEGMENTS.length * width);
  for (let cell = 0; cell < 125; cell++) {
    const count = cells[cell * 4]!;
    if (count === 0) continue;
    // above-cut counts to scores: R is reversed (fewer days since the last purchase is better)
    const rScore = 5 - Math.floor(cell / 25);
    const fScore = 1 + (Math.floor(cell / 5) % 5);
    const mScore = 1 + (cell % 5);
    const at = rfmSegment(rScore, fScore + mScore) * width;
    acc[at] += count;
    acc[at + 1] += cells[cell * 4 + 1]!;
    acc[at + 2] += cells[cell * 4 + 2]!;
    acc[at + 3] += cells[cell * 4 + 3]!;
    acc[at + 4] += rScore * count;
    acc[at + 5] += fScore * count;
    acc[at + 6] += mScore * count;
  }
  const columns: Record<string, Array<string | number>> = { segment: [], ...Object.fromEntries(SUMS.map((name) => [name, []])) };
  let allSpend = 0;
  RFM_SEGMENTS.forEach((segment, s) => {
    if (acc[s * width] === 0) return;
    columns.segment!.push(segment);
    SUMS.forEach((name, k) => columns[name]!.push(acc[s * width + k]!));
    allSpend += acc[s * width + 3]!;
  });
  return withParams(aq.table(columns), { total: table.numRows(), allSpend })
    .derive({
      share: (d, $) => d.customers / $.total,
      meanRecency: (d) => d.recency / d.customers,
      meanPurchases: (d) => d.purchases / d.customers,
      meanSpend: (d) => d.totalSpend / d.customers,
      valueShare: (d, $) => ($.allSpend === 0 ? null : d.totalSpend / $.allSpend),
      meanR: (d) => d.r / d.customers,
      meanF: (d) => d.f / d.customers,
      meanM: (d) => d.m / d.customers,
    })
    .select('segment', 'customers', 'share', 'meanRecency', 'meanPurchases', 'meanSpend', 'totalSpend', 'valueShare', 'meanR', 'meanF', 'meanM')
    .objects() as Row[];
}

export const rfmAnalysis: Analysis = {
  name: 'rfm',
  title: 'RFM segments',
  description:
    'Recency (Recency, lower is better), frequency (TotalPurchases) and monetary (TotalSpend) scores 1-5 by quintiles of the table (1 + the number of 20/40/60/80% quantiles below the value); ' +
    'segments: R 4-5 with F+M >= 8 Champions, >= 6 Loyal, else Promising; R 3 with F+M >= 6 Loyal, else Needs attention; R 1-2 with F+M >= 6 At risk, else Hibernating.',
  run: rfm,
  chart: (rows) => ({
    title: 'RFM segments: customers (bars) and share of total spend (label)',
    data: { values: rows },
    encoding: { y: { field: 'segment', type: 'nominal', sort: null, title: null } },
    layer: [
      { mark: 'bar', encoding: { x: { field: 'customers', type: 'quantitative' }, color: { field: 'meanSpend', type: 'quantitative', title: 'mean spend' } } },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: { x: { field: 'customers', type: 'quantitative' }, text: { field: 'valueShare', type: 'quantitative', format: '.0%' } },
      },
    ],
  }),
};
