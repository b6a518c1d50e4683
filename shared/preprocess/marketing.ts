import * as aq from 'arquero';
import { isoDate, yearOfDays, type Column, type ColumnType, type CsvData, type StringColumn } from '../csv/index.js';
import { derived, describeColumn, gather, isConstant, tableArray, type Values } from './columns.js';
import { buildFeatures } from './encode.js';
import {
  CAMPAIGN_COLUMNS,
  CATEGORICAL_FEATURES,
  CLEANED_COLUMNS,
  DERIVED_COLUMNS,
  KEY,
  LABEL,
  MARITAL_STATUS_ALIASES,
  NUMERIC_FEATURES,
  PURCHASE_COLUMNS,
  SPEND_COLUMNS,
} from './features.js';
import type { CleanResult, ColumnReport } from './report.js';
import { markDuplicates, quarantineReusedKeys, RowLedger } from './rows.js';
import { median } from './stats.js';

/** The raw marketing file's columns that the cleaned table carries (everything but the derived ones). */
export const MARKETING_SOURCE_COLUMNS = CLEANED_COLUMNS.filter((c) => !(DERIVED_COLUMNS as readonly string[]).includes(c));

/** How each known column of the raw marketing file is read. Columns not listed are read as strings. */
export const MARKETING_TYPES: Readonly<Record<string, ColumnType>> = Object.fromEntries([
  ...MARKETING_SOURCE_COLUMNS.map((c) => [c, 'int' as ColumnType]),
  ['Education', 'string'],
  ['Marital_Status', 'string'],
  ['Income', 'float'],
  ['Dt_Customer', 'date'],
  ['Z_CostContact', 'int'],
  ['Z_Revenue', 'int'],
]);

/** Columns that may be missing in a row (rule 5 fills them); any other missing value quarantines the row. */
export const MARKETING_NULLABLE: readonly string[] = ['Income'];

/** Rule 4's bounds. */
export const MARKETING_LIMITS = { minAgeAtEnrolment: 16, maxAgeAtEnrolment: 100, maxIncome: 600_000 } as const;

/** Reason codes of the marketing rules (the reader's own codes come from `RowErrorCodes`). */
export const MarketingReasons = {
  missingValue: 'missing-value',
  duplicateId: 'duplicate-id',
  implausibleAge: 'implausible-age',
  implausibleIncome: 'implausible-income',
} as const;

/**
 * Whether a header is the marketing file's: it has every column the cleaned table needs.
 *
 * @example
 * isMarketingHeader(['ID', 'Year_Birth']); // false
 */
export function isMarketingHeader(header: readonly string[]): boolean {
  return missingMarketingColumns(header).length === 0;
}

/** The marketing columns a header lacks. */
export function missingMarketingColumns(header: readonly string[]): string[] {
  const have = new Set(header);
  return MARKETING_SOURCE_COLUMNS.filter((c) => !have.has(c));
}

/**
 * Cleans the marketing dataset read with {@link MARKETING_TYPES}, applying the rules in order:
 * 1 types (unreadable rows and missing required values are quarantined), 2 categories
 * (Marital_Status aliases), 3 duplicates (equal on every column but ID; the first stays), then
 * rows reusing an earlier ID with other values are quarantined, 4 implausible age at enrolment or
 * Income quarantined, 5 missing Income imputed with the median of its Education group over the
 * rows kept, 6 constant columns dropped (contract columns are kept and listed instead),
 * 7 derived columns, 8 the features table.
 *
 * @example
 * const data = readCsv(bytes, { source, types: MARKETING_TYPES });
 * const { table, features, rejects, report } = cleanMarketing(data);
 */
