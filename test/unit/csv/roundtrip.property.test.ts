import * as aq from 'arquero';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../shared/errors.js';
import { isoDate, MISSING_MARKERS, readCsv, writeCsv, type ColumnType, type CsvData } from '../../../shared/csv/index.js';
import { cleanCsv } from '../../../shared/preprocess/clean.js';

type Cell = number | string | null;
interface Generated {
  readonly types: ColumnType[];
  readonly rows: Cell[][];
}

// the reader trims spaces and tabs around values and reads the markers as missing, so generated strings avoid both
const text = fc
  .string({ unit: fc.oneof(fc.constantFrom(',', ';', '\t', '"', '\n', '\r', ' ', 'é', '€', '𝄞'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 12 })
  .filter((s) => s !== '' && !/^[ \t]|[ \t]$/.test(s) && !(MISSING_MARKERS as readonly string[]).includes(s));
const day = fc.integer({ min: -354285, max: 2932896 }); // 1000-01-01 .. 9999-12-31
const values: Record<ColumnType, fc.Arbitrary<number | string>> = {
  int: fc.integer({ min: -2147483648, max: 2147483647 }),
  // -0 is written as 0
  float: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)),
  date: day,
  string: text,
};
const cell = (type: ColumnType): fc.Arbitrary<Cell> => fc.option(values[type], { freq: 5 });
const table: fc.Arbitrary<Generated> = fc
  .array(fc.constantFrom<ColumnType>('int', 'float', 'date', 'string'), { minLength: 1, maxLength: 5 })
  .chain((types) => fc.record({ types: fc.constant(types), rows: fc.array(fc.tuple(...types.map(cell)), { maxLength: 25 }) }));
const format = fc.record({
  delimiter: fc.constantFrom('\t', ',', ';'),
  quote: fc.constantFrom('needed' as const, 'all' as const),
  lineEnding: fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const),
  bom: fc.boolean(),
});

function toTable({ types, rows }: Generated) {
  return aq.table(
    new Map(
      types.map((type, c) => {
        const column = rows.map((row) => row[c] ?? null);
        return [`c${c}`, type === 'date' ? column.map((v) => (v === null ? null : isoDate(v as number))) : column];
      }),
    ),
  );
}

function cellsOf(data: CsvData): Cell[][] {
  return Array.from({ length: data.rowCount }, (_, r) =>
    data.columns.map((column) => (column.nulls[r] === 1 ? null : column.type === 'string' ? column.dictionary[column.codes[r]!]! : column.values[r]!)),
  );
}

describe('CSV round trip (property)', () => {
  it('reads back every generated table written with any delimiter, quoting, line ending and BOM', () => {
    fc.assert(
      fc.property(table, format, (generated, options) => {
        const bytes = writeCsv(toTable(generated), options);
        const data = readCsv(bytes, { source: 'generated.csv', delimiter: options.delimiter, types: Object.fromEntries(generated.types.map((t, c) => [`c${c}`, t])) });
        expect(data.errors.size).toBe(0);
        expect(cellsOf(data)).toEqual(generated.rows);
      }),
      { numRuns: 300 },
    );
  });

  it('detects the delimiter of any written table with at least two columns', () => {
    fc.assert(
      fc.property(
        table.filter((t) => t.types.length >= 2),
        format,
        (generated, options) => {
          const data = readCsv(writeCsv(toTable(generated), options), { source: 'generated.csv' });
          expect(data.delimiter).toBe(options.delimiter);
          expect(data.rowCount).toBe(generated.rows.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('arbitrary input (property)', () => {
  const readOrReject = (bytes: Uint8Array) => {
    try {
      const data = readCsv(bytes, { source: 'random.bin', otherColumns: 'string' });
      expect(data.lines.length).toBe(data.rowCount);
      for (const [row] of data.errors) expect(row).toBeLessThan(data.rowCount);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).reason.length).toBeGreaterThan(0);
    }
  };

  it('reads random bytes or rejects them with a reason, never crashes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), readOrReject), { numRuns: 500 });
  });

  it('reads random CSV-like text or rejects it, and cleans whatever it reads', () => {
    const unit = fc.constantFrom('a', 'b', '1', '2', '.', '-', ',', ';', '\t', '"', '\n', '\r', ' ', 'NA', '04-09-2012', 'é');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), fc.constantFrom('auto' as const, undefined), (source, schema) => {
        const bytes = new TextEncoder().encode(source);
        readOrReject(bytes);
        try {
          const { result } = cleanCsv(bytes, { source: 'random.csv', schema });
          const { rowsIn, rowsOut, duplicatesRemoved, quarantined } = result.report;
          expect(rowsOut + duplicatesRemoved + quarantined).toBe(rowsIn);
          writeCsv(result.table);
          result.features();
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 400 },
    );
  });
});
