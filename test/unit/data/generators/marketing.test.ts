import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IMPLAUSIBLE_BIRTH_YEARS, MARKETING_COLUMNS, MARKETING_DIRT, OUTLIER_INCOME, generateMarketing, writeMarketing,
} from '../../../../data/generators/marketing.js';
import { REAL_FILE, realFileMissing } from '../../../helpers/real-data.js';

const column = Object.fromEntries(MARKETING_COLUMNS.map((name, i) => [name, i])) as Record<(typeof MARKETING_COLUMNS)[number], number>;

function text(rows: number, seed = 1): string {
  return Buffer.concat([...generateMarketing({ rows, seed, chunkRows: 1000 })]).toString('latin1');
}

/** Data rows as field arrays (the header and the final blank line left out). */
function rowsOf(file: string): string[][] {
  return file.split('\r\n').slice(1).filter((line) => line !== '').map((line) => line.split('\t'));
}

/** The share of rows carrying each kind of dirt, counted from the file itself. */
function dirtRates(rows: string[][]) {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const fields of rows) {
    const key = fields.slice(1).join('\t');
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  const share = (test: (fields: string[]) => boolean) => rows.filter(test).length / rows.length;
  return {
    missingIncome: share((f) => f[column.Income] === ''),
    duplicate: duplicates / rows.length,
    oddMarital: share((f) => ['Alone', 'Absurd', 'YOLO'].includes(f[column.Marital_Status]!)),
    implausibleBirthYear: share((f) => Number(f[column.Year_Birth]) < 1901),
    outlierIncome: share((f) => f[column.Income] === String(OUTLIER_INCOME)),
  };
}

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spendOf = (f: string[]) =>
  ['MntWines', 'MntFruits', 'MntMeatProducts', 'MntFishProducts', 'MntSweetProducts', 'MntGoldProds']
    .reduce((sum, name) => sum + Number(f[column[name as keyof typeof column]]), 0);

