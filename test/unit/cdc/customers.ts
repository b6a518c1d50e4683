/** Customers for the CDC tests: the real dataset (when present beside the checkout) and random ones. */
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { REAL_FILE } from '../../helpers/real-data.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES } from '../../../shared/preprocess/features.js';

export type Customer = Record<string, string | number>;


/**
 * The real customers, cleaned the simple way (rows without income dropped, derived columns
 * computed), or undefined when the file is not there.
 */
export function realCustomers(): Customer[] | undefined {
  if (!existsSync(REAL_FILE)) return undefined;
  const [header, ...lines] = readFileSync(REAL_FILE, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const names = header!.split('\t');
  const out: Customer[] = [];
  for (const line of lines) {
    const cells = line.split('\t');
    const raw = Object.fromEntries(names.map((n, i) => [n, cells[i]!]));
    if (raw.Income === '') continue;
    const num = (k: string) => Number(raw[k]);
    const [d, m, y] = raw.Dt_Customer!.split('-').map(Number);
    const c: Customer = { ...Object.fromEntries(names.map((n) => [n, /^-?\d+(\.\d+)?$/.test(raw[n]!) ? Number(raw[n]) : raw[n]!])) };
    c.Age = 2014 - num('Year_Birth');
    c.Children = num('Kidhome') + num('Teenhome');
    c.TotalSpend = ['MntWines', 'MntFruits', 'MntMeatProducts', 'MntFishProducts', 'MntSweetProducts', 'MntGoldProds'].reduce((s, k) => s + num(k), 0);
    c.TotalPurchases = num('NumWebPurchases') + num('NumCatalogPurchases') + num('NumStorePurchases');
    c.TotalAcceptedCmp = [1, 2, 3, 4, 5].reduce((s, i) => s + num(`AcceptedCmp${i}`), 0);
    c.TenureDays = Math.round((Date.UTC(2014, 5, 29) - Date.UTC(y!, m! - 1, d!)) / 86_400_000);
    out.push(c);
  }
  return out;
}

const small = (max: number) => fc.integer({ min: 0, max });

/** A random customer with the cleaned table's columns (ID given), including unknown categories. */
export const customerArb = (id: number): fc.Arbitrary<Customer> =>
  fc
    .record({
      Income: fc.oneof(fc.integer({ min: 1_000, max: 700_000 }), fc.double({ min: 0, max: 200_000, noNaN: true })),
      Education: fc.constantFrom(...CATEGORICAL_FEATURES.Education, 'Unheard Of'),
      Marital_Status: fc.constantFrom(...CATEGORICAL_FEATURES.Marital_Status, 'Alone', 'YOLO', 'Complicated'),
      Response: small(1),
      counts: fc.array(small(1500), { minLength: NUMERIC_FEATURES.length, maxLength: NUMERIC_FEATURES.length }),
    })
    .map(({ Income, Education, Marital_Status, Response, counts }) => {
      const c: Customer = { ID: id, Education, Marital_Status, Response };
      NUMERIC_FEATURES.forEach((name, i) => (c[name] = counts[i]!));
      c.Income = Income;
      return c;
    });
