import { InputError } from '../errors.js';
import { peekHeader, readCsv, type CsvData } from '../csv/index.js';
import { cleanAuto } from './auto.js';
import { cleanMarketing, isMarketingHeader, MARKETING_TYPES, missingMarketingColumns } from './marketing.js';
import type { CleanResult, SchemaName } from './report.js';

export interface CleanOptions {
  /** Names the input in errors and in the report. */
  readonly source: string;
  /** `marketing`, `auto`, or undefined: marketing when the header has its columns, else auto. */
  readonly schema?: SchemaName | undefined;
  /** Called now and then with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
}

/**
 * The schema a file is cleaned with: the requested one, or marketing when the header has every
 * marketing column, else auto. Asking for marketing on another header is an {@link InputError}
 * naming the missing columns.
 *
 * @example
 * chooseSchema(['a', 'b'], undefined, 'x.csv'); // 'auto'
 */
export function chooseSchema(header: readonly string[], requested: SchemaName | undefined, source: string): SchemaName {
  if (requested === 'auto') return 'auto';
  if (requested === 'marketing') {
    const missing = missingMarketingColumns(header);
    if (missing.length > 0) throw new InputError(source, `not the marketing schema: the header lacks ${missing.join(', ')}`, { line: 1 });
    return 'marketing';
  }
  return isMarketingHeader(header) ? 'marketing' : 'auto';
}

/**
 * Reads CSV bytes with the types of the chosen schema and cleans them: the pure core of
 * `preprocess` (no I/O, no clock). Throws {@link InputError} for a file that is not CSV text.
 *
 * @example
 * const { data, result } = cleanCsv(bytes, { source: 'raw/marketing_campaign.csv' });
 * result.report.rowsOut; // 2053 on the real file
 */
export function cleanCsv(bytes: Uint8Array, options: CleanOptions): { data: CsvData; result: CleanResult } {
  const { header } = peekHeader(bytes, options);
  const schema = chooseSchema(header, options.schema, options.source);
  const data = readCsv(bytes, {
    source: options.source,
    types: schema === 'marketing' ? MARKETING_TYPES : {},
    otherColumns: 'string',
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { data, result: cleanTable(data, schema) };
}

/**
 * Cleans a table read by `readCsv` with the schema's rules (docs/preprocess.md, "Cleaning rules").
 *
 * @example
 * cleanTable(readCsv(bytes, { source, types: MARKETING_TYPES }), 'marketing');
 */
export function cleanTable(data: CsvData, schema: SchemaName): CleanResult {
  return schema === 'marketing' ? cleanMarketing(data) : cleanAuto(data);
}
