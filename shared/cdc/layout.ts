/**
 * The CDC model's view of a customer: a fixed-length vector of integers, so that the sufficient
 * statistics built from it are exact (see `exact-stats.ts`).
 *
 * - Numeric features (the feature schema's `NUMERIC_FEATURES`) are held to the cent: the stored
 *   value is `round(x * 100)`. This is the model's definition of its inputs, applied the same way on
 *   every path (change event, from-scratch fit, prediction), so nothing is lost between them.
 * - Categorical features are one-hot over the schema's fixed levels plus an `(other)` level, so a
 *   new value never changes the model's shape: it lands in `(other)`, exactly.
 * - The label (`Response`, 0 or 1) is the last element.
 */
import {
  CATEGORICAL_FEATURES,
  LABEL,
  MARITAL_STATUS_ALIASES,
  NUMERIC_FEATURES,
  oneHotName,
} from '../preprocess/features.js';

/** Stored values of numeric features are `round(x * NUMERIC_SCALE)`. */
export const NUMERIC_SCALE = 100;
/** Stored numeric values must stay below this in magnitude (2^31), so products split exactly. */
export const MAX_STORED = 2 ** 31;
/** The one-hot level a value outside the schema's levels falls into. */
export const OTHER_LEVEL = '(other)';

/** A customer as the model stores it: `[q_1 .. q_F, label]`, all integers (an array or an Int32Array view). */
export type Row = ArrayLike<number>;

/** One feature of the model: its column name and the factor its stored integer carries. */
export interface FeatureDef {
  readonly name: string;
  /** Stored value = real value x scale. */
  readonly scale: number;
}

/** The features of the model, in vector order, with the label last. */
export interface Layout {
  readonly features: readonly FeatureDef[];
  readonly label: string;
  /** Number of features F; a stored row has F + 1 elements. */
  readonly width: number;
}

const categorical = Object.entries(CATEGORICAL_FEATURES) as Array<[string, readonly string[]]>;

/** The model's layout: numeric features, then one-hot levels (each with `(other)`), label last. */
export const LAYOUT: Layout = (() => {
  const features: FeatureDef[] = NUMERIC_FEATURES.map((name) => ({ name, scale: NUMERIC_SCALE }));
  for (const [column, levels] of categorical) {
    for (const level of [...levels, OTHER_LEVEL]) features.push({ name: oneHotName(column, level), scale: 1 });
  }
  return { features, label: LABEL, width: features.length };
})();

/** What {@link encodeCustomer} answers: a row, or the reason the record cannot be one. */
export type Encoded = { readonly row: Row } | { readonly error: string };

/**
 * Encodes a customer record (a cleaned-table row, as a change event's `after` image carries it) as
 * the model's integer row. Numbers may arrive as JSON numbers or numeric strings (CSV); anything
 * else is an error naming the field.
 *
 * @example
 * const encoded = encodeCustomer({ Income: 58138, Education: 'Graduation', Marital_Status: 'Single', Response: 1, ... });
 * if ('error' in encoded) throw new Error(encoded.error);
 * encoded.row.at(-1); // 1
 */
export function encodeCustomer(record: Readonly<Record<string, unknown>>, where = 'after'): Encoded {
  // (this runs for every change: the fields read in one call, one array made at its final length)
  const fields = scratch;
  readFields(record, fields);
  const row = new Array<number>(LAYOUT.width + 1).fill(0);
  for (let i = 0; i < NUMERIC_FEATURES.length; i++) {
    const raw = fields[i];
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : numberOf(raw);
    if (value === undefined) return { error: `${where}.${NUMERIC_FEATURES[i]} is ${describe(raw)}, not a number` };
    const stored = Math.round(value * NUMERIC_SCALE);
    if (!(Math.abs(stored) < MAX_STORED)) {
      return { error: `${where}.${NUMERIC_FEATURES[i]} is ${value}, outside the model's range (|x| < ${(MAX_STORED - 1) / NUMERIC_SCALE})` };
    }
    row[i] = stored === 0 ? 0 : stored;
  }
  let at = NUMERIC_FEATURES.length;
  for (let c = 0; c < categorical.length; c++) {
    const [column, levels] = categorical[c]!;
    const raw = fields[NUMERIC_FEATURES.length + c];
    const trimmed = typeof raw === 'string' ? raw.trim() : '';
    if (trimmed === '') return { error: `${where}.${column} is ${describe(raw)}, not a category name` };
    const value = MARITAL_STATUS_ALIASES[trimmed] ?? trimmed;
    const level = levels.indexOf(value);
    row[at + (level < 0 ? levels.length : level)] = 1;
    at += levels.length + 1;
  }
  const rawLabel = fields[FIELDS.length - 1];
  const label = numberOf(rawLabel);
  if (label !== 0 && label !== 1) return { error: `${where}.${LABEL} is ${describe(rawLabel)}, not 0 or 1` };
  row[at] = label;
  return { row };
}

/** The fields of a customer record a row is made of, in row order: numeric features, categorical columns, label. */
const FIELDS: readonly string[] = [...NUMERIC_FEATURES, ...categorical.map(([column]) => column), LABEL];

/**
 * Reads {@link FIELDS} from a record in one call, into `out`. Compiled once from the layout's own
 * names (constants of this module, quoted by JSON.stringify: no outside text enters the code).
 * Why: `record[name]` with a name that varies is a megamorphic keyed load, about 1 µs over a
 * customer's 37 fields, which was most of encoding a change; the compiled reader's constant names
 * are inline-cached named loads, about 0.07 µs for all of them.
 */
const readFields = new Function('record', 'out', FIELDS.map((field, i) => `out[${i}] = record[${JSON.stringify(field)}];`).join('\n')) as (record: object, out: unknown[]) => void;
/** The fields of the record being encoded (one list, reused: encoding is synchronous). */
const scratch: unknown[] = new Array<unknown>(FIELDS.length).fill(undefined);

/**
 * The real value of feature `index` of a stored row.
 *
 * @example
 * featureValue(row, 0); // Income in currency units
 */
export function featureValue(row: Row, index: number): number {
  return row[index]! / LAYOUT.features[index]!.scale;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'number') return String(value);
  return `a ${Array.isArray(value) ? 'list' : typeof value}`;
}