describe('generateMarketing', () => {
  const file20k = text(20_000, 7);
  const rows20k = rowsOf(file20k);
  // plausible rows only, for the distribution checks
  const clean20k = rows20k.filter((f) => f[column.Income] !== '' && f[column.Income] !== String(OUTLIER_INCOME));

  it('writes the same bytes for the same seed and different bytes for another', () => {
    expect(text(3000, 42)).toBe(text(3000, 42));
    expect(text(3000, 43)).not.toBe(text(3000, 42));
  });

  it('writes the pinned bytes for seed 1, so benchmark inputs stay comparable across changes', () => {
    // a deliberate change to the generator updates this hash (and invalidates data/bench/ caches)
    const hash = createHash('sha256').update(text(1000, 1)).digest('hex');
    expect(hash).toBe('5152d7e1fea6f7b321e5515aaee9dca4db1d3af2d87f4cb50a356e9f7fe6cb6b');
  });

  it('writes the same bytes whatever the chunk size', () => {
    const whole = Buffer.concat([...generateMarketing({ rows: 5000, seed: 5, chunkRows: 5000 })]);
    const small = Buffer.concat([...generateMarketing({ rows: 5000, seed: 5, chunkRows: 7 })]);
    expect(small.equals(whole)).toBe(true);
  });

  it('writes exactly the rows asked for, a header first and a blank line last', () => {
    for (const rows of [0, 1, 999, 1000, 1001]) {
      const lines = text(rows).split('\r\n');
      expect(lines[0]).toBe(MARKETING_COLUMNS.join('\t'));
      expect(lines.slice(-2)).toEqual(['', '']); // "...\r\n\r\n": the last row's CRLF, then a blank line
      expect(lines.length - 3).toBe(rows);
    }
  });

  it('ends every line with CRLF and puts 29 tab-separated fields on every row', () => {
    expect(file20k.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(MARKETING_COLUMNS).toHaveLength(29);
    expect(rows20k.every((fields) => fields.length === 29)).toBe(true);
  });

  it.skipIf(realFileMissing("test/unit/data/generators/marketing.test.ts: uses the real file's header"))("uses the real file's header", () => {
    expect(readFileSync(REAL_FILE, 'latin1').split('\r\n')[0]).toBe(MARKETING_COLUMNS.join('\t'));
  });

  it('writes dd-mm-yyyy enrolment dates from 30-07-2012 to 29-06-2014', () => {
    const days = rows20k.map((f) => {
      const match = /^(\d\d)-(\d\d)-(\d{4})$/.exec(f[column.Dt_Customer]!);
      expect(match).not.toBeNull();
      const [, d, m, y] = match!.map(Number);
      const date = new Date(Date.UTC(y!, m! - 1, d!));
      expect(date.getUTCDate()).toBe(d); // a real calendar day
      return date.getTime();
    });
    expect(new Date(Math.min(...days)).toISOString().slice(0, 10)).toBe('2012-07-30');
    expect(new Date(Math.max(...days)).toISOString().slice(0, 10)).toBe('2014-06-29');
  });

  it('gives every row its own ID, duplicates included', () => {
    const ids = rows20k.map((f) => f[column.ID]!);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes only whole numbers where the real file has them, and the constant columns 3 and 11', () => {
    const numeric = MARKETING_COLUMNS.filter((name) => !['Education', 'Marital_Status', 'Dt_Customer', 'Income'].includes(name));
    const odd = rows20k.flatMap((fields) => [
      ...numeric.filter((name) => !/^\d+$/.test(fields[column[name]]!)).map((name) => `${name}=${fields[column[name]]}`),
      ...(/^(\d+)?$/.test(fields[column.Income]!) ? [] : [`Income=${fields[column.Income]}`]),
    ]);
    expect(odd).toEqual([]);
    expect(new Set(rows20k.map((f) => f[column.Z_CostContact]))).toEqual(new Set(['3']));
    expect(new Set(rows20k.map((f) => f[column.Z_Revenue]))).toEqual(new Set(['11']));
  });

  it('injects each kind of dirt at about the real file\'s rate', () => {
    const rates = dirtRates(rows20k);
    expect(rates.missingIncome).toBeCloseTo(MARKETING_DIRT.missingIncome, 2); // within 0.5 point
    expect(Math.abs(rates.duplicate - MARKETING_DIRT.duplicate)).toBeLessThan(0.01);
    const odd = MARKETING_DIRT.maritalAlone + MARKETING_DIRT.maritalAbsurd + MARKETING_DIRT.maritalYolo;
    expect(rates.oddMarital).toBeGreaterThan(odd / 2);
    expect(rates.oddMarital).toBeLessThan(odd * 2);
    expect(rates.implausibleBirthYear).toBeGreaterThan(MARKETING_DIRT.implausibleBirthYear / 2);
    expect(rates.implausibleBirthYear).toBeLessThan(MARKETING_DIRT.implausibleBirthYear * 2);
    expect(rates.outlierIncome).toBeGreaterThan(MARKETING_DIRT.outlierIncome / 4);
    expect(rates.outlierIncome).toBeLessThan(MARKETING_DIRT.outlierIncome * 3);
  });

  it.skipIf(realFileMissing('test/unit/data/generators/marketing.test.ts: has dirt rates near those counted in the real file'))('has dirt rates near those counted in the real file', () => {
    const real = dirtRates(rowsOf(readFileSync(REAL_FILE, 'latin1')));
    const generated = dirtRates(rows20k);
    expect(Math.abs(generated.missingIncome - real.missingIncome)).toBeLessThan(0.005);
    expect(Math.abs(generated.duplicate - real.duplicate)).toBeLessThan(0.015);
    expect(Math.abs(generated.oddMarital - real.oddMarital)).toBeLessThan(0.003);
    expect(Math.abs(generated.implausibleBirthYear - real.implausibleBirthYear)).toBeLessThan(0.002);
  });

  it('uses only the odd values and birth years of the real file as dirt', () => {
    const statuses = new Set(rows20k.map((f) => f[column.Marital_Status]));
    expect([...statuses].sort()).toEqual(['Absurd', 'Alone', 'Divorced', 'Married', 'Single', 'Together', 'Widow', 'YOLO']);
    const implausible = new Set(rows20k.map((f) => Number(f[column.Year_Birth])).filter((y) => y < 1901));
    expect([...implausible].every((y) => (IMPLAUSIBLE_BIRTH_YEARS as readonly number[]).includes(y))).toBe(true);
  });

  it('keeps every other customer 16 to 100 years old at enrolment', () => {
    for (const fields of rows20k) {
      const born = Number(fields[column.Year_Birth]);
      if (born < 1901) continue;
      const age = Number(fields[column.Dt_Customer]!.slice(6)) - born;
      expect(age).toBeGreaterThanOrEqual(16);
      expect(age).toBeLessThanOrEqual(100);
    }
  });

  it('makes spending grow with income and fall with children at home', () => {
    const incomes = clean20k.map((f) => Number(f[column.Income]));
    const spends = clean20k.map(spendOf);
    expect(correlation(incomes, spends)).toBeGreaterThan(0.6);
    const childless = clean20k.filter((f) => f[column.Kidhome] === '0').map(spendOf);
    const withKids = clean20k.filter((f) => f[column.Kidhome] !== '0').map(spendOf);
    expect(mean(childless)).toBeGreaterThan(2 * mean(withKids));
  });

  it('makes Response likelier for big spenders and recent buyers, at about the real 15%', () => {
    const response = clean20k.map((f) => Number(f[column.Response]));
    expect(mean(response)).toBeGreaterThan(0.1);
    expect(mean(response)).toBeLessThan(0.2);
    expect(correlation(clean20k.map(spendOf), response)).toBeGreaterThan(0.15);
    expect(correlation(clean20k.map((f) => Number(f[column.Recency])), response)).toBeLessThan(-0.1);
  });

  it('rejects a row count that is not a whole number', () => {
    expect(() => generateMarketing({ rows: -1 }).next()).toThrow(RangeError);
    expect(() => generateMarketing({ rows: 1.5 }).next()).toThrow(/whole number/);
  });
});

describe('writeMarketing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marketing-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the generated bytes to the file, reports progress and leaves no partial file', async () => {
    const path = join(dir, 'm.csv');
    const progress: number[] = [];
    const stats = await writeMarketing(path, { rows: 2500, seed: 9, chunkRows: 1000 }, (rows) => progress.push(rows));
    const bytes = await readFile(path);
    expect(bytes.equals(Buffer.concat([...generateMarketing({ rows: 2500, seed: 9 })]))).toBe(true);
    expect(stats.bytes).toBe(bytes.length);
    expect(stats.rows).toBe(2500);
    expect(progress).toEqual([1000, 2000, 2500]);
    expect(await readdir(dir)).toEqual(['m.csv']);
  });

  it('counts the dirt it wrote as the file shows it', async () => {
    const path = join(dir, 'counted.csv');
    const stats = await writeMarketing(path, { rows: 20_000, seed: 3 });
    const rows = rowsOf(await readFile(path, 'latin1'));
    const rates = dirtRates(rows);
    expect(stats.duplicates).toBe(Math.round(rates.duplicate * rows.length));
    // the other counts are over first listings; duplicates may copy their dirt
    expect(stats.missingIncome).toBeLessThanOrEqual(Math.round(rates.missingIncome * rows.length));
    expect(stats.outlierIncome).toBeLessThanOrEqual(Math.round(rates.outlierIncome * rows.length));
  });

  it('leaves nothing behind when the folder does not exist', async () => {
    await expect(writeMarketing(join(dir, 'missing', 'm.csv'), { rows: 10 })).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
