/**
 * What the run report shows of one cleaned dataset: the row accounting, the quarantine reasons
 * with a few example lines each, the per-column nulls and imputations, and the key columns'
 * distributions; all from `report.json` and `rejects.csv`, never from the data itself.
 */
import { readCsv } from '../csv/index.js';
import type { Distribution } from '../preprocess/distributions.js';
import type { ColumnReport, PreprocessReport } from '../preprocess/report.js';

/** Example lines kept per quarantine reason. */
export const EXAMPLES_PER_REASON = 3;

/** A quarantined line, as `rejects.csv` holds it. */
export interface RejectExample {
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

export interface ReasonView {
  /** The reason code (`implausible-age`...). */
  readonly code: string;
  readonly count: number;
  readonly examples: readonly RejectExample[];
}

export interface ColumnView extends ColumnReport {
  readonly name: string;
  readonly imputed: number;
}

export interface PreprocessView {
  readonly dataset: string;
  readonly source: string;
  /** Where the outputs are, for people: a folder path or an s3:// URL. */
  readonly location: string;
  readonly status: PreprocessReport['status'];
  readonly error?: string;
  readonly schema: PreprocessReport['schema'];
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly duplicates: number;
  readonly quarantined: number;
  readonly reasons: readonly ReasonView[];
  readonly columns: readonly ColumnView[];
  readonly droppedColumns: readonly string[];
  readonly constantColumnsKept: readonly string[];
  readonly imputed: Readonly<Record<string, number>>;
  /** Absent for reports written before distributions were kept. */
  readonly distributions?: Readonly<Record<string, Distribution>>;
}

/**
 * The first few rejected lines of each reason code from `rejects.csv` (comma-separated: line,
 * reason as `code: message`, raw text). A file the report cannot read gives no examples rather
 * than no report.
 *
 * @example
 * rejectExamples(bytes).get('implausible-age'); // [{ line: 461, reason: 'implausible-age: age at enrolment 113 ...', raw: '35823\t1900...' }]
 */
export function rejectExamples(bytes: Uint8Array, perReason = EXAMPLES_PER_REASON): Map<string, RejectExample[]> {
  const examples = new Map<string, RejectExample[]>();
  if (bytes.length === 0) return examples;
  let data;
  try {
    data = readCsv(bytes, { source: 'rejects.csv', delimiter: ',', types: { line: 'int' } });
  } catch {
    return examples;
  }
  const line = data.column('line');
  const reason = data.column('reason');
  const raw = data.column('raw');
  if (line?.type !== 'int' || reason?.type !== 'string' || raw?.type !== 'string') return examples;
  const text = (column: typeof raw, row: number) => (column.nulls[row] === 1 ? '' : column.dictionary[column.codes[row]!]!);
  for (let row = 0; row < data.rowCount; row++) {
    const full = text(reason, row);
    const code = reasonCode(full);
    const list = examples.get(code) ?? [];
    if (list.length >= perReason) continue;
    list.push({ line: line.values[row]!, reason: full, raw: text(raw, row) });
    examples.set(code, list);
  }
  return examples;
}

/** `implausible-age: age ...` -> `implausible-age`. */
const reasonCode = (reason: string): string => {
  const colon = reason.indexOf(': ');
  return colon < 0 ? reason : reason.slice(0, colon);
};

/**
 * The view of one dataset's cleaning.
 *
 * @example
 * preprocessView('generated_marketing', '/data/processed/generated_marketing/d46c.../', report, rejectExamples(rejects));
 */
export function preprocessView(dataset: string, location: string, report: PreprocessReport, examples: ReadonlyMap<string, readonly RejectExample[]>): PreprocessView {
  const reasons = Object.entries(report.quarantinedByReason)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, count]) => ({ code, count, examples: examples.get(code) ?? [] }));
  const columns = Object.entries(report.columns).map(([name, column]) => ({ ...column, name, imputed: report.imputed[name] ?? 0 }));
  return {
    dataset,
    source: report.source,
    location,
    status: report.status,
    ...(report.error === undefined ? {} : { error: report.error }),
    schema: report.schema,
    rowsIn: report.rowsIn,
    rowsOut: report.rowsOut,
    duplicates: report.duplicatesRemoved,
    quarantined: report.quarantined,
    reasons,
    columns,
    droppedColumns: report.droppedColumns,
    constantColumnsKept: report.constantColumnsKept,
    imputed: report.imputed,
    ...(report.distributions === undefined ? {} : { distributions: report.distributions }),
  };
}
