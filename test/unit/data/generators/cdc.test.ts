import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cdcMessages, type CdcMessage } from '../../../../data/generators/cdc.js';
import { readCustomers } from '../../../../shared/cdc/customers.js';
import { parseRecord } from '../../../../shared/cdc/events.js';
import { CAMPAIGN_COLUMNS, PURCHASE_COLUMNS, SPEND_COLUMNS } from '../../../../shared/preprocess/features.js';

const sample = readFileSync(join(import.meta.dirname, '../../../fixtures/cdc/cleaned-sample.csv'));
const customers = await readCustomers(new Uint8Array(sample), 'cleaned-sample.csv');
const parse = (m: CdcMessage) => JSON.parse(m.value!) as { op: string; before: Record<string, number> | null; after: Record<string, number> | null; source: { ts_ms: number } };

describe('cdcMessages', () => {
  it('reads the cleaned table with the contract types', () => {
    expect(customers).toHaveLength(6);
    expect(customers[1]).toMatchObject({ ID: 102, Education: 'PhD', Income: 81000.5, Dt_Customer: '2012-10-02' });
  });

  it('sends a snapshot of every customer first, then the changes', () => {
    const messages = [...cdcMessages({ customers, count: 50, seed: 3 })];
    expect(messages.slice(0, 6).map((m) => [m.kind, m.key])).toEqual(customers.map((c) => ['r', String(c.ID)]));
    expect(messages).toHaveLength(56);
    expect(messages.every((m) => parseRecord({ offset: 0, key: m.key, value: m.value }).kind !== 'malformed')).toBe(true);
  });

  it('is the same for the same seed and differs for another', () => {
    const a = [...cdcMessages({ customers, count: 200, seed: 9, duplicateRatio: 0.1 })];
    expect([...cdcMessages({ customers, count: 200, seed: 9, duplicateRatio: 0.1 })]).toEqual(a);
    expect([...cdcMessages({ customers, count: 200, seed: 10, duplicateRatio: 0.1 })]).not.toEqual(a);
  });

  it('mixes inserts, updates and deletes in the asked proportions, with and without before images', () => {
    const changes = [...cdcMessages({ customers, count: 5000, seed: 1, updateRatio: 0.3, deleteRatio: 0.1, snapshot: false })];
    const share = (kind: string) => changes.filter((m) => m.kind === kind).length / changes.length;
    expect(share('c')).toBeCloseTo(0.6, 1);
    expect(share('u')).toBeCloseTo(0.3, 1);
    expect(share('d')).toBeCloseTo(0.1, 1);
    const updates = changes.filter((m) => m.kind === 'u').map(parse);
    expect(updates.some((e) => e.before === null) && updates.some((e) => e.before !== null)).toBe(true);
  });

  it('changes only live customers, keeps derived columns consistent and re-sends duplicates next to their original', () => {
    const messages = [...cdcMessages({ customers, count: 3000, seed: 5, duplicateRatio: 0.2 })];
    const live = new Set<string>();
    messages.forEach((m, i) => {
      if (m.duplicate) {
        expect(m).toEqual({ ...messages[i - 1]!, duplicate: true });
        return;
      }
      const event = parse(m);
      if (event.op === 'u' || event.op === 'd') expect(live.has(m.key!)).toBe(true);
      if (event.op === 'd') live.delete(m.key!);
      else live.add(m.key!);
      const after = event.after;
      if (after === null) return;
      expect(after.TotalSpend).toBe(SPEND_COLUMNS.reduce((s, k) => s + after[k]!, 0));
      expect(after.TotalPurchases).toBe(PURCHASE_COLUMNS.reduce((s, k) => s + after[k]!, 0));
      expect(after.TotalAcceptedCmp).toBe(CAMPAIGN_COLUMNS.reduce((s, k) => s + after[k]!, 0));
      expect(after.Children).toBe(after.Kidhome! + after.Teenhome!);
    });
    expect(messages.filter((m) => m.duplicate).length / messages.length).toBeCloseTo(0.2 / 1.2, 1);
  });

  it('mixes in malformed messages that the parser rejects', () => {
    const bad = [...cdcMessages({ customers, count: 2000, seed: 2, badRatio: 0.05 })].filter((m) => m.kind === 'bad');
    expect(bad.length).toBeGreaterThan(50);
    expect(bad.every((m) => parseRecord({ offset: 0, key: m.key, value: m.value }).kind === 'malformed')).toBe(true);
  });

  it('refuses ratios that add up to more than 1', () => {
    expect(() => [...cdcMessages({ customers, count: 1, updateRatio: 0.8, deleteRatio: 0.3 })]).toThrow(/add up to at most 1/);
  });
});
