import * as aq from 'arquero';
import type { Table } from 'arquero';
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
  const names = [
    ...(input.key ? [input.key.name] : []),
    ...input.numeric.map((c) => c.name),
    ...input.categorical.flatMap(({ name }) => oneHot[name]!.map((level) => oneHotName(name, level))),
    ...(input.label ? [input.label.name] : []),
  ];

  const table = (): Table => {
    // a Map, not an object: names such as '2019' would be reordered as object keys
    const columns = new Map<string, ArrayLike<unknown>>();
    if (input.key) columns.set(input.key.name, input.key.values);
    for (const { name, values } of input.numeric) {
      // converting once keeps the loop on one element type
      const z = new Float64Array(values);
      standardise(z, scaling[name]!.mean, scaling[name]!.std);
      columns.set(name, z);
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
      levels.forEach((level, i) => columns.set(oneHotName(name, level), hot[i]!));
    }
    if (input.label) columns.set(input.label.name, input.label.values);
    return aq.table(columns);
  };

  return {
    table,
    report: { key: input.key?.name ?? null, label: input.label?.name ?? null, numeric: input.numeric.map((c) => c.name), scaling, oneHot, columns: names },
  };
}

function standardise(values: Float64Array, mean: number, std: number): void {
  if (!(std > 0)) {
    values.fill(0);
    return;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! - mean) / std;
}
