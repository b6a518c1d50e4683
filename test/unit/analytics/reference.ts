/**
 * Independent computations of every analysis: plain loops over row objects, Maps and full sorts,
 * written from the definitions (not from the kernels), to test the analyses against.
 */
import type { Customer } from './helpers.js';

const SPEND = { MntWines: 'Wines', MntFruits: 'Fruits', MntMeatProducts: 'Meat', MntFishProducts: 'Fish', MntSweetProducts: 'Sweets', MntGoldProds: 'Gold' };
const CHANNELS = { NumWebPurchases: 'Web', NumCatalogPurchases: 'Catalog', NumStorePurchases: 'Store' };
const CAMPAIGNS = ['AcceptedCmp1', 'AcceptedCmp2', 'AcceptedCmp3', 'AcceptedCmp4', 'AcceptedCmp5', 'Response'];

const num = (row: Customer, key: string) => row[key] as number;
const str = (row: Customer, key: string) => row[key] as string;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function incomeBand(income: number): string {
  if (income < 25000) return '<25k';
  if (income < 50000) return '25-50k';
  if (income < 75000) return '50-75k';
  if (income < 100000) return '75-100k';
  return '100k+';
}
const INCOME_ORDER = ['<25k', '25-50k', '50-75k', '75-100k', '100k+'];

function ageBand(age: number): string {
  if (age < 30) return '<30';
  if (age >= 70) return '70+';
  const decade = Math.floor(age / 10) * 10;
  return `${decade}-${decade + 9}`;
}
const AGE_ORDER = ['<30', '30-39', '40-49', '50-59', '60-69', '70+'];

/** Groups rows by a key; the groups come back in insertion order. */
function groupBy(rows: readonly Customer[], key: (row: Customer) => string): Map<string, Customer[]> {
  const groups = new Map<string, Customer[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const total = (rows: readonly Customer[], key: string) => rows.reduce((s, r) => s + num(r, key), 0);

export function segmentProfile(rows: readonly Customer[]) {
  const groups = [...groupBy(rows, (r) => JSON.stringify([str(r, 'Education'), str(r, 'Marital_Status')]))];
  groups.sort(([ka, a], [kb, b]) => b.length - a.length || byText(JSON.parse(ka)[0], JSON.parse(kb)[0]) || byText(JSON.parse(ka)[1], JSON.parse(kb)[1]));
  return groups.map(([key, members]) => {
    const [Education, Marital_Status] = JSON.parse(key) as [string, string];
    return {
      Education,
      Marital_Status,
      customers: members.length,
      share: members.length / rows.length,
      meanIncome: total(members, 'Income') / members.length,
      meanSpend: total(members, 'TotalSpend') / members.length,
      meanPurchases: total(members, 'TotalPurchases') / members.length,
    };
  });
}

export function campaignEffectiveness(rows: readonly Customer[]) {
  const segmentKey = (r: Customer) => `${str(r, 'Education')} / ${str(r, 'Marital_Status')}`;
  const segmentOrder = [...new Set(rows.map((r) => JSON.stringify([str(r, 'Education'), str(r, 'Marital_Status')])))]
    .map((k) => JSON.parse(k) as [string, string])
    .sort((a, b) => byText(a[0], b[0]) || byText(a[1], b[1]))
    .map(([e, m]) => `${e} / ${m}`);
  const childrenOrder = [...new Set(rows.map((r) => num(r, 'Children')))].sort((a, b) => a - b).map(String);
  const dimensions: Array<[string, (r: Customer) => string, string[]]> = [
    ['all', () => 'all', ['all']],
    ['segment', segmentKey, segmentOrder],
    ['income band', (r) => incomeBand(num(r, 'Income')), INCOME_ORDER],
    ['children', (r) => String(num(r, 'Children')), childrenOrder],
  ];
  const out = [];
  for (const [dimension, key, order] of dimensions) {
    const groups = groupBy(rows, key);
    for (const group of order) {
      const members = groups.get(group);
      if (!members) continue;
      for (const campaign of CAMPAIGNS) {
        const accepted = total(members, campaign);
        out.push({ dimension, group, campaign, customers: members.length, accepted, rate: accepted / members.length });
      }
    }
  }
  return out;
}

/** Type-7 quantile from a full sort. */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!) : sorted[lo]!;
}

