import { describe, expect, it } from 'vitest';
import { predictedResponse, predictedResponseAnalysis } from '../../../../shared/analytics/analyses/predicted-response.js';
import { responseModelFrom } from '../../../../shared/analytics/model.js';
import { ExactStats } from '../../../../shared/cdc/exact-stats.js';
import { fitFromStats, scoreValues, type Fit } from '../../../../shared/cdc/fit.js';
import { encodeCustomer, LAYOUT } from '../../../../shared/cdc/layout.js';
import { DATASETS } from '../datasets.js';
import { customersOf, expectRowsClose, type Customer } from '../helpers.js';
import * as reference from '../reference.js';

/** The CDC model fitted from scratch on the customers, by the CDC code itself. */
function fitOn(customers: readonly Customer[]): Fit {
  const rows = customers.map((customer) => {
    const encoded = encodeCustomer(customer);
    if ('error' in encoded) throw new Error(encoded.error);
    return encoded.row;
  });
  return fitFromStats(ExactStats.of(LAYOUT.width, rows));
}

/** A customer's feature values by name, one-hot levels included, as the CDC model's scoreValues wants them. */
function featureValues(fit: Fit, customer: Customer): Record<string, number> {
  return Object.fromEntries(
    fit.features.map((name) => {
      const [column, level] = name.split('=');
      if (level === undefined) return [name, Number(customer[name])];
      const known = LAYOUT.features.some((f) => f.name === `${column}=${customer[column!]}`);
      return [name, (known ? customer[column!] === level : level === '(other)') ? 1 : 0];
    }),
  );
}

describe('predicted-response', () => {
  describe.each(DATASETS)('on $label', ({ load }) => {
    it.skipIf(load === undefined)("matches the CDC model's own scoring of each customer", async () => {
      const table = await load!();
      const customers = customersOf(table);
      const fit = fitOn(customers);
      const model = responseModelFrom(JSON.parse(JSON.stringify(fit)), 'models/response/current.json');
      const rows = predictedResponse(table, { model });
      expect(rows[0]).toMatchObject({ segment: 'all', customers: customers.length });
      expectRowsClose(rows, reference.predictedResponse(customers, (c) => scoreValues(fit, featureValues(fit, c)), fit.threshold));
    });
  });

  it.skipIf(DATASETS[0]!.load === undefined)('scores a table once per model and again when the model changes', async () => {
    const table = await DATASETS[0]!.load!();
    const fit = fitOn(customersOf(table));
    const document = JSON.parse(JSON.stringify(fit));
    const model = responseModelFrom(document, 'models/response/current.json');
    const first = model.score(table);
    expect(responseModelFrom(JSON.parse(JSON.stringify(fit)), 'models/response/current.json').score(table)).toBe(first);
    const changed = { ...document, parameters: { ...document.parameters, intercept: document.parameters.intercept + 0.5 } };
    const rescored = responseModelFrom(changed, 'models/response/current.json').score(table);
    expect(rescored).not.toBe(first);
    expect(rescored[0]).toBeCloseTo(first[0]! + 0.5, 9);
  });

  it('is unavailable without a model, saying why', () => {
    expect(predictedResponseAnalysis.unavailable!({ modelNote: 'no CDC model at models/response/current.json' })).toBe('no CDC model at models/response/current.json');
    expect(predictedResponseAnalysis.unavailable!({})).toBe('no CDC model yet');
  });

  it('refuses a model document without the numbers of a linear model', () => {
    expect(() => responseModelFrom({ features: ['Income'], parameters: { intercept: 0 } }, 'models/response/current.json')).toThrow(
      /models\/response\/current.json: is not a usable CDC model: 'standardisation' needs 1 means and stds/,
    );
  });
});
