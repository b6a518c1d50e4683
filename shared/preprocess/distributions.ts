/**
 * Distributions of a few key columns before and after cleaning, for `report.json` and the run
 * report: a histogram over the cleaned values' range for numbers (with the input's values outside
 * it counted apart, which is where the implausible ones show), level counts for strings. Computed
 * once while the input is parsed anyway, so the run report need not read the raw file again (a
 * million-row input is 100 MB of text). Pure and deterministic.
 */
import type { Table } from 'arquero';
import type { Column, CsvData } from '../csv/index.js';
import type { ColumnReport, SchemaName } from './report.js';

/** Counts of one side (before or after cleaning) of a numeric column over shared bins. */
export interface BinCounts {
  readonly bins: readonly number[];
  /** Values below the first edge, above the last, and missing (or unreadable). */
  readonly below: number;
  readonly above: number;
  readonly nulls: number;
}

export interface NumericDistribution {
  readonly kind: 'numeric';
  /** Bin edges, ascending: bin i holds [edges[i], edges[i + 1]), the last bin also its upper edge. */
  readonly edges: readonly number[];
  readonly before: BinCounts;
  readonly after: BinCounts;
}

/** Counts of one side of a string column over shared levels. */
export interface LevelCounts {
  readonly counts: readonly number[];
  /** Values of other levels, and missing values. */
  readonly other: number;
  readonly nulls: number;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  /** The most frequent levels over both sides, most frequent first. */
  readonly levels: readonly string[];
  readonly before: LevelCounts;
  readonly after: LevelCounts;
}

export type Distribution = NumericDistribution | CategoricalDistribution;

/** Columns shown for the marketing schema: the ones its rules change. */
const MARKETING_KEY_COLUMNS = ['Income', 'Year_Birth', 'Marital_Status', 'Education'] as const;
const TARGET_BINS = 20;
const MAX_LEVELS = 12;
const MAX_AUTO_NUMERIC = 3;

/**
 * The columns whose distributions the report keeps: for the marketing schema the ones its rules
 * touch (Income imputed and capped, Year_Birth bounded, Marital_Status remapped, Education
 * grouping the imputation); otherwise up to three numeric columns, those with the most values
 * imputed or missing first, and the first string column with at most 20 levels.
 *
 * @example
 * keyColumns('marketing', report.columns, report.imputed); // ['Income', 'Year_Birth', 'Marital_Status', 'Education']
 */
export function keyColumns(schema: SchemaName, columns: Readonly<Record<string, ColumnReport>>, imputed: Readonly<Record<string, number>>): string[] {
  const kept = (name: string) => columns[name] !== undefined && columns[name].dropped !== true && columns[name].derived !== true;
  if (schema === 'marketing') return MARKETING_KEY_COLUMNS.filter(kept);
  const names = Object.keys(columns).filter(kept);
  const numeric = names
    .filter((name) => columns[name]!.type === 'int' || columns[name]!.type === 'float')
    .map((name, order) => ({ name, order, weight: (imputed[name] ?? 0) + columns[name]!.nullsBefore }))
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
    .slice(0, MAX_AUTO_NUMERIC)
    .map((c) => c.name);
  const category = names.find((name) => columns[name]!.type === 'string' && (columns[name]!.distinct ?? Infinity) <= 20);
  return category === undefined ? numeric : [...numeric, category];
}

/**
 * Bin edges over [min, max]: about `target` bins of a round width (1, 2, 2.5 or 5 times a power of
 * ten; whole for whole numbers), starting at a multiple of the width.
 *
 * @example
 * niceEdges(1730, 142410, 20, false); // [0, 10000, 20000, ..., 150000]
 */
export function niceEdges(min: number, max: number, target: number, whole: boolean): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (max <= min) return [min, min + (whole ? 1 : Math.max(Math.abs(min) * 0.01, 1e-9))];
  const raw = (max - min) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  if (whole) step = Math.max(1, Math.round(step));
  const start = Math.floor(min / step) * step;
  const count = Math.max(1, Math.ceil((max - start) / step - 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Array.from({ length: count + 1 }, (_, i) => Number((start + i * step).toFixed(decimals)));
}

/**
 * Counts values over bin edges (see {@link NumericDistribution}); NaN and `nulls[i] === 1` count as nulls.
 *
 * @example
 * binCounts(Float64Array.of(1, 5, 11, NaN), undefined, [0, 5, 10]); // { bins: [1, 1], below: 0, above: 1, nulls: 1 }
 */
export function binCounts(values: ArrayLike<number>, nulls: Uint8Array | undefined, edges: readonly number[]): BinCounts {
  const n = edges.length - 1;
  const bins = new Array<number>(Math.max(0, n)).fill(0);
  let below = 0;
  let above = 0;
  let missing = 0;
  const first = edges[0]!;
  const last = edges[n]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | null;
    if (v === null || Number.isNaN(v) || (nulls !== undefined && nulls[i] === 1)) missing++;
    else if (n < 1 || v < first) below++;
    else if (v > last) above++;
    else {
      // the bin by arithmetic, then nudged: float edges may sit a hair off
      let b = Math.min(n - 1, Math.floor(((v - first) / (last - first)) * n));
      while (b > 0 && v < edges[b]!) b--;
      while (b < n - 1 && v >= edges[b + 1]!) b++;
      bins[b]!++;
    }
  }
  return { bins, below, above, nulls: missing };
}

