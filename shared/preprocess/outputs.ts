import * as aq from 'arquero';
import { writeCsv, type CsvData } from '../csv/index.js';
import type { InputError } from '../errors.js';
import { writeParquet } from '../parquet.js';
import { columnDistributions } from './distributions.js';
import type { CleanResult, PreprocessReport } from './report.js';
import type { Reject } from './rows.js';

/** The files of a run, in the order they are written; `report.json` is last, the commit mark. */
export const OUTPUT_FILES = ['cleaned.csv', 'cleaned.parquet', 'features.parquet', 'rejects.csv', 'report.json'] as const;
export type OutputFile = (typeof OUTPUT_FILES)[number];

/** The files of a run that rejected the whole input. */
export const REJECTED_FILES = ['rejects.csv', 'report.json'] as const satisfies readonly OutputFile[];

export const CONTENT_TYPES: Readonly<Record<OutputFile, string>> = {
  'cleaned.csv': 'text/csv; charset=utf-8',
  'cleaned.parquet': 'application/vnd.apache.parquet',
  'features.parquet': 'application/vnd.apache.parquet',
  'rejects.csv': 'text/csv; charset=utf-8',
  'report.json': 'application/json',
};

const DELIMITER_NAMES: Readonly<Record<string, 'tab' | 'comma' | 'semicolon'>> = { '\t': 'tab', ',': 'comma', ';': 'semicolon' };

/**
 * `rejects.csv`: one line per quarantined row (line, reason, raw text), comma-separated, LF.
 *
 * @example
 * rejectsCsv([{ line: 5, code: 'implausible-age', message: 'age 121...', raw: '11004\t1893...' }]);
 */
export function rejectsCsv(rejects: readonly Reject[]): Uint8Array {
  return writeCsv(
    aq.table({
      line: Int32Array.from(rejects, (r) => r.line),
      reason: rejects.map((r) => `${r.code}: ${r.message}`),
      raw: rejects.map((r) => r.raw),
    }),
    SpreadsheetSafe,
  );
}

/**
 * The CSV outputs are the files people open in a spreadsheet: text that would run there as a
 * formula (`=1+2`, `+cmd|...`, `@SUM(...)`, a leading tab) is written with a leading `'`, so it
 * shows as the text it is (docs/preprocess.md, "Formulas"). The Parquet outputs keep values exact.
 */
const SpreadsheetSafe = { formulas: 'quote' } as const;

/**
 * The full report of a successful run.
 *
 * @example
 * const report = cleanedReport(data, result, 'raw/marketing_campaign.csv', bytes.length);
 */
export function cleanedReport(data: CsvData, result: CleanResult, source: string, bytes: number): PreprocessReport {
  return {
    status: 'cleaned',
    source,
    schema: result.schema,
    input: {
      bytes,
      delimiter: DELIMITER_NAMES[data.delimiter] ?? null,
      bom: data.bom,
      lineEnding: data.lineEnding,
      columns: data.header.length,
    },
    ...result.report,
    distributions: columnDistributions(data, result.table, result.schema, result.report.columns, result.report.imputed),
    outputs: OUTPUT_FILES.filter((f) => f !== 'report.json'),
  };
}

/**
 * The report of a run whose input could not be read at all (empty, binary, not UTF-8, no header).
 *
 * @example
 * rejectedReport('raw/x.csv', 0, new InputError('raw/x.csv', 'the file is empty'));
 */
export function rejectedReport(source: string, bytes: number, error: InputError): PreprocessReport {
  return {
    status: 'rejected',
    source,
    schema: null,
    input: { bytes, delimiter: null, bom: false, lineEnding: null, columns: 0 },
    error: error.reason,
    rowsIn: 0,
    rowsOut: 0,
    duplicatesRemoved: 0,
    quarantined: 0,
    quarantinedByReason: {},
    imputed: {},
    droppedColumns: [],
    constantColumnsKept: [],
    columns: {},
    features: null,
    outputs: ['rejects.csv'],
  };
}

/**
 * The files of a successful run, rendered one at a time (so only one is in memory at once), in
 * {@link OUTPUT_FILES} order.
 *
 * @example
 * for await (const [name, bytes] of renderOutputs(result, report)) await store.put(prefix + name, bytes);
 */
export async function* renderOutputs(result: CleanResult, report: PreprocessReport): AsyncGenerator<[OutputFile, Uint8Array]> {
  yield ['cleaned.csv', writeCsv(result.table, SpreadsheetSafe)];
  yield ['cleaned.parquet', await writeParquet(result.table)];
  yield ['features.parquet', await writeParquet(result.features())];
  yield ['rejects.csv', rejectsCsv(result.rejects)];
  yield ['report.json', reportJson(report)];
}

/**
 * The files of a rejected input: `rejects.csv` naming the reason, then `report.json`.
 *
 * @example
 * rejectedOutputs(rejectedReport(source, 0, error), error);
 */
export function rejectedOutputs(report: PreprocessReport, error: InputError): [OutputFile, Uint8Array][] {
  const reject: Reject = { line: error.line ?? 0, code: 'unreadable', message: error.reason, raw: '' };
  return [
    ['rejects.csv', rejectsCsv([reject])],
    ['report.json', reportJson(report)],
  ];
}

/** Stable JSON: two-space indentation, a final newline. */
export function reportJson(report: PreprocessReport): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`);
}
