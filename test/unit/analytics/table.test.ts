import * as aq from 'arquero';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categories } from '../../../shared/analytics/columns.js';
import { prepareTable, readCleanedParquet } from '../../../shared/analytics/table.js';
import { InputError } from '../../../shared/errors.js';
import { writeParquet } from '../../../shared/parquet.js';
import { FIXTURES, readCleanedCsv } from './helpers.js';

const fixture = () => readCleanedCsv(join(FIXTURES, 'cleaned-sample.csv'));

describe('prepareTable', () => {
  it('holds integers as Int32Array, Income as Float64Array and text as dictionary codes', () => {
    const table = fixture();
    expect(table.column('Recency')).toBeInstanceOf(Int32Array);
    expect(table.column('Income')).toBeInstanceOf(Float64Array);
    const education = categories(table, 'Education');
    expect(education.labels).toEqual([...education.labels].sort());
    expect(education.labels[education.codes[0]!]).toBe(table.get('Education', 0));
  });

  it('names every missing contract column', () => {
    const table = fixture().select(aq.not('Income', 'TenureDays'));
    expect(() => prepareTable(table, 'processed/x/cleaned.parquet')).toThrow(
      new InputError('processed/x/cleaned.parquet', 'is not a cleaned table: missing columns Income, TenureDays'),
    );
  });

  it('names the column and row of a value of the wrong type', () => {
    const table = (fixture().params({ bad: 'soon' }) as ReturnType<typeof fixture>).derive({ Recency: (d, $) => (aq.op.row_number() === 3 ? $.bad : d.Recency) });
    expect(() => prepareTable(table, 'cleaned.parquet')).toThrow(/cleaned.parquet: column 'Recency' has a non-integer value \("soon"\) at row 3/);
    const text = fixture().derive({ Education: (d) => (aq.op.row_number() === 2 ? null : d.Education) });
    expect(() => prepareTable(text, 'cleaned.parquet')).toThrow(/column 'Education' has a non-text value \(null\) at row 2/);
  });

  it('refuses nulls in an Arrow column, naming the column', async () => {
    const table = fixture().derive({ Income: (d) => (aq.op.row_number() === 1 ? null : d.Income) });
    const bytes = await writeParquet(table);
    await expect(readCleanedParquet(bytes, 'cleaned.parquet')).rejects.toThrow(/cleaned.parquet: column 'Income' has 1 missing value\(s\)/);
  });
});

describe('readCleanedParquet', () => {
  it('reads back what the preprocessing writes, row for row', async () => {
    const table = fixture();
    const back = await readCleanedParquet(await writeParquet(table), 'cleaned.parquet');
    expect(back.columnNames()).toEqual(table.columnNames());
    expect(back.objects()).toEqual(table.objects());
    expect(back.column('TotalSpend')).toBeInstanceOf(Int32Array);
  });

  it('says when the bytes are not Parquet', async () => {
    await expect(readCleanedParquet(new TextEncoder().encode('ID,Income\n1,2\n'), 's3://b/processed/x/cleaned.parquet')).rejects.toThrow(
      /^s3:\/\/b\/processed\/x\/cleaned.parquet: is not a readable Parquet file/,
    );
  });
});
