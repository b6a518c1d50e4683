/**
 * Every analysis but predicted-response (see its own file) against an independent computation
 * (test/unit/analytics/reference.ts: loops over row objects) on each dataset.
 */
import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { campaignEffectiveness } from '../../../../shared/analytics/analyses/campaign-effectiveness.js';
import { cohorts } from '../../../../shared/analytics/analyses/cohorts.js';
import { correlations } from '../../../../shared/analytics/analyses/correlations.js';
import { rfm } from '../../../../shared/analytics/analyses/rfm.js';
import { segmentProfile } from '../../../../shared/analytics/analyses/segment-profile.js';
import { spendMix } from '../../../../shared/analytics/analyses/spend-mix.js';
import { topCustomers } from '../../../../shared/analytics/analyses/top-customers.js';
import { DATASETS } from '../datasets.js';
import { customersOf, expectRowsClose } from '../helpers.js';
import * as reference from '../reference.js';

const CASES = [
  ['segment-profile', segmentProfile, reference.segmentProfile],
  ['campaign-effectiveness', campaignEffectiveness, reference.campaignEffectiveness],
  ['rfm', rfm, reference.rfm],
  ['spend-mix', spendMix, reference.spendMix],
  ['cohorts', cohorts, reference.cohorts],
  ['correlations', correlations, reference.correlations],
  ['top-customers', topCustomers, reference.topCustomers],
] as const;

describe.each(DATASETS)('analyses on $label', ({ load }) => {
  it.skipIf(load === undefined).each(CASES)('%s matches an independent computation over row objects', async (_name, analysis, independent) => {
    const table = await load!();
    const rows = analysis(table);
    expect(rows.length).toBeGreaterThan(0);
    expectRowsClose(rows, independent(customersOf(table)));
  });
});

describe('campaign-effectiveness', () => {
  it('sums campaign columns that are not all 0 or 1 instead of counting them as bits', async () => {
    const table = await DATASETS[0]!.load!();
    // the first row accepted campaign 1 "twice": outside the contract, but still a sum
    const odd = table.derive({ AcceptedCmp1: (d) => (aq.op.row_number() === 1 ? 2 : d.AcceptedCmp1) }).reify();
    const rows = campaignEffectiveness(odd);
    expectRowsClose(rows, reference.campaignEffectiveness(customersOf(odd)));
    expect(rows[0]).toMatchObject({ dimension: 'all', campaign: 'AcceptedCmp1' });
    const before = table.get('AcceptedCmp1', 0) as number;
    expect(rows[0]!.accepted).toBe(reference.campaignEffectiveness(customersOf(table))[0]!.accepted - before + 2);
  });
});
