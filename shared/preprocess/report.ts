import type { Table } from 'arquero';
import type { ColumnType } from '../csv/index.js';
import type { Distribution } from './distributions.js';
import type { FeatureScaling } from './features.js';
import type { Reject } from './rows.js';

/** The schemas `preprocess` knows: the built-in marketing schema, or types inferred from the file. */
export const SchemaNames = ['marketing', 'auto'] as const;
export type SchemaName = (typeof SchemaNames)[number];

/** Per column of the input (and each derived column): its type and what cleaning did to it. */
export interface ColumnReport {
  readonly type: ColumnType;
  /** Missing markers in the input, over all rows read. */
  readonly nullsBefore: number;
  /** Missing values in the cleaned table. */
  readonly nullsAfter: number;
  /** Over the cleaned rows: numbers for numeric columns, ISO dates for dates, null for strings. */
  readonly min: number | string | null;
  readonly max: number | string | null;
  readonly mean: number | null;
  /** Distinct values (string columns). */
  readonly distinct?: number;
  /** Dropped from the outputs (detected constant); its figures are over the rows kept. */
  readonly dropped?: true;
  /** Computed by the cleaning rather than read. */
  readonly derived?: true;
}

/** How `features.parquet` was made, enough to encode one more row the same way. */
export interface FeaturesReport {
  /** Column identifying the row (not standardised), or null. */
  readonly key: string | null;
  /** Label column (copied as is), or null. */
  readonly label: string | null;
  /** Standardised columns and their scaling. */
  readonly numeric: readonly string[];
  readonly scaling: Readonly<Record<string, FeatureScaling>>;
  /** One-hot encoded columns and their levels, in column order (`<column>=<level>`). */
  readonly oneHot: Readonly<Record<string, readonly string[]>>;
  /** Every column of `features.parquet`, in order. */
  readonly columns: readonly string[];
}

/** `report.json`: the account of one preprocessing run. Deterministic: no clock, no host. */
export interface PreprocessReport {
  readonly status: 'cleaned' | 'rejected';
  readonly source: string;
  readonly schema: SchemaName | null;
  readonly input: {
    readonly bytes: number;
    readonly delimiter: 'tab' | 'comma' | 'semicolon' | null;
    readonly bom: boolean;
    readonly lineEnding: string | null;
    readonly columns: number;
  };
  /** Why the whole file was rejected (status `rejected`). */
  readonly error?: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly duplicatesRemoved: number;
  readonly quarantined: number;
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  readonly imputed: Readonly<Record<string, number>>;
  readonly droppedColumns: readonly string[];
  /** Constant columns kept because the cleaned-table contract requires them. */
  readonly constantColumnsKept: readonly string[];
  /** The latest Dt_Customer of the cleaned rows: Age and TenureDays count from it (marketing). */
  readonly referenceDate?: string | null;
  readonly columns: Readonly<Record<string, ColumnReport>>;
  /** A few key columns' distributions in the input and in the cleaned table (absent in rejected runs and older reports). */
  readonly distributions?: Readonly<Record<string, Distribution>>;
  readonly features: FeaturesReport | null;
  /** Files written beside this report. */
  readonly outputs: readonly string[];
}

/** What a schema's cleaning returns: the tables and the figures for the report. */
export interface CleanResult {
  readonly schema: SchemaName;
  readonly table: Table;
  /** Built on demand: the features table need not be in memory with the cleaned outputs. */
  readonly features: () => Table;
  readonly rejects: readonly Reject[];
  readonly report: Omit<PreprocessReport, 'status' | 'source' | 'input' | 'outputs' | 'schema'>;
}