/** The values of an input column as numbers (strings parsed once per distinct value), NaN for none. */
function inputNumbers(column: Column): { values: ArrayLike<number>; nulls: Uint8Array } {
  if (column.type !== 'string') return { values: column.values, nulls: column.nulls };
  const parsed = column.dictionary.map((text) => (text.trim() === '' ? NaN : Number(text)));
  const values = new Float64Array(column.codes.length);
  for (let r = 0; r < values.length; r++) values[r] = column.nulls[r] === 1 ? NaN : parsed[column.codes[r]!]!;
  return { values, nulls: column.nulls };
}

/** The smallest and largest present values, or undefined when there are none. */
function finiteRange(values: ArrayLike<number>, nulls: Uint8Array): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (nulls[i] === 1 || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/** The values of an input column as text, per row (null when missing). */
function inputTexts(column: Column): ArrayLike<string | null> {
  if (column.type === 'string') return Array.from(column.codes, (code, r) => (column.nulls[r] === 1 || code < 0 ? null : column.dictionary[code]!));
  return Array.from(column.values as ArrayLike<number>, (v, r) => (column.nulls[r] === 1 ? null : String(v)));
}

function levelTally(texts: ArrayLike<string | null>): { tally: Map<string, number>; nulls: number } {
  const tally = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    if (t === null || t === undefined) nulls++;
    else tally.set(t, (tally.get(t) ?? 0) + 1);
  }
  return { tally, nulls };
}

/**
 * Level counts of a string column before and after cleaning, over the most frequent levels of
 * both sides (at most 12; the rest as `other`).
 *
 * @example
 * levelCounts(['Married', 'YOLO', null], ['Married', 'Unknown']).levels; // ['Married', 'Unknown', 'YOLO']
 */
export function levelCounts(before: ArrayLike<string | null>, after: ArrayLike<string | null>): CategoricalDistribution {
  const b = levelTally(before);
  const a = levelTally(after);
  const all = new Map<string, number>();
  for (const [level, n] of [...b.tally, ...a.tally]) all.set(level, (all.get(level) ?? 0) + n);
  const levels = [...all]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, MAX_LEVELS)
    .map(([level]) => level);
  const side = (t: { tally: Map<string, number>; nulls: number }): LevelCounts => {
    const counts = levels.map((level) => t.tally.get(level) ?? 0);
    let total = 0;
    for (const n of t.tally.values()) total += n;
    return { counts, other: total - counts.reduce((s, n) => s + n, 0), nulls: t.nulls };
  };
  return { kind: 'categorical', levels, before: side(b), after: side(a) };
}

/**
 * The distributions of the key columns ({@link keyColumns}) in the input as read and in the
 * cleaned table.
 *
 * @example
 * columnDistributions(data, result.table, 'marketing', result.report.columns, result.report.imputed).Income.kind; // 'numeric'
 */
export function columnDistributions(
  data: CsvData,
  table: Table,
  schema: SchemaName,
  columns: Readonly<Record<string, ColumnReport>>,
  imputed: Readonly<Record<string, number>>,
): Record<string, Distribution> {
  const out: Record<string, Distribution> = {};
  for (const name of keyColumns(schema, columns, imputed)) {
    const input = data.column(name);
    if (input === undefined || !table.columnNames().includes(name)) continue;
    const after = table.array(name) as ArrayLike<unknown>;
    const type = columns[name]!.type;
    if (type === 'string') {
      out[name] = levelCounts(inputTexts(input), after as ArrayLike<string | null>);
      continue;
    }
    if (type !== 'int' && type !== 'float') continue;
    const numbers = after as ArrayLike<number>;
    const { min, max } = columns[name]!;
    const before = inputNumbers(input);
    const range = typeof min === 'number' && typeof max === 'number' ? { min, max } : finiteRange(before.values, before.nulls);
    const edges = range === undefined ? [] : niceEdges(range.min, range.max, TARGET_BINS, type === 'int');
    out[name] = { kind: 'numeric', edges, before: binCounts(before.values, before.nulls, edges), after: binCounts(numbers, undefined, edges) };
  }
  return out;
}
