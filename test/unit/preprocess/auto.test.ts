import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../shared/csv/index.js';
import { cleanAuto, imputeMiddle, inferType } from '../../../shared/preprocess/auto.js';
import { chooseSchema, cleanCsv } from '../../../shared/preprocess/clean.js';
import { InputError } from '../../../shared/errors.js';

const fixture = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess', 'auto-simple.csv'));
const result = cleanAuto(readCsv(fixture, { source: 'auto-simple.csv', otherColumns: 'string' }));

describe('--schema auto on auto-simple.csv', () => {
  it('infers int, float, date and string columns', () => {
    const types = Object.fromEntries(Object.entries(result.report.columns).map(([name, c]) => [name, c.type]));
    expect(types).toEqual({ id: 'int', score: 'float', city: 'string', joined: 'date', flag: 'string', note: 'string' });
  });

  it('drops exact duplicate rows and quarantines unreadable ones, accounting for every row', () => {
    expect(result.report).toMatchObject({ rowsIn: 7, rowsOut: 5, duplicatesRemoved: 1, quarantined: 1, quarantinedByReason: { 'column-count': 1 } });
    expect(result.rejects).toEqual([{ line: 7, code: 'column-count', message: 'expected 6 fields, found 4', raw: '5,abc,Lyon,2020-01-09' }]);
  });

  it('imputes the median of numbers and dates and the mode of strings, over the rows kept', () => {
    expect(result.report.imputed).toEqual({ score: 1, city: 1, joined: 1 });
    const rows = result.table.objects() as Record<string, unknown>[];
    expect(rows.map((r) => r.score)).toEqual([1.5, 3.5, 2.5, 4.5, 10]);
    expect(rows.map((r) => r.city)).toEqual(['Paris', 'Lyon', 'Paris', 'Paris', 'Nice']);
    expect(rows.map((r) => r.joined)).toEqual(['2020-01-05', '2020-01-05', '2020-01-06', '2020-01-05', '2020-01-10']);
  });

  it('drops constant columns', () => {
    expect(result.report.droppedColumns).toEqual(['flag']);
    expect(result.table.columnNames()).toEqual(['id', 'score', 'city', 'joined', 'note']);
  });

  it('standardises numeric columns and one-hot encodes the string columns', () => {
    const features = result.features();
    expect(result.report.features!.numeric).toEqual(['id', 'score']);
    expect(result.report.features!.oneHot.city).toEqual(['Lyon', 'Nice', 'Paris']);
    expect(Array.from(features.array('city=Paris') as Int32Array)).toEqual([1, 0, 1, 1, 0]);
    const ids = Array.from(features.array('id') as Float64Array);
    expect(ids.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
  });
});

describe('schema choice and helpers', () => {
  it('chooses marketing when the header has its columns, else auto', () => {
    const header = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess', 'marketing-small.tsv'), 'utf8').split('\r\n')[0]!.split('\t');
    expect(chooseSchema(header, undefined, 'x')).toBe('marketing');
    expect(chooseSchema(['a', 'b'], undefined, 'x')).toBe('auto');
    expect(chooseSchema(header, 'auto', 'x')).toBe('auto');
  });

  it('refuses the marketing schema for another header, naming the missing columns', () => {
    expect(() => chooseSchema(['ID', 'Income'], 'marketing', 'x.csv')).toThrow(InputError);
    expect(() => chooseSchema(['ID', 'Income'], 'marketing', 'x.csv')).toThrow(/lacks Year_Birth, Education/);
  });

  it('cleans a file with auto when asked, even one with the marketing header', () => {
    const { result: auto } = cleanCsv(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'preprocess', 'marketing-small.tsv')), { source: 'm', schema: 'auto' });
    expect(auto.schema).toBe('auto');
    // auto knows no aliases: Alone, Absurd and YOLO stay as they are
    expect(auto.report.columns.Marital_Status!.distinct).toBe(8);
    expect(auto.report.columns.MntWines!.type).toBe('string');
  });

  it('keeps whole-number columns whole: the lower middle value, not an average', () => {
    const column = { type: 'int' as const, values: Int32Array.of(1, 0, 4, 9, 10), nulls: Uint8Array.of(0, 1, 0, 0, 0) };
    expect(imputeMiddle(column)).toBe(1);
    expect(column.values[1]).toBe(4);
  });

  it('infers a column whose values are all missing as string', () => {
    const data = readCsv(new TextEncoder().encode('a,b\n1,\n2,NA\n'), { source: 's', otherColumns: 'string' });
    expect(inferType(data.column('b') as never)).toBe('string');
  });
});
