import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { readParquet, writeParquet } from '../../shared/parquet.js';

const typeIds = (table: aq.ColumnTable) => Object.fromEntries(table.columnNames().map((name) => [name, (table.column(name) as unknown as { type: { typeId: number; bitWidth?: number } }).type]));

describe('writeParquet / readParquet', () => {
  const table = aq.table({ id: Int32Array.of(1, 2, 3), income: Float64Array.of(1.5, 2, 3), name: ['a', null, 'é'], day: ['2012-09-04', '2013-01-01', '2014-06-29'], plain: [1, 2.5, null] });

  it('round-trips values, with INT32, DOUBLE and UTF8 columns (not dictionary-typed)', async () => {
    const back = (await readParquet(await writeParquet(table))) as aq.ColumnTable;
    expect(back.objects()).toEqual(table.objects());
    const types = typeIds(back);
    // Arrow type ids: 2 Int, 3 Float, 5 Utf8
    expect(types.id).toMatchObject({ typeId: 2, bitWidth: 32 });
    expect(types.income).toMatchObject({ typeId: 3 });
    expect(types.name).toMatchObject({ typeId: 5 });
    expect(types.day).toMatchObject({ typeId: 5 });
    expect(types.plain).toMatchObject({ typeId: 3 });
  });

  it('writes the same bytes for the same table', async () => {
    expect(Buffer.from(await writeParquet(table)).equals(Buffer.from(await writeParquet(table)))).toBe(true);
  });

  it('writes more rows than one row group, and a table without rows', async () => {
    const n = 300_000;
    const big = aq.table({ i: Int32Array.from({ length: n }, (_, k) => k), s: Array.from({ length: n }, (_, k) => `v${k % 7}`) });
    const back = await readParquet(await writeParquet(big));
    expect(back.numRows()).toBe(n);
    expect(back.get('i', n - 1)).toBe(n - 1);
    expect(back.get('s', n - 1)).toBe(`v${(n - 1) % 7}`);
    const empty = await readParquet(await writeParquet(aq.table({ i: new Int32Array(0) })));
    expect(empty.numRows()).toBe(0);
    expect(empty.columnNames()).toEqual(['i']);
  });
});
