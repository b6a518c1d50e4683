import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { writeCsv } from '../../../shared/csv/index.js';

const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

describe('writeCsv', () => {
  const table = aq.table({ id: Int32Array.of(1, -20), income: Float64Array.of(58138, 34421.5), name: ['plain', 'has, comma'], note: ['say "hi"', null] });

  it('quotes only the values that need it, and writes missing values as empty fields', () => {
    expect(text(writeCsv(table))).toBe('id,income,name,note\n1,58138,plain,"say ""hi"""\n-20,34421.5,"has, comma",\n');
  });

  it('quotes every value when asked, with another delimiter, line ending and a BOM', () => {
    const out = writeCsv(aq.table({ a: Int32Array.of(1), b: ['x'] }), { delimiter: ';', quote: 'all', lineEnding: '\r\n', bom: true });
    expect(text(out)).toBe('\uFEFF"a";"b"\r\n"1";"x"\r\n');
  });

  it('quotes values with line breaks, the delimiter or edge spaces', () => {
    const out = writeCsv(aq.table({ s: ['a\nb', 'tab\there', ' pad', 'ok'] }), { delimiter: '\t' });
    expect(text(out)).toBe('s\n"a\nb"\n"tab\there"\n" pad"\nok\n');
  });

  it('writes numbers in their shortest round-trip form, integers beyond 32 bits included', () => {
    const out = writeCsv(aq.table({ x: Float64Array.of(0.1, -0, 1e21, 2 ** 40), y: Int32Array.of(1, 2, 3, 4) }));
    expect(text(out)).toBe('x,y\n0.1,1\n0,2\n1e+21,3\n1099511627776,4\n');
  });

  it('writes a missing value of a one-column table as "" so that the row is not a blank line', () => {
    expect(text(writeCsv(aq.table({ x: [1, null, NaN] })))).toBe('x\n1\n""\n""\n');
  });
});
