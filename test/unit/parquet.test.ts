import * as aq from 'arquero';
import { tableFromArrays, tableToIPC } from '@uwdata/flechette';
import * as pw from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { readParquet, textCodesOf, writeParquet } from '../../shared/parquet.js';
import { decodeParquet, ROW_GROUP_ROWS } from '../../shared/parquet-format.js';

/** Reads Parquet bytes with parquet-wasm (Arrow's Rust reader): an independent check of what we write. */
const throughArrow = (bytes: Uint8Array) => aq.fromArrow(pw.readParquet(bytes).intoIPCStream()) as aq.ColumnTable;
const typeIds = (table: aq.ColumnTable) => Object.fromEntries(table.columnNames().map((name) => [name, (table.column(name) as unknown as { type: { typeId: number; bitWidth?: number } }).type]));

describe('writeParquet / readParquet', () => {
  const table = aq.table({ id: Int32Array.of(1, 2, 3), income: Float64Array.of(1.5, 2, 3), name: ['a', null, 'é'], day: ['2012-09-04', '2013-01-01', '2014-06-29'], plain: [1, 2.5, null], flag: [true, null, false] });

  it('round-trips values, nulls included, through its own reader and through parquet-wasm', async () => {
    const bytes = await writeParquet(table);
    expect((await readParquet(bytes)).objects()).toEqual(table.objects());
    expect(throughArrow(bytes).objects()).toEqual(table.objects());
  });

  it('writes INT32, DOUBLE, BOOLEAN and UTF8 columns (as Arrow sees them), and reads numbers back as typed arrays', async () => {
    const bytes = await writeParquet(table);
    // Arrow type ids: 2 Int, 3 Float, 5 Utf8, 6 Bool
    const types = typeIds(throughArrow(bytes));
    expect(types.id).toMatchObject({ typeId: 2, bitWidth: 32 });
    expect(types.income).toMatchObject({ typeId: 3 });
    expect(types.name).toMatchObject({ typeId: 5 });
    expect(types.day).toMatchObject({ typeId: 5 });
    expect(types.plain).toMatchObject({ typeId: 3 });
    expect(types.flag).toMatchObject({ typeId: 6 });
    const back = await readParquet(bytes);
    expect(back.column('id')).toBeInstanceOf(Int32Array);
    expect(back.column('income')).toBeInstanceOf(Float64Array);
  });

  it('writes the same bytes for the same table', async () => {
    expect(Buffer.from(await writeParquet(table)).equals(Buffer.from(await writeParquet(table)))).toBe(true);
  });

  it('writes more rows than one row group, dictionary-encoded and plain columns alike, and a table without rows', async () => {
    const n = 2 * ROW_GROUP_ROWS + 123;
    const big = aq.table({
      i: Int32Array.from({ length: n }, (_, k) => k),
      few: Int32Array.from({ length: n }, (_, k) => (k % 5) - 2),
      flags: Int32Array.from({ length: n }, (_, k) => (k % 3 === 0 ? 1 : 0)),
      wide: Int32Array.from({ length: n }, (_, k) => (k * 7919) % 3000),
      z: Float64Array.from({ length: n }, (_, k) => ((k % 9) - 4) / 3),
      x: Float64Array.from({ length: n }, (_, k) => Math.sin(k)),
      s: Array.from({ length: n }, (_, k) => `v${k % 7}`),
      u: Array.from({ length: n }, (_, k) => (k % 11 === 0 ? null : `u${k}`)),
    });
    const bytes = await writeParquet(big);
    for (const back of [await readParquet(bytes), throughArrow(bytes)]) {
      expect(back.numRows()).toBe(n);
      for (const k of [0, 1, ROW_GROUP_ROWS - 1, ROW_GROUP_ROWS, n - 1]) expect(back.object(k)).toEqual(big.object(k));
    }
    // few distinct values take a few bits a row: far below the 4 or 8 bytes of plain values
    expect(bytes.length).toBeLessThan(n * (4 + 8 + 4 + 8) + n * 12);
    const empty = await readParquet(await writeParquet(aq.table({ i: new Int32Array(0) })));
    expect(empty.numRows()).toBe(0);
    expect(empty.columnNames()).toEqual(['i']);
  });

  it('reads files of another shape (Snappy-compressed, from Arrow) through parquet-wasm', async () => {
    const ipc = tableToIPC(tableFromArrays({ a: Int32Array.of(7, 8, 9), s: ['x', 'y', 'z'] }), { format: 'stream' })!;
    const snappy = pw.writeParquet(pw.Table.fromIPCStream(ipc), new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build());
    expect(decodeParquet(snappy)).toBeUndefined();
    expect((await readParquet(snappy)).objects()).toEqual([{ a: 7, s: 'x' }, { a: 8, s: 'y' }, { a: 9, s: 'z' }]);
  });

  it('refuses bytes that are not Parquet', async () => {
    await expect(readParquet(new TextEncoder().encode('ID,Income\n1,2\n'))).rejects.toThrow(/not a Parquet file/);
  });
});

describe('textCodesOf', () => {
  it('gives the dictionary codes of a text column read back, across row groups', async () => {
    const n = ROW_GROUP_ROWS + 10;
    const words = Array.from({ length: n }, (_, k) => (k < ROW_GROUP_ROWS ? ['b', 'a'][k % 2]! : ['c', 'b'][k % 2]!));
    const back = await readParquet(await writeParquet(aq.table({ w: words, gaps: words.map((w, k) => (k === 3 ? null : w)) })));
    const read = textCodesOf(back.column('w') as object)!;
    expect(Array.from(read.codes, (code) => read.labels[code])).toEqual(words);
    // a column with nulls has no codes: its values are the whole story
    expect(textCodesOf(back.column('gaps') as object)).toBeUndefined();
  });
});
