/**
 * Test helpers for the analytics: reading a cleaned table from the contract's CSV, and comparing
 * rows with a tolerance for floating-point summation order.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generateMarketing } from '../../../data/generators/marketing.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { CLEANED_COLUMNS } from '../../../shared/preprocess/features.js';
import { preprocessObject, type LatestPointer } from '../../../shared/preprocess/index.js';
import { prepareTable, TEXT_COLUMNS } from '../../../shared/analytics/table.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'analytics');

/** A row of the cleaned table as plain values. */
export type Customer = Record<string, string | number>;

/**
 * Reads a cleaned table written as the contract's CSV (comma-separated, header), with explicit
 * column types (no type guessing), and prepares it as the analytics hold it in memory.
 */
export function readCleanedCsv(path: string): ColumnTable {
  const parse = Object.fromEntries(CLEANED_COLUMNS.map((name) => [name, TEXT_COLUMNS.has(name) ? (text: string) => text : (text: string) => Number(text)]));
  return prepareTable(aq.fromCSV(readFileSync(path, 'utf8'), { parse, autoType: false }), path);
}

/** The table's rows as plain objects: the input of the independent computations. */
export function customersOf(table: ColumnTable): Customer[] {
  return table.objects() as Customer[];
}

/** Asserts equal rows: same keys in the same order, equal text, numbers equal to ~12 significant digits. */
export function expectRowsClose(actual: readonly object[], expected: readonly object[]): void {
  expect(actual.length, 'row count').toBe(expected.length);
  actual.forEach((row, i) => {
    const want = expected[i] as Record<string, unknown>;
    const got = row as Record<string, unknown>;
    expect(Object.keys(got), `keys of row ${i}`).toEqual(Object.keys(want));
    for (const key of Object.keys(want)) {
      const a = got[key];
      const b = want[key];
      if (typeof b === 'number' && typeof a === 'number') {
        expect(Math.abs(a - b), `row ${i} ${key}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      } else {
        expect(a, `row ${i} ${key}`).toEqual(b);
      }
    }
  });
}

/** A generated marketing file (data/generators/marketing.ts) as one byte array. */
export function generatedCsv(rows: number, seed: number): Uint8Array {
  const parts = [...generateMarketing({ rows, seed })];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Puts a raw CSV under `raw/<name>.csv` and runs the real preprocessing on it, which writes the
 * cleaned table and `processed/<name>/latest.json` (all stores may be one). Returns the pointer.
 */
export async function stageDataset(raw: ObjectStore, processed: ObjectStore, name: string, csv: Uint8Array): Promise<LatestPointer> {
  await raw.put(`raw/${name}.csv`, csv);
  const outcome = await preprocessObject(raw, `raw/${name}.csv`, processed);
  if (outcome.status !== 'cleaned') throw new Error(`preprocessing ${name}: ${outcome.status}`);
  return JSON.parse(new TextDecoder().decode((await processed.get(`processed/${name}/latest.json`)).body)) as LatestPointer;
}
