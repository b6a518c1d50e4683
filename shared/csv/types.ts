/** The value types a CSV column can be read as. */
export const ColumnTypes = ['int', 'float', 'date', 'string'] as const;
export type ColumnType = (typeof ColumnTypes)[number];

/** Field texts that mean "no value", compared after trimming. */
export const MISSING_MARKERS = ['', 'NA', 'NaN', 'null'] as const;

interface ColumnBase {
  readonly name: string;
  /** 1 where the row has no value (a missing marker, a short row, or an unparsable field). */
  readonly nulls: Uint8Array;
  /** How many rows hold a missing marker (unparsable fields are counted as row errors instead). */
  readonly nullCount: number;
}

/** Whole numbers in the 32-bit range. */
export interface IntColumn extends ColumnBase {
  readonly type: 'int';
  readonly values: Int32Array;
}

export interface FloatColumn extends ColumnBase {
  readonly type: 'float';
  readonly values: Float64Array;
}

/** Calendar dates as days since 1970-01-01. */
export interface DateColumn extends ColumnBase {
  readonly type: 'date';
  readonly values: Int32Array;
}

/** Strings, dictionary-encoded: `dictionary[codes[row]]` (a null row's code is -1). */
export interface StringColumn extends ColumnBase {
  readonly type: 'string';
  readonly codes: Int32Array;
  readonly dictionary: string[];
}

export type Column = IntColumn | FloatColumn | DateColumn | StringColumn;

/** Why a row could not be read; the schema decides what becomes of it (the marketing schema quarantines it). */
export const RowErrorCodes = {
  columnCount: 'column-count',
  notANumber: 'not-a-number',
  notAnInteger: 'not-an-integer',
  invalidDate: 'invalid-date',
  badQuoting: 'bad-quoting',
} as const;
export type RowErrorCode = (typeof RowErrorCodes)[keyof typeof RowErrorCodes];

export interface RowError {
  readonly code: RowErrorCode;
  /** Human-readable detail naming the column and value. */
  readonly message: string;
}

/** A CSV file read into typed columns, with what is needed to report on any row. */
export interface CsvData {
  readonly source: string;
  readonly delimiter: string;
  readonly bom: boolean;
  readonly lineEnding: 'LF' | 'CRLF' | 'CR' | 'none';
  /** Column names as in the header (trimmed), in file order. */
  readonly header: readonly string[];
  /** Data rows read (blank lines are not rows). */
  readonly rowCount: number;
  /** One column per header name, in file order. */
  readonly columns: readonly Column[];
  /** The 1-based physical line each row starts on. */
  readonly lines: Int32Array;
  /** The first problem of each row that has one, by row index. */
  readonly errors: ReadonlyMap<number, RowError>;
  /** The row's text as it appears in the file, without its line ending. */
  rawText(row: number): string;
  /** The column of that name, or undefined. */
  column(name: string): Column | undefined;
}
