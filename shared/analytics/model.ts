/**
 * The CDC model (`models/<name>/current.json`, written by shared/cdc/model.ts) as the analytics use
 * it: a vectorised scorer over the in-memory table. The model scores a customer
 * `b0 + Σ β_j (x_j - mean_j) / std_j` over its features (numeric columns held to the cent, and
 * one-hot `<column>=<level>` columns with an `(other)` level); this module folds that into one
 * weight per column and one per category label, and scores a million rows in blocks that stay in
 * cache.
 */
import type { ColumnTable } from 'arquero';
import { InputError } from '../errors.js';
import { CATEGORICAL_FEATURES, MARITAL_STATUS_ALIASES } from '../preprocess/features.js';
import { categories, numbers, type Numbers } from './columns.js';

/** The model as the analytics need it (see {@link responseModelFrom}). */
export interface ResponseModel {
  /** Where the model was read from, for the report. */
  readonly source: string;
  /** One line for the report: kind, version, rows trained on. */
  readonly summary: string;
  /** Score at or above which a customer is predicted to respond. */
  readonly threshold: number;
  /** The model's score (a linear probability) of each row of the table, in row order. */
  readonly score: (table: ColumnTable) => Float64Array;
}

/** The level a category value outside the model's levels falls into (shared/cdc/layout.ts). */
const OTHER_LEVEL = '(other)';
/** Rows scored together: the block of scores stays in L1/L2 cache while each column streams past. */
const BLOCK = 4096;

interface ModelNumbers {
  readonly kind?: unknown;
  readonly version?: unknown;
  readonly rows?: unknown;
  readonly threshold: number;
  readonly features: readonly string[];
  readonly standardisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly parameters: { readonly intercept: number; readonly coefficients: readonly number[] };
}

const isNumbers = (value: unknown, length: number): value is number[] =>
  Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number' && Number.isFinite(v));

function check(document: unknown, source: string): ModelNumbers {
  const doc = document as Partial<ModelNumbers> | null;
  const fail = (reason: string): never => {
    throw new InputError(source, `is not a usable CDC model: ${reason}`);
  };
  if (typeof doc !== 'object' || doc === null) return fail('not a JSON object');
  const features = doc.features;
  if (!Array.isArray(features) || !features.every((f) => typeof f === 'string')) return fail("'features' is not a list of names");
  const n = features.length;
  if (!isNumbers(doc.standardisation?.mean, n) || !isNumbers(doc.standardisation?.std, n)) return fail(`'standardisation' needs ${n} means and stds`);
  if (typeof doc.parameters?.intercept !== 'number' || !isNumbers(doc.parameters?.coefficients, n)) return fail(`'parameters' needs an intercept and ${n} coefficients`);
  if (typeof doc.threshold !== 'number') return fail("'threshold' is not a number");
  return doc as ModelNumbers;
}

/**
 * Reads a model document (already parsed from JSON) into a {@link ResponseModel}. A document
 * without the numbers a linear model needs is an {@link InputError} naming `source`; a feature the
 * table lacks is one too, raised when scoring.
 *
 * @example
 * const model = responseModelFrom(JSON.parse(text), 'models/response/current.json');
 * const scores = model.score(table);
 */
export function responseModelFrom(document: unknown, source: string): ResponseModel {
  const doc = check(document, source);
  const numeric = new Map<string, number>();
  const oneHot = new Map<string, Map<string, number>>();
  let constant = doc.parameters.intercept;
  doc.features.forEach((name, j) => {
    const beta = doc.parameters.coefficients[j]!;
    const sd = doc.standardisation.std[j]!;
    if (beta === 0 || sd === 0) return;
    const weight = beta / sd;
    constant -= weight * doc.standardisation.mean[j]!;
    const split = name.indexOf('=');
    const column = split < 0 ? name : name.slice(0, split);
    if (split >= 0 && column in CATEGORICAL_FEATURES) {
      let levels = oneHot.get(column);
      if (!levels) oneHot.set(column, (levels = new Map()));
      levels.set(name.slice(split + 1), weight);
    } else {
      numeric.set(name, weight);
    }
  });
  const summary = `${typeof doc.kind === 'string' ? doc.kind : 'linear model'}${typeof doc.version === 'number' ? ` version ${doc.version}` : ''}${typeof doc.rows === 'number' ? `, trained on ${doc.rows.toLocaleString('en-US')} customers` : ''}`;
  return {
    source,
    summary,
    threshold: doc.threshold,
    score: (table) => {
      const n = table.numRows();
      const columns: Array<{ values: Numbers; weight: number }> = [];
      for (const [name, weight] of numeric) {
        const values = numbers(table, name);
        // the model holds its inputs to the cent (shared/cdc/layout.ts); integers already are
        columns.push({ values: values instanceof Int32Array ? values : values.map((v) => Math.round(v * 100) / 100), weight });
      }
      const lookups: Array<{ codes: Int32Array; weights: Float64Array }> = [];
      for (const [column, levels] of oneHot) {
        const { codes, labels } = categories(table, column);
        const weights = Float64Array.from(labels, (label) => {
          const value = MARITAL_STATUS_ALIASES[label.trim()] ?? label.trim();
          const known = (CATEGORICAL_FEATURES as Record<string, readonly string[]>)[column]!.includes(value);
          return levels.get(known ? value : OTHER_LEVEL) ?? 0;
        });
        lookups.push({ codes, weights });
      }
      const out = new Float64Array(n).fill(constant);
      for (let start = 0; start < n; start += BLOCK) {
        const end = Math.min(n, start + BLOCK);
        for (const { values, weight } of columns) addScaled(out, values, weight, start, end);
        for (const { codes, weights } of lookups) addLookedUp(out, codes, weights, start, end);
      }
      return out;
    },
  };
}

// The loops of the scorer, each in a function of its own so that it is optimised once and stays so.

function addScaled(out: Float64Array, values: Numbers, weight: number, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] += weight * values[i]!;
}

function addLookedUp(out: Float64Array, codes: Int32Array, weights: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] += weights[codes[i]!]!;
}
