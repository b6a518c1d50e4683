/**
 * An independent fold of what was produced to a change topic: each partition's final table by the
 * plain semantics of the events (upsert the `after` image, delete on `d`), and the check that a
 * published model equals the from-scratch fit of those tables. The end-to-end tests use it.
 */
import { expect } from 'vitest';
import type { CdcMessage } from '../../data/generators/cdc.js';
import { encodeCustomer, ExactStats, fitFromStats, LAYOUT, type ModelDocument, type Row } from '../../shared/cdc/index.js';

/** A produced change message and where it landed. */
export interface Placed extends CdcMessage {
  readonly partition: number;
  readonly offset: number;
}

/** Each partition's final table by the plain semantics, straight from what was produced. */
export function finalTables(placed: readonly Placed[]): Map<number, Map<string, Row>> {
  const tables = new Map<number, Map<string, Row>>();
  for (const m of [...placed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    let table = tables.get(m.partition);
    if (table === undefined) tables.set(m.partition, (table = new Map()));
    if (m.kind === 'bad') continue;
    const event = JSON.parse(m.value!) as { op: string; after: Record<string, unknown> | null };
    if (event.op === 'd') table.delete(m.key!);
    else table.set(m.key!, (encodeCustomer(event.after!) as { row: Row }).row);
  }
  return tables;
}

const relativelyEqual = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

export function expectFromScratch(model: ModelDocument, tables: Map<number, Map<string, Row>>): void {
  const scratch = fitFromStats(ExactStats.of(LAYOUT.width, [...tables.values()].flatMap((t) => [...t.values()])));
  expect(model.rows).toBe(scratch.rows);
  expect(relativelyEqual(model.parameters.intercept, scratch.parameters.intercept)).toBe(true);
  model.parameters.coefficients.forEach((c, j) => expect(relativelyEqual(c, scratch.parameters.coefficients[j]!), LAYOUT.features[j]!.name).toBe(true));
  model.standardisation.mean.forEach((m, j) => expect(relativelyEqual(m, scratch.standardisation.mean[j]!)).toBe(true));
  model.standardisation.std.forEach((s, j) => expect(relativelyEqual(s, scratch.standardisation.std[j]!)).toBe(true));
}