export function cleanMarketing(data: CsvData): CleanResult {
  const ledger = new RowLedger(data);
  const byName = new Map<string, Column>(data.columns.map((c) => [c.name, c]));
  const col = <T extends Column['type']>(name: string, _type: T) => byName.get(name) as Extract<Column, { type: T }>;

  // 1. types
  ledger.quarantineUnreadable();
  for (const column of data.columns) {
    if (MARKETING_TYPES[column.name] === undefined || MARKETING_NULLABLE.includes(column.name) || column.nullCount === 0) continue;
    for (let r = 0; r < data.rowCount; r++) {
      if (column.nulls[r] === 1) ledger.quarantine(r, MarketingReasons.missingValue, `${column.name} is missing`);
    }
  }

  // 2. categories: remapping the dictionary keeps codes comparable for rule 3
  const marital = normaliseCategories(col('Marital_Status', 'string'), MARITAL_STATUS_ALIASES);
  byName.set('Marital_Status', marital);
  const columns = data.columns.map((c) => byName.get(c.name)!);

  // 3. duplicates, then IDs reused with other values
  markDuplicates(
    ledger,
    columns.filter((c) => c.name !== KEY),
  );
  quarantineReusedKeys(ledger, col(KEY, 'int').values, MarketingReasons.duplicateId, (id) => `ID ${id} is already used by an earlier row with other values`);

  // 4. implausible values
  const birth = col('Year_Birth', 'int').values;
  const enrolled = col('Dt_Customer', 'date').values;
  const income = col('Income', 'float');
  const { minAgeAtEnrolment, maxAgeAtEnrolment, maxIncome } = MARKETING_LIMITS;
  const yearOf = memoYear();
  for (let r = 0; r < data.rowCount; r++) {
    if (!ledger.isKept(r)) continue;
    const age = yearOf(enrolled[r]!) - birth[r]!;
    if (age < minAgeAtEnrolment || age > maxAgeAtEnrolment) {
      ledger.quarantine(
        r,
        MarketingReasons.implausibleAge,
        `age at enrolment ${age} (Year_Birth ${birth[r]}, Dt_Customer ${isoDate(enrolled[r]!)}) is outside ${minAgeAtEnrolment}..${maxAgeAtEnrolment}`,
      );
    } else if (income.nulls[r] === 0 && income.values[r]! > maxIncome) {
      ledger.quarantine(r, MarketingReasons.implausibleIncome, `Income ${income.values[r]} is above ${maxIncome}`);
    }
  }

  const kept = ledger.kept();
  const cleaned = new Map<string, Values>(columns.map((c) => [c.name, gather(c, kept)]));

  // 5. missing Income: median of the Education group over the rows kept
  const incomeOut = cleaned.get('Income') as Extract<Values, { type: 'float' }>;
  const imputedIncome = imputeGroupMedian(incomeOut, (cleaned.get('Education') as Extract<Values, { type: 'string' }>).values);

  // 6. constant columns: detected; the contract's columns stay even when constant
  const contract = new Set<string>(MARKETING_SOURCE_COLUMNS);
  // known columns in the schema's order, then any others in file order: the report does not depend on the column order of the file
  const known = Object.keys(MARKETING_TYPES).filter((name) => byName.has(name));
  const names = [...known, ...data.header.filter((name) => MARKETING_TYPES[name] === undefined)];
  const droppedColumns: string[] = [];
  const constantColumnsKept: string[] = [];
  for (const name of names) {
    const values = cleaned.get(name)!;
    if (!isConstant(values)) continue;
    (contract.has(name) ? constantColumnsKept : droppedColumns).push(name);
  }

  // 7. derived columns
  const ints = (name: string) => cleaned.get(name)!.values as Int32Array;
  const rows = kept.length;
  let latest = -Infinity;
  const days = ints('Dt_Customer');
  for (let i = 0; i < rows; i++) if (days[i]! > latest) latest = days[i]!;
  const referenceYear = rows === 0 ? 0 : yearOfDays(latest);
  const sum = (names: readonly string[]) => {
    const out = new Int32Array(rows);
    for (const name of names) {
      const v = ints(name);
      for (let i = 0; i < rows; i++) out[i] += v[i]!;
    }
    return out;
  };
  const age = new Int32Array(rows);
  const tenure = new Int32Array(rows);
  const years = ints('Year_Birth');
  for (let i = 0; i < rows; i++) {
    age[i] = referenceYear - years[i]!;
    tenure[i] = latest - days[i]!;
  }
  const derivedColumns: Record<(typeof DERIVED_COLUMNS)[number], Values> = {
    Age: derived(age),
    Children: derived(sum(['Kidhome', 'Teenhome'])),
    TotalSpend: derived(sum(SPEND_COLUMNS)),
    TotalPurchases: derived(sum(PURCHASE_COLUMNS)),
    TotalAcceptedCmp: derived(sum(CAMPAIGN_COLUMNS)),
    TenureDays: derived(tenure),
  };
  for (const name of DERIVED_COLUMNS) cleaned.set(name, derivedColumns[name]);

  const extras = names.filter((name) => !contract.has(name) && !droppedColumns.includes(name));
  const outputNames = [...CLEANED_COLUMNS, ...extras];
  const table = aq.table(new Map(outputNames.map((name) => [name, tableArray(cleaned.get(name)!)])));

  // 8. features
  const features = buildFeatures({
    rows,
    key: { name: KEY, values: ints(KEY) },
    numeric: NUMERIC_FEATURES.map((name) => ({ name, values: cleaned.get(name)!.values as ArrayLike<number> })),
    categorical: (Object.keys(CATEGORICAL_FEATURES) as (keyof typeof CATEGORICAL_FEATURES)[]).map((name) => {
      const { values, dictionary } = cleaned.get(name) as Extract<Values, { type: 'string' }>;
      return { name, codes: values, dictionary, levels: CATEGORICAL_FEATURES[name] };
    }),
    label: { name: LABEL, values: ints(LABEL) },
  });

  const report: Record<string, ColumnReport> = {};
  for (const name of [...names, ...DERIVED_COLUMNS]) {
    const isDerived = (DERIVED_COLUMNS as readonly string[]).includes(name);
    report[name] = describeColumn(cleaned.get(name)!, isDerived ? 0 : byName.get(name)!.nullCount, { dropped: droppedColumns.includes(name), derived: isDerived });
  }

  return {
    schema: 'marketing',
    table,
    features: features.table,
    rejects: ledger.rejects(),
    report: {
      rowsIn: ledger.rowsIn,
      rowsOut: rows,
      duplicatesRemoved: ledger.duplicates,
      quarantined: ledger.quarantined,
      quarantinedByReason: ledger.quarantinedByReason,
      imputed: { Income: imputedIncome },
      droppedColumns,
      constantColumnsKept,
      referenceDate: rows === 0 ? null : isoDate(latest),
      columns: report,
      features: features.report,
    },
  };
}

