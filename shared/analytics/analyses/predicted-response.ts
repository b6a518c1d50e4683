import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { ALL } from '../bands.js';
import { numbers, type Numbers } from '../columns.js';
import { segments } from '../dimensions.js';
import type { Analysis, AnalysisContext, Row } from '../types.js';

/**
 * Per slot: customers, responses, sum of probabilities (scores clipped to [0, 1]) and customers
 * scored at or above the threshold, 4 numbers per slot. Min/max instead of branches: scores are
 * on both sides of the bounds in no order, and mispredicted branches cost more than the loop.
 */
function tallyScores(ids: Int32Array, slots: number, scores: Float64Array, response: Numbers, threshold: number): Float64Array {
  const acc = new Float64Array(slots * 4);
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]! * 4;
    const score = scores[i]!;
    acc[at]++;
    acc[at + 1] += response[i]!;
    acc[at + 2] += Math.min(1, Math.max(0, score));
    acc[at + 3] += +(score >= threshold);
  }
  return acc;
}

/**
 * The CDC model's predictions next to the observed response to the last campaign, over all
 * customers and by segment (Education / Marital_Status): `predicted` is the mean predicted
 * probability (the model's linear score clipped to [0, 1]), `predictedPositive` the share scored at
 * or above the model's threshold, `difference` predicted minus observed.
 *
 * @example
 * predictedResponse(table, { model })[0]; // { segment: 'all', customers: 2216, observed: 0.15, predicted: 0.149, predictedPositive: 0.06, difference: -0.001 }
 */
export function predictedResponse(table: ColumnTable, context: AnalysisContext): Row[] {
  const model = context.model;
  if (model === undefined) throw new TypeError('predicted-response needs a model (check unavailable() first)');
  const scores = model.score(table);
  const response = numbers(table, 'Response');
  const groups = segments(table);
  const { ids } = groups;
  const acc = tallyScores(ids, groups.size, scores, response, model.threshold);
  const columns = { segment: [ALL as string], customers: [0], responses: [0], probability: [0], positives: [0] };
  for (let slot = 0; slot < groups.size; slot++) {
    const at = slot * 4;
    if (acc[at] === 0) continue;
    columns.segment.push(groups.labels[slot]!);
    columns.customers.push(acc[at]!);
    columns.responses.push(acc[at + 1]!);
    columns.probability.push(acc[at + 2]!);
    columns.positives.push(acc[at + 3]!);
    columns.customers[0]! += acc[at]!;
    columns.responses[0]! += acc[at + 1]!;
    columns.probability[0]! += acc[at + 2]!;
    columns.positives[0]! += acc[at + 3]!;
  }
  return aq
    .table(columns)
    .derive({
      observed: (d) => d.responses / d.customers,
      predicted: (d) => d.probability / d.customers,
      predictedPositive: (d) => d.positives / d.customers,
    })
    .derive({ difference: (d) => d.predicted - d.observed })
    .select('segment', 'customers', 'observed', 'predicted', 'predictedPositive', 'difference')
    .objects() as Row[];
}

export const predictedResponseAnalysis: Analysis = {
  name: 'predicted-response',
  title: 'Predicted response',
  description:
    "The CDC model's mean predicted probability of responding to the last campaign (its linear score clipped to [0, 1]) and the share it predicts to respond, next to the observed response rate: overall and by segment (Education / Marital_Status).",
  unavailable: (context) => (context.model === undefined ? (context.modelNote ?? 'no CDC model yet') : undefined),
  run: predictedResponse,
  chart: (rows) => ({
    title: 'Observed and predicted response rate by segment',
    data: { values: rows },
    transform: [{ fold: ['observed', 'predicted'], as: ['rate', 'value'] }],
    mark: 'bar',
    height: { step: 20 },
    encoding: {
      y: { field: 'segment', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'rate', type: 'nominal' },
      x: { field: 'value', type: 'quantitative', title: 'response rate', axis: { format: '.0%' } },
      color: { field: 'rate', type: 'nominal', title: null },
    },
  }),
};
