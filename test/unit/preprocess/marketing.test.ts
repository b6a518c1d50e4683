import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../shared/csv/index.js';
import { CLEANED_COLUMNS } from '../../../shared/preprocess/features.js';
import { cleanMarketing, imputeGroupMedian, MARKETING_TYPES, normaliseCategories } from '../../../shared/preprocess/marketing.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess');
const small = readFileSync(join(fixtures, 'marketing-small.tsv'));

const clean = (bytes: Uint8Array) => cleanMarketing(readCsv(bytes, { source: 'marketing-small.tsv', types: MARKETING_TYPES }));
const result = clean(small);
const rows = result.table.objects() as Record<string, unknown>[];
const byId = (id: number) => rows.find((r) => r.ID === id)!;
const rejectOf = (line: number) => result.rejects.find((r) => r.line === line);

describe('cleanMarketing on marketing-small.tsv', () => {
  it('accounts for every data row: rowsIn = rowsOut + duplicates + quarantined', () => {
    const { rowsIn, rowsOut, duplicatesRemoved, quarantined } = result.report;
    expect({ rowsIn, rowsOut, duplicatesRemoved, quarantined }).toEqual({ rowsIn: 16, rowsOut: 7, duplicatesRemoved: 2, quarantined: 7 });
    expect(rows.map((r) => r.ID)).toEqual([1001, 1002, 1004, 1005, 1011, 1012, 1013]);
  });

  it('quarantines rows that cannot be typed, with their line, reason and raw text (rule 1)', () => {
    expect(rejectOf(9)).toMatchObject({ code: 'not-a-number', message: "MntWines: 'abc' is not a number" });
    expect(rejectOf(10)).toMatchObject({ code: 'invalid-date' });
    expect(rejectOf(10)!.message).toContain("'31-02-2013'");
    expect(rejectOf(11)).toMatchObject({ code: 'column-count', message: 'expected 29 fields, found 28' });
    expect(rejectOf(18)).toMatchObject({ code: 'missing-value', message: 'Kidhome is missing' });
    expect(rejectOf(9)!.raw).toBe(small.toString('utf8').split('\r\n')[8]);
  });

  it('maps Alone to Single and Absurd and YOLO to Unknown (rule 2)', () => {
    expect(byId(1005).Marital_Status).toBe('Unknown');
    expect(byId(1012).Marital_Status).toBe('Unknown');
    expect(result.table.array('Marital_Status')).not.toContain('Alone');
  });

  it('removes a row equal to an earlier one on every column but ID, after rule 2 (rule 3)', () => {
    // 1003 is 1001 with 'Alone' for 'Single': equal once normalised, so a duplicate, not a customer
    expect(rows.some((r) => r.ID === 1003)).toBe(false);
    expect(result.rejects.some((r) => r.raw.startsWith('1003'))).toBe(false);
  });

  it('counts a copy of an implausible row as a duplicate, because duplicates come before rule 4', () => {
    // 1014 copies 1006 (born 1899): the first is quarantined, the copy removed as a duplicate
    expect(rejectOf(7)).toMatchObject({ code: 'implausible-age' });
    expect(result.rejects.some((r) => r.raw.startsWith('1014'))).toBe(false);
    expect(result.report.duplicatesRemoved).toBe(2);
  });

  it('quarantines a later row that reuses an ID with other values', () => {
    expect(rejectOf(17)).toMatchObject({ code: 'duplicate-id', message: 'ID 1002 is already used by an earlier row with other values' });
    expect(byId(1002).Year_Birth).toBe(1980);
  });

  it('quarantines an implausible age at enrolment or Income (rule 4)', () => {
    expect(rejectOf(7)!.message).toBe('age at enrolment 114 (Year_Birth 1899, Dt_Customer 2013-09-26) is outside 16..100');
    expect(rejectOf(8)).toMatchObject({ code: 'implausible-income', message: 'Income 666666 is above 600000' });
    expect(result.report.quarantinedByReason).toEqual({
      'not-a-number': 1,
      'invalid-date': 1,
      'column-count': 1,
      'missing-value': 1,
      'duplicate-id': 1,
      'implausible-age': 1,
      'implausible-income': 1,
    });
  });

  it('imputes a missing Income with the median of its Education group over the rows kept (rule 5)', () => {
    // Master: 40000 and 60000 kept; Graduation: 50000 and 61000 kept (666666 was quarantined, 1003 removed)
    expect(byId(1004).Income).toBe(50000);
    expect(byId(1012).Income).toBe(55500);
    expect(result.report.imputed).toEqual({ Income: 2 });
    expect(result.report.columns.Income).toMatchObject({ nullsBefore: 2, nullsAfter: 0 });
  });

  it('drops the constant columns it detects and keeps constant contract columns (rule 6)', () => {
    expect(result.report.droppedColumns).toEqual(['Z_CostContact', 'Z_Revenue']);
    expect(result.report.constantColumnsKept).toEqual(['AcceptedCmp4', 'AcceptedCmp1']);
    expect(result.table.columnNames()).toEqual([...CLEANED_COLUMNS]);
  });

  it('derives Age, Children, totals and TenureDays from the latest Dt_Customer kept (rule 7)', () => {
    expect(result.report.referenceDate).toBe('2014-06-29');
    expect(byId(1001)).toMatchObject({ Dt_Customer: '2012-09-04', Age: 44, Children: 1, TotalSpend: 190, TotalPurchases: 8, TotalAcceptedCmp: 0, TenureDays: 663 });
    expect(byId(1002)).toMatchObject({ Dt_Customer: '2013-03-08', TotalAcceptedCmp: 1, Age: 34 });
    expect(byId(1011).TenureDays).toBe(0);
  });

  it('builds z-scored numeric features and one-hot categories with the scaling recorded (rule 8)', () => {
    const features = result.features();
    const report = result.report.features!;
    expect(report.key).toBe('ID');
    expect(report.label).toBe('Response');
    expect(report.oneHot.Marital_Status).toEqual(['Divorced', 'Married', 'Single', 'Together', 'Unknown', 'Widow']);
    const income = features.array('Income') as Float64Array;
    const mean = income.reduce((s, v) => s + v, 0) / income.length;
    expect(Math.abs(mean)).toBeLessThan(1e-12);
    const { mean: m, std } = report.scaling.Income!;
    expect((50000 - m) / std).toBeCloseTo(income[rows.findIndex((r) => r.ID === 1001)]!, 12);
    expect(Array.from(features.array('Marital_Status=Unknown') as Int32Array)).toEqual([0, 0, 0, 1, 0, 1, 0]);
    expect(features.columnNames()).toEqual(report.columns);
  });
});

describe('the rule helpers', () => {
  it('merges codes that an alias makes equal', () => {
    const column = { name: 'm', type: 'string' as const, codes: Int32Array.of(0, 1, 2, -1), dictionary: ['Single', 'Alone', 'YOLO'], nulls: Uint8Array.of(0, 0, 0, 1), nullCount: 1 };
    const out = normaliseCategories(column, { Alone: 'Single', YOLO: 'Unknown' });
    expect(out.dictionary).toEqual(['Single', 'Unknown']);
    expect(Array.from(out.codes)).toEqual([0, 0, 1, -1]);
  });

  it('takes the overall median for a group without any value', () => {
    const income = { type: 'float' as const, values: Float64Array.of(10, 0, 30, 0), nulls: Uint8Array.of(0, 1, 0, 1) };
    const filled = imputeGroupMedian(income, Int32Array.of(0, 0, 0, 1));
    expect(filled).toBe(2);
    expect(Array.from(income.values)).toEqual([10, 20, 30, 20]);
  });
});
