/**
 * Fast typed CSV I/O: bytes in, typed columns out (`readCsv`), and a table back to bytes
 * (`writeCsv`). The only public surface of `shared/csv`.
 */
export { CsvLimits, readCsv, peekHeader, parseInt32, parseFloat64, type ReadOptions } from './reader.js';
export { startsFormula, writeCsv, type WriteOptions } from './writer.js';
export { checkText, detectDelimiter, DELIMITERS, type Delimiter, type TextLayout } from './sniff.js';
export { daysFromCivil, civilFromDays, isoDate, yearOfDays, parseDateBytes, NOT_A_DATE } from './dates.js';
export * from './types.js';
