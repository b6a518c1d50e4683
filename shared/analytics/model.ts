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
import { memo, segments } from './dimensions.js';
import { valueRange } from './kernels.js';

/** The model as the analytics need it (see {@link responseModelFrom}). */
export interface ResponseModel {
  /** Where the model was read from, for the report. */
  readonly source: string;
  /** One line for the report: kind, version, rows trained on. */
  readonly summary: string;
  /** Score at or above which a customer is predicted to respond. */
  readonly threshold: number;
  /** The model's score (a linear probability) of each row of the table, in row order; computed once per table and model, then kept with the table. */
  readonly score: (table: ColumnTable) => Float64Array;
}

/** The level a category value outside the model's levels falls into (shared/cdc/layout.ts). */
const OTHER_LEVEL = '(other)';
/** Rows scored together: the block of scores stays in L1/L2 cache while each column streams past. */
const BLOCK = 4096;

export interface ModelNumbers {
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

/** The model's score as one linear form over the table's columns (see {@link linearForm}). */
export interface LinearForm {
  readonly constant: number;
  /** Weight of each numeric column. */
  readonly numeric: ReadonlyMap<string, number>;
  /** Weight of each level of each categorical column (`(other)` for values outside the levels). */
  readonly oneHot: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * Folds the standardisation into the coefficients: `b0 + Σ β_j (x_j - mean_j) / std_j` becomes
 * `constant + Σ w_j x_j` with `w_j = β_j / std_j`; a one-hot feature's weight goes to its level.
 * Features with a zero coefficient or a zero std drop out.
 *
 * @example
 * linearForm(model).numeric.get('Income'); // the weight of one unit of Income
 */
export function linearForm(doc: Pick<ModelNumbers, 'features' | 'standardisation' | 'parameters'>): LinearForm {
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
  return { constant, numeric, oneHot };
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
  const { constant, numeric, oneHot } = linearForm(doc);
  const summary = `${typeof doc.kind === 'string' ? doc.kind : 'linear model'}${typeof doc.version === 'number' ? ` version ${doc.version}` : ''}${typeof doc.rows === 'number' ? `, trained on ${doc.rows.toLocaleString('en-US')} customers` : ''}`;
  return {
    source,
    summary,
    threshold: doc.threshold,
    // a warm container keeps the scores with the table, as it keeps the codes: one pass per model
    score: (table) => memo(table, `model scores ${source} ${JSON.stringify(doc.parameters)} ${JSON.stringify(doc.standardisation)}`, () => {
      const n = table.numRows();
      const { packs, linear } = packColumns(table, [...numeric.keys()]);
      const columns = linear.map((name) => ({ values: cents(numbers(table, name)), weight: numeric.get(name)! }));
      const lookups: Array<{ codes: ArrayLike<number>; weights: Float64Array }> = packs.map((pack) => ({
        codes: pack.codes,
        weights: packWeights(pack, pack.names.map((name) => numeric.get(name)!)),
      }));
      // both categories at once, through the segment (Education x Marital_Status) of each row
      const education = categories(table, 'Education');
      const marital = categories(table, 'Marital_Status');
      const levelWeights = (column: string, labels: readonly string[]) =>
        labels.map((label) => {
          const levels = oneHot.get(column);
          if (levels === undefined) return 0;
          const value = MARITAL_STATUS_ALIASES[label.trim()] ?? label.trim();
          const known = (CATEGORICAL_FEATURES as Record<string, readonly string[]>)[column]?.includes(value) ?? false;
          return levels.get(known ? value : OTHER_LEVEL) ?? 0;
        });
      const ew = levelWeights('Education', education.labels);
      const mw = levelWeights('Marital_Status', marital.labels);
      const segment = segments(table);
      lookups.push({ codes: segment.ids, weights: Float64Array.from({ length: segment.size }, (_, slot) => ew[Math.floor(slot / mw.length)]! + mw[slot % mw.length]!) });
      const out = new Float64Array(n).fill(constant);
      for (let start = 0; start < n; start += BLOCK) {
        const end = Math.min(n, start + BLOCK);
        for (const { values, weight } of columns) addScaled(out, values, weight, start, end);
        for (const { codes, weights } of lookups) addLookedUp(out, codes, weights, start, end);
      }
      return out;
    }),
  };
}

const centsOf = new WeakMap<Float64Array, Float64Array>();

/** The model holds its inputs to the cent (shared/cdc/layout.ts): integers already are; doubles are rounded once, and kept. */
function cents(values: Numbers): Numbers {
  if (values instanceof Int32Array) return values;
  let rounded = centsOf.get(values);
  if (!rounded) centsOf.set(values, (rounded = values.map((v) => Math.round(v * 100) / 100)));
  return rounded;
}

/** Largest lookup table of a pack: 4096 doubles (32 KB) stay in L1 cache while rows stream past. */
const PACK_LIMIT = 4096;

/** Small-range integer columns as one mixed-radix code per row: `Σ (value_j - min_j) * stride_j`. */
interface Pack {
  readonly names: readonly string[];
  readonly mins: readonly number[];
  readonly radices: readonly number[];
  readonly codes: Uint16Array;
}

/**
 * Splits the model's numeric columns into packs of small-range integer columns (each pack one
 * lookup per row instead of one multiply per column: 0/1 flags, counts of children or purchases)
 * and the rest. The codes depend only on the table, so they are kept with it.
 */
function packColumns(table: ColumnTable, names: readonly string[]): { packs: Pack[]; linear: string[] } {
  return memo(table, `model packs ${names.join(',')}`, () => {
    const candidates = names
      .map((name) => ({ name, values: numbers(table, name) }))
      .filter(({ values }) => values instanceof Int32Array && values.length > 0)
      .map(({ name, values }) => ({ name, values, ...valueRange(values), radix: valueRange(values).max - valueRange(values).min + 1 }))
      .filter(({ radix }) => radix <= PACK_LIMIT / 2)
      .sort((a, b) => a.radix - b.radix || (a.name < b.name ? -1 : 1));
    const groups: Array<typeof candidates> = [];
    let current: typeof candidates = [];
    let product = 1;
    for (const candidate of candidates) {
      if (product * candidate.radix > PACK_LIMIT) {
        groups.push(current);
        current = [];
        product = 1;
      }
      current.push(candidate);
      product *= candidate.radix;
    }
    groups.push(current);
    const packs = groups.filter((group) => group.length >= 2).map((group) => {
      const codes = new Uint16Array(table.numRows());
      let stride = 1;
      for (const { values, min, radix } of group) {
        addDigit(codes, values, min, stride);
        stride *= radix;
      }
      return { names: group.map((c) => c.name), mins: group.map((c) => c.min), radices: group.map((c) => c.radix), codes };
    });
    const packed = new Set(packs.flatMap((pack) => pack.names));
    return { packs, linear: names.filter((name) => !packed.has(name)) };
  });
}

/** Each code's contribution, `Σ weight_j * (min_j + digit_j)`, built digit by digit. */
function packWeights(pack: Pack, weights: readonly number[]): Float64Array {
  let table = Float64Array.of(0);
  pack.radices.forEach((radix, j) => {
    const next = new Float64Array(table.length * radix);
    for (let digit = 0; digit < radix; digit++) {
      const add = weights[j]! * (pack.mins[j]! + digit);
      for (let code = 0; code < table.length; code++) next[digit * table.length + code] = table[code]! + add;
    }
    table = next;
  });
  return table;
}

// The loops of the scorer, each in a function of its own so that it is optimised once and stays so.

function addScaled(out: Float64Array, values: Numbers, weight: number, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] += weight * values[i]!;
}

function addDigit(codes: Uint16Array, values: Numbers, min: number, stride: number): void {
  for (let i = 0; i < codes.length; i++) codes[i] += (values[i]! - min) * stride;
}

function addLookedUp(out: Float64Array, codes: ArrayLike<number>, weights: Float64Array, start: number, end: number): void {
  for (let i = start; i < end; i++) out[i] += weights[codes[i]!]!;
}