export function rfm(rows: readonly Customer[]) {
  const cuts = (key: string) => [0.2, 0.4, 0.6, 0.8].map((p) => quantile(rows.map((r) => num(r, key)), p));
  const [rc, fc, mc] = [cuts('Recency'), cuts('TotalPurchases'), cuts('TotalSpend')];
  const score = (value: number, c: number[]) => 1 + c.filter((cut) => value > cut).length;
  const names = ['Champions', 'Loyal', 'Promising', 'Needs attention', 'At risk', 'Hibernating'];
  const scored = rows.map((row) => {
    const r = 6 - score(num(row, 'Recency'), rc);
    const f = score(num(row, 'TotalPurchases'), fc);
    const m = score(num(row, 'TotalSpend'), mc);
    const fm = f + m;
    let segment: string;
    if (r >= 4) segment = fm >= 8 ? 'Champions' : fm >= 6 ? 'Loyal' : 'Promising';
    else if (r === 3) segment = fm >= 6 ? 'Loyal' : 'Needs attention';
    else segment = fm >= 6 ? 'At risk' : 'Hibernating';
    return { row, r, f, m, segment };
  });
  const allSpend = total(rows, 'TotalSpend');
  return names.flatMap((segment) => {
    const members = scored.filter((s) => s.segment === segment);
    if (members.length === 0) return [];
    const n = members.length;
    const spend = total(members.map((s) => s.row), 'TotalSpend');
    return [
      {
        segment,
        customers: n,
        share: n / rows.length,
        meanRecency: total(members.map((s) => s.row), 'Recency') / n,
        meanPurchases: total(members.map((s) => s.row), 'TotalPurchases') / n,
        meanSpend: spend / n,
        totalSpend: spend,
        valueShare: allSpend === 0 ? null : spend / allSpend,
        meanR: members.reduce((s, x) => s + x.r, 0) / n,
        meanF: members.reduce((s, x) => s + x.f, 0) / n,
        meanM: members.reduce((s, x) => s + x.m, 0) / n,
      },
    ];
  });
}

export function spendMix(rows: readonly Customer[]) {
  const bands = groupBy(rows, (r) => ageBand(num(r, 'Age')));
  const out = [];
  for (const [band, members] of [['all', rows] as const, ...AGE_ORDER.filter((b) => bands.has(b)).map((b) => [b, bands.get(b)!] as const)]) {
    for (const [measure, categories] of [['spend', SPEND], ['purchases', CHANNELS]] as const) {
      const bandTotal = Object.keys(categories).reduce((s, key) => s + total(members, key), 0);
      for (const [key, category] of Object.entries(categories)) {
        const sum = total(members, key);
        out.push({ ageBand: band, customers: members.length, measure, category, total: sum, perCustomer: sum / members.length, share: bandTotal === 0 ? null : sum / bandTotal });
      }
    }
  }
  return out;
}

export function cohorts(rows: readonly Customer[]) {
  const months = groupBy(rows, (r) => str(r, 'Dt_Customer').slice(0, 7));
  return [...months.keys()].sort(byText).map((month) => {
    const members = months.get(month)!;
    const spend = total(members, 'TotalSpend');
    return { month, customers: members.length, totalSpend: spend, meanSpend: spend / members.length, responseRate: total(members, 'Response') / members.length };
  });
}

export function correlations(rows: readonly Customer[]) {
  const vars = ['Income', 'TotalSpend', 'TotalPurchases', 'NumWebVisitsMonth', 'Recency', 'Response'];
  const pearson = (x: string, y: string) => {
    const n = rows.length;
    const mx = total(rows, x) / n;
    const my = total(rows, y) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (const r of rows) {
      sxy += (num(r, x) - mx) * (num(r, y) - my);
      sxx += (num(r, x) - mx) ** 2;
      syy += (num(r, y) - my) ** 2;
    }
    if (sxx === 0 || syy === 0) return null;
    return x === y ? 1 : sxy / Math.sqrt(sxx * syy);
  };
  return vars.flatMap((x) => vars.map((y) => ({ x, y, r: pearson(x, y) })));
}

export function topCustomers(rows: readonly Customer[]) {
  const profile = ['ID', 'Age', 'Education', 'Marital_Status', 'Income', 'Children', 'Recency', 'TotalSpend', 'TotalPurchases', 'NumWebVisitsMonth', 'TotalAcceptedCmp', 'Response'];
  return [...rows]
    .sort((a, b) => num(b, 'TotalSpend') - num(a, 'TotalSpend') || num(a, 'ID') - num(b, 'ID'))
    .slice(0, 20)
    .map((row, i) => ({ rank: i + 1, ...Object.fromEntries(profile.map((key) => [key, row[key]])) }));
}

/** Observed response, mean clipped score and share at or above the threshold: overall, then by segment. */
export function predictedResponse(rows: readonly Customer[], score: (row: Customer) => number, threshold: number) {
  const summarise = (segment: string, members: readonly Customer[]) => {
    const scores = members.map(score);
    const observed = total(members, 'Response') / members.length;
    const predicted = scores.reduce((s, x) => s + Math.min(1, Math.max(0, x)), 0) / members.length;
    const predictedPositive = scores.filter((x) => x >= threshold).length / members.length;
    return { segment, customers: members.length, observed, predicted, predictedPositive, difference: predicted - observed };
  };
  const segments = [...groupBy(rows, (r) => JSON.stringify([str(r, 'Education'), str(r, 'Marital_Status')]))]
    .map(([k, members]) => [JSON.parse(k) as [string, string], members] as const)
    .sort(([a], [b]) => byText(a[0], b[0]) || byText(a[1], b[1]));
  return [summarise('all', rows), ...segments.map(([[e, m], members]) => summarise(`${e} / ${m}`, members))];
}
