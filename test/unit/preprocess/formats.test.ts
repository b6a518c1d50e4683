import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCsv } from '../../../shared/csv/index.js';
import { cleanCsv } from '../../../shared/preprocess/clean.js';
import { reformat, shuffledOrder, type Format } from './reformat.js';
import { REAL_FILE, realFileMissing } from '../../helpers/real-data.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const fixtures = join(repoRoot, 'test', 'fixtures', 'preprocess');

/** What must not change with the format: the cleaned rows, and which lines were rejected why. */
function outcome(bytes: Uint8Array, source: string) {
  const { result } = cleanCsv(bytes, { source });
  return {
    cleaned: new TextDecoder().decode(writeCsv(result.table)),
    // the message quotes the value as written (31/02/2013 or 31-02-2013), so compare line and reason code
    rejects: result.rejects.map((r) => `${r.line} ${r.code}`),
    counts: [result.report.rowsIn, result.report.rowsOut, result.report.duplicatesRemoved, result.report.quarantined],
    imputed: result.report.imputed,
    dropped: result.report.droppedColumns,
  };
}

const encode = (text: string) => new TextEncoder().encode(text);

function formats(columns: number): Record<string, Format> {
  return {
    'comma, LF': { delimiter: ',' },
    'semicolon, CRLF': { delimiter: ';', eol: '\r\n' },
    'every field quoted': { delimiter: ',', quoteAll: true },
    'UTF-8 BOM': { delimiter: '\t', bom: true, eol: '\r\n' },
    'shuffled columns': { delimiter: '\t', order: shuffledOrder(columns) },
    'padded values': { delimiter: ',', pad: true },
    'three date formats mixed row by row': { delimiter: '\t', mixDates: true },
    'all of it at once': { delimiter: ';', quoteAll: true, bom: true, eol: '\r\n', order: shuffledOrder(columns), pad: true, mixDates: true },
  };
}

describe('the same data in another format gives the same cleaned rows', () => {
  const small = readFileSync(join(fixtures, 'marketing-small.tsv'), 'utf8');
  const expected = outcome(encode(small), 'marketing-small.tsv');

  it('reads the committed messy fixture (comma, quoted, BOM, CRLF, shuffled, padded, mixed dates) like the plain one', () => {
    expect(outcome(readFileSync(join(fixtures, 'marketing-small-messy.csv')), 'marketing-small-messy.csv')).toEqual(expected);
  });

  for (const [name, format] of Object.entries(formats(29))) {
    it(`gives the fixture's cleaned rows with ${name}`, () => {
      expect(outcome(encode(reformat(small, format)), name)).toEqual(expected);
    });
  }
});

describe.skipIf(realFileMissing('test/unit/preprocess/formats.test.ts: the real marketing file in other formats'))('the real marketing file in other formats', () => {
  const real = existsSync(REAL_FILE) ? readFileSync(REAL_FILE, 'utf8') : '';
  const expected = existsSync(REAL_FILE) ? outcome(encode(real), REAL_FILE) : undefined;

  it('reads as the issue says: 2240 in, 183 duplicates, 4 quarantined, 2053 out, 24 Income imputed', () => {
    expect(expected!.counts).toEqual([2240, 2053, 183, 4]);
    expect(expected!.imputed).toEqual({ Income: 24 });
    expect(expected!.dropped).toEqual(['Z_CostContact', 'Z_Revenue']);
  });

  for (const [name, format] of Object.entries(formats(29))) {
    it(`gives the same cleaned rows with ${name}`, () => {
      expect(outcome(encode(reformat(real, format)), name)).toEqual(expected);
    });
  }
});
