import { describe, expect, it } from 'vitest';
import { InputError } from '../../../shared/errors.js';
import { isoDate, peekHeader, readCsv, type Column, type CsvData } from '../../../shared/csv/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const read = (text: string, types: Record<string, 'int' | 'float' | 'date' | 'string'> = {}) => readCsv(bytes(text), { source: 'test.csv', types });

/** A column's values as plain JS values (null for missing), for comparisons. */
function values(data: CsvData, name: string): unknown[] {
  const column = data.column(name) as Column;
  return Array.from({ length: data.rowCount }, (_, r) => {
    if (column.nulls[r] === 1) return null;
    if (column.type === 'string') return column.dictionary[column.codes[r]!];
    if (column.type === 'date') return isoDate(column.values[r]!);
    return column.values[r];
  });
}

function inputError(text: string | Uint8Array): InputError {
  try {
    readCsv(typeof text === 'string' ? bytes(text) : text, { source: 'bad.csv' });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('readCsv layout', () => {
  it.each([
    ['tab', 'a\tb\n1\t2\n', '\t'],
    ['comma', 'a,b\n1,2\n', ','],
    ['semicolon', 'a;b\n1;2\n', ';'],
  ])('detects the %s delimiter', (_name, text, delimiter) => {
    const data = read(text, { a: 'int', b: 'int' });
    expect(data.delimiter).toBe(delimiter);
    expect(values(data, 'b')).toEqual([2]);
  });

  it('prefers the delimiter of the header over commas inside values', () => {
    const data = read('name;note\nx;"a,b,c"\n');
    expect(data.delimiter).toBe(';');
    expect(values(data, 'note')).toEqual(['a,b,c']);
  });

  it('skips a UTF-8 byte-order mark', () => {
    const data = read('\uFEFFID,x\n1,2\n', { ID: 'int' });
    expect(data.bom).toBe(true);
    expect(data.header).toEqual(['ID', 'x']);
  });

  it.each([
    ['LF', 'a,b\n1,2\n3,4\n'],
    ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n'],
    ['CR', 'a,b\r1,2\r3,4\r'],
    ['no final line ending', 'a,b\n1,2\n3,4'],
  ])('reads %s line endings', (ending, text) => {
    const data = read(text, { a: 'int', b: 'int' });
    expect(data.lineEnding).toBe(ending === 'no final line ending' ? 'LF' : ending);
    expect(values(data, 'b')).toEqual([2, 4]);
    expect(Array.from(data.lines)).toEqual([2, 3]);
  });

  it('skips blank and all-space lines without counting them as rows, keeping physical line numbers', () => {
    const data = read('\n  \na,b\n\n1,2\n   \n\n3,4\n\n', { a: 'int' });
    expect(data.rowCount).toBe(2);
    expect(Array.from(data.lines)).toEqual([5, 8]);
  });

  it('trims header names and padded values, quoted or not', () => {
    const data = read('  ID , name \n  7 ,  "  Ann  " \n', { ID: 'int' });
    expect(data.header).toEqual(['ID', 'name']);
    expect(values(data, 'ID')).toEqual([7]);
    expect(values(data, 'name')).toEqual(['Ann']);
  });

  it('reads quoted fields with escaped quotes, delimiters and line breaks, counting lines inside them', () => {
    const data = read('id,text\n1,"say ""hi"", then\nleave"\n2,plain\n', { id: 'int' });
    expect(values(data, 'text')).toEqual(['say "hi", then\nleave', 'plain']);
    expect(Array.from(data.lines)).toEqual([2, 4]);
    expect(data.rawText(0)).toBe('1,"say ""hi"", then\nleave"');
  });

  it('reads columns by name in any order', () => {
    const data = read('b,a\n2,1\n', { a: 'int', b: 'float' });
    expect(data.column('a')!.type).toBe('int');
    expect(values(data, 'a')).toEqual([1]);
  });

  it('names an empty header cell by its position', () => {
    expect(read('a,,c\n1,2,3\n').header).toEqual(['a', 'column2', 'c']);
  });

  it('peeks the header alone', () => {
    expect(peekHeader(bytes('x;y\n1;2\n'), { source: 's' })).toEqual({ header: ['x', 'y'], delimiter: ';' });
  });
});

describe('readCsv values', () => {
  it.each(['', 'NA', 'NaN', 'null', '  NA  ', '""'])('reads %j as missing', (marker) => {
    const data = read(`n,s\n${marker},${marker}\n`, { n: 'float' });
    expect(values(data, 'n')).toEqual([null]);
    expect(values(data, 's')).toEqual([null]);
    expect(data.column('n')!.nullCount).toBe(1);
    expect(data.errors.size).toBe(0);
  });

  it('parses integers and decimals exactly as Number does', () => {
    const texts = ['0', '-12', '+7', '58138', '2147483647', '-2147483648', '1.5', '-0.25', '0.1', '123456.789', '1e3', '1.5E-2', '.5', '5.', '12345678901234567890'];
    const data = read(`f\n${texts.join('\n')}\n`, { f: 'float' });
    expect(values(data, 'f')).toEqual(texts.map(Number));
  });

  it('reads whole numbers written as decimals into an int column', () => {
    expect(values(read('i\n3.0\n1e2\n', { i: 'int' }), 'i')).toEqual([3, 100]);
  });

  it.each(['dd-mm-yyyy', 'yyyy-mm-dd', 'dd/mm/yyyy'])('parses dates written %s', (form) => {
    const text = { 'dd-mm-yyyy': '04-09-2012', 'yyyy-mm-dd': '2012-09-04', 'dd/mm/yyyy': '04/09/2012' }[form];
    expect(values(read(`d\n${text}\n`, { d: 'date' }), 'd')).toEqual(['2012-09-04']);
  });

  it('interns strings: one dictionary entry per distinct value', () => {
    const data = read('s\nx\ny\nx\nx\n');
    const column = data.column('s')!;
    expect(column.type === 'string' && column.dictionary).toEqual(['x', 'y']);
  });
});

describe('readCsv row errors', () => {
  it('records a wrong field count, which overrides a field error', () => {
    const data = read('a,b,c\n1,2\n1,2,3,4\nx,2\n', { a: 'int' });
    expect(data.errors.get(0)).toEqual({ code: 'column-count', message: 'expected 3 fields, found 2' });
    expect(data.errors.get(1)).toEqual({ code: 'column-count', message: 'expected 3 fields, found 4' });
    expect(data.errors.get(2)!.code).toBe('column-count');
  });

  it('records a non-number, a non-integer, an out-of-range integer and an impossible date', () => {
    const data = read('i,f,d\nabc,1,01-01-2012\n1.5,1,01-01-2012\n3000000000,1,01-01-2012\n1,0x10,01-01-2012\n1,1,31-02-2013\n1,1,2013/02/01\n', { i: 'int', f: 'float', d: 'date' });
    expect([...data.errors.values()].map((e) => e.code)).toEqual(['not-a-number', 'not-an-integer', 'not-an-integer', 'not-a-number', 'invalid-date', 'invalid-date']);
    expect(data.errors.get(0)!.message).toBe("i: 'abc' is not a number");
  });

  it('records broken quoting and keeps reading the next rows', () => {
    const data = read('a,b\n"x"y,1\n2,3\n');
    expect(data.errors.get(0)!.code).toBe('bad-quoting');
    expect(values(data, 'b')).toEqual(['1', '3']);
  });

  it('treats an unterminated quote as a broken row that runs to the end', () => {
    const data = read('a,b\n1,"open\n2,3\n');
    expect(data.rowCount).toBe(1);
    expect(data.errors.get(0)!.code).toBe('bad-quoting');
  });
});

describe('readCsv input errors', () => {
  it.each([
    ['an empty file', '', 'the file is empty'],
    ['only blank lines', '\n\r\n  \n', 'the file holds no data (only blank lines)'],
    ['a file without a header', '5524,1957,Graduation\n1,2,3\n', 'no header'],
    ['a header naming a column twice', 'a,b,a\n1,2,3\n', "the header names column 'a' twice"],
  ])('rejects %s', (_name, text, reason) => {
    expect(inputError(text).reason).toContain(reason);
  });

  it('rejects binary data, naming the offset of the NUL byte', () => {
    const error = inputError(Uint8Array.of(0x61, 0x2c, 0x62, 0x0a, 0x00, 0x01));
    expect(error.message).toBe('bad.csv:2: binary data, not text (NUL byte at offset 4)');
  });

  it('rejects control bytes as binary', () => {
    expect(inputError(Uint8Array.of(0x61, 0x0a, 0x02, 0x03)).reason).toContain('control byte 0x02');
  });

  it('rejects UTF-16 text', () => {
    expect(inputError(Uint8Array.of(0xff, 0xfe, 0x61, 0x00)).reason).toBe('the file is UTF-16 text: save it as UTF-8');
  });

  it('rejects another encoding, naming the line and offset of the first invalid byte', () => {
    const latin1 = Uint8Array.from([...'name\ncaf'].map((c) => c.charCodeAt(0)).concat([0xe9, 0x0a]));
    const error = inputError(latin1);
    expect(error.line).toBe(2);
    expect(error.reason).toContain('not UTF-8 text (byte 0xe9 at offset 8');
  });
});
