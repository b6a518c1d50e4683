import * as aq from 'arquero';
import type { Table } from 'arquero';
import { startsFormula } from '../csv/index.js';
import { oneHotName, type FeatureScaling } from './features.js';
import type { FeaturesReport } from './report.js';
import { meanStd } from './stats.js';

export interface FeatureInput {
  readonly rows: number;
  /** Copied as is, first. */
  readonly key?: { readonly name: string; readonly values: Int32Array };
  /** Standardised to z-scores (population std; a constant column becomes all 0). */
  readonly numeric: ReadonlyArray<{ readonly name: string; readonly values: ArrayLike<number> }>;
  /** One-hot encoded; `levels` always get a column, other values get one after them in sorted order. */
  readonly categorical: ReadonlyArray<{ readonly name: string; readonly codes: Int32Array; readonly dictionary: readonly string[]; readonly levels?: readonly string[] }>;
  /** Copied as is, last. */
  readonly label?: { readonly name: string; readonly values: Int32Array };
}

/**
 * Rule 8: the features table (key, z-scored numeric columns as Float64, one-hot columns as Int32
 * 0/1, label) and the record of how it is made, for report.json. The record is computed now;
 * the table only when `table()` is called, so it need not share memory with the cleaned outputs.
 *
 * @example
 * const { table, report } = buildFeatures({ rows: 2, numeric: [{ name: 'x', values: [1, 3] }], categorical: [] });
 * table().array('x'); // Float64Array [-1, 1]
 */
export function buildFeatures(input: FeatureInput): { table: () => Table; report: FeaturesReport } {
  const scaling: Record<string, FeatureScaling> = {};
  for (const { name, values } of input.numeric) {
    const { mean, std } = meanStd(values);
    scaling[name] = { mean: Number.isFinite(mean) ? mean : 0, std: Number.isFinite(std) ? std : 0 };
  }
  const oneHot: Record<string, string[]> = {};
  for (const { name, codes, dictionary, levels = [] } of input.categorical) {
    const present = new Uint8Array(dictionary.length);
    for (let i = 0; i < input.rows; i++) if (codes[i]! >= 0) present[codes[i]!] = 1;
    const known = new Set(levels);
    oneHot[name] = [...levels, ...dictionary.filter((v, code) => present[code] === 1 && !known.has(v)).sort()];
  }
  // each column's name in features.parquet: safe in a spreadsheet and unique (see columnNames)
  const naming = columnNames([
    ...(input.key ? [input.key.name] : []),
    ...input.numeric.map((c) => c.name),
    ...input.categorical.flatMap(({ name }) => oneHot[name]!.map((level) => oneHotName(name, level))),
    ...(input.label ? [input.label.name] : []),
  ]);
  const names = naming.map((n) => n.safe);
  let next = 0;
  const nameOf = () => names[next++]!;

  const table = (): Table => {
    // a Map, not an object: names such as '2019' would be reordered as object keys
    const columns = new Map<string, ArrayLike<unknown>>();
    next = 0;
    if (input.key) columns.set(nameOf(), input.key.values);
    for (const { name, values } of input.numeric) {
      // converting once keeps the loop on one element type
      const z = new Float64Array(values);
      standardise(z, scaling[name]!.mean, scaling[name]!.std);
      columns.set(nameOf(), z);
    }
    for (const { name, codes, dictionary } of input.categorical) {
      const levels = oneHot[name]!;
      const position = new Map(levels.map((level, i) => [level, i]));
      const hot = levels.map(() => new Int32Array(input.rows));
      const columnOf = dictionary.map((v) => hot[position.get(v) ?? -1]);
      for (let i = 0; i < input.rows; i++) {
        const code = codes[i]!;
        if (code >= 0) columnOf[code]![i] = 1;
      }
      for (const column of hot) columns.set(nameOf(), column);
    }
    if (input.label) columns.set(nameOf(), input.label.values);
    return aq.table(columns);
  };

  return {
    table,
    report: { key: input.key?.name ?? null, label: input.label?.name ?? null, numeric: input.numeric.map((c) => c.name), scaling, oneHot, columns: names },
  };
}

/**
 * The names of features.parquet's columns, from the names they are made of (a column's, or
 * `<column>=<level>` for a one-hot column, where the level is data): control characters become
 * spaces, a name a spreadsheet would run as a formula gets a leading `'` (as in the CSV outputs),
 * and a name already taken gets `~2`, `~3`... (a numeric column `b=x` and the one-hot column of
 * level `x` of `b` would otherwise be one column, the second overwriting the first).
 *
 * @example
 * columnNames(['=SUM(A1)', 'b=x', 'b=x']).map((n) => n.safe); // ["'=SUM(A1)", 'b=x', 'b=x~2']
 */
export function columnNames(raw: readonly string[]): Array<{ readonly raw: string; readonly safe: string }> {
  const taken = new Set<string>();
  return raw.map((name) => {
    let safe = '';
    for (const ch of name) safe += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch;
    if (startsFormula(safe)) safe = `'${safe}`;
    let unique = safe;
    for (let n = 2; taken.has(unique); n++) unique = `${safe}~${n}`;
    taken.add(unique);
    return { raw: name, safe: unique };
  });
}

function standardise(values: Float64Array, mean: number, std: number): void {
  if (!(std > 0)) {
    values.fill(0);
    return;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! - mean) / std;
}