/**
 * Rule 2 on a dictionary-encoded column: maps each distinct value through `aliases` and merges
 * codes that now hold the same string, so equal values have equal codes again.
 *
 * @example
 * normaliseCategories(maritalStatus, { Alone: 'Single' }); // 'Alone' rows now share 'Single''s code
 */
export function normaliseCategories(column: StringColumn, aliases: Readonly<Record<string, string>>): StringColumn {
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const remap = column.dictionary.map((value) => {
    const target = Object.hasOwn(aliases, value) ? aliases[value]! : value;
    let code = index.get(target);
    if (code === undefined) index.set(target, (code = dictionary.push(target) - 1));
    return code;
  });
  const codes = column.codes.map((code) => (code < 0 ? code : remap[code]!));
  return { ...column, codes, dictionary };
}

/**
 * Fills the null values of `target` with the median of the non-null values of their group
 * (rows with the same `groups` code, -1 being a group too); a group without values takes the
 * median of all values. Returns how many values were filled. Mutates `target` (a column of the
 * cleaned table).
 *
 * @example
 * imputeGroupMedian(income, educationCodes); // 24
 */
export function imputeGroupMedian(target: Extract<Values, { type: 'float' }>, groups: Int32Array): number {
  const { values, nulls } = target;
  let groupCount = 0;
  for (let i = 0; i < groups.length; i++) if (groups[i]! + 2 > groupCount) groupCount = groups[i]! + 2;
  // group g is stored at g + 1 so that the null group (-1) has a slot
  const sizes = new Int32Array(groupCount + 1);
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    if (nulls[i] === 1) continue;
    sizes[groups[i]! + 1]!++;
    present++;
  }
  const starts = new Int32Array(groupCount + 1);
  for (let g = 1; g <= groupCount; g++) starts[g] = starts[g - 1]! + sizes[g - 1]!;
  const sorted = new Float64Array(present);
  const fill = starts.slice();
  for (let i = 0; i < values.length; i++) if (nulls[i] === 0) sorted[fill[groups[i]! + 1]!++] = values[i]!;
  const overall = present === 0 ? 0 : median(sorted);
  const medians = Array.from(sizes, (size, g) => (size === 0 ? overall : median(sorted.subarray(starts[g], starts[g]! + size))));
  let filled = 0;
  for (let i = 0; i < values.length; i++) {
    if (nulls[i] === 0) continue;
    values[i] = medians[groups[i]! + 1]!;
    nulls[i] = 0;
    filled++;
  }
  return filled;
}

/** `yearOfDays`, remembered per day: a file holds a few hundred distinct dates. */
function memoYear(): (days: number) => number {
  const cache = new Map<number, number>();
  return (days) => {
    let year = cache.get(days);
    if (year === undefined) cache.set(days, (year = yearOfDays(days)));
    return year;
  };
}
