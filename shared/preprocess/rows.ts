import type { Column, CsvData } from '../csv/index.js';

/** What became of an input row. */
export const RowStatus = { kept: 0, quarantined: 1, duplicate: 2 } as const;

/** A quarantined row: where it is, why, and its text as in the file. */
export interface Reject {
  readonly line: number;
  /** A stable reason code (`implausible-age`, `not-a-number`...), the key of `quarantinedByReason`. */
  readonly code: string;
  readonly message: string;
  readonly raw: string;
}

/**
 * Accounts for every input row: kept, quarantined (with a reason) or removed as a duplicate. A row
 * leaves the kept set once, at the first rule that takes it, so the counts always add up.
 *
 * @example
 * const ledger = new RowLedger(data);
 * ledger.quarantine(3, 'implausible-age', 'age 120 is outside 16..100');
 * ledger.kept(); // Int32Array of the other rows, in file order
 */
export class RowLedger {
  readonly status: Uint8Array;
  readonly quarantinedByReason: Record<string, number> = {};
  duplicates = 0;
  private readonly data: CsvData;
  private readonly taken: { row: number; code: string; message: string }[] = [];

  constructor(data: CsvData) {
    this.data = data;
    this.status = new Uint8Array(data.rowCount);
  }

  get rowsIn(): number {
    return this.status.length;
  }

  get quarantined(): number {
    return this.taken.length;
  }

  isKept(row: number): boolean {
    return this.status[row] === RowStatus.kept;
  }

  quarantine(row: number, code: string, message: string): void {
    if (this.status[row] !== RowStatus.kept) return;
    this.status[row] = RowStatus.quarantined;
    this.taken.push({ row, code, message });
    this.quarantinedByReason[code] = (this.quarantinedByReason[code] ?? 0) + 1;
  }

  markDuplicate(row: number): void {
    if (this.status[row] !== RowStatus.kept) return;
    this.status[row] = RowStatus.duplicate;
    this.duplicates++;
  }

  /** Indices of the rows still kept, in file order. */
  kept(): Int32Array {
    let count = 0;
    for (let r = 0; r < this.status.length; r++) if (this.status[r] === RowStatus.kept) count++;
    const out = new Int32Array(count);
    let i = 0;
    for (let r = 0; r < this.status.length; r++) if (this.status[r] === RowStatus.kept) out[i++] = r;
    return out;
  }

  /** The quarantined rows in file order, with their raw text. */
  rejects(): Reject[] {
    return [...this.taken]
      .sort((a, b) => a.row - b.row)
      .map(({ row, code, message }) => ({ line: this.data.lines[row]!, code, message, raw: this.data.rawText(row) }));
  }

  /** Quarantines every row the reader could not read, with the reader's reason. */
  quarantineUnreadable(): void {
    for (const [row, error] of [...this.data.errors].sort((a, b) => a[0] - b[0])) this.quarantine(row, error.code, error.message);
  }
}

const mix = (h: number, x: number): number => {
  const m = Math.imul(h ^ x, 0x9e3779b1);
  return m ^ (m >>> 15);
};

/**
 * Rule "duplicates": among kept rows, a row equal to an earlier kept row on every one of
 * `columns` is marked a duplicate (the first in file order stays). Values are compared as typed
 * (so `58138` and `58138.0` are equal) and two missing values are equal.
 *
 * @example
 * markDuplicates(ledger, data.columns.filter((c) => c.name !== 'ID'));
 */
export function markDuplicates(ledger: RowLedger, columns: readonly Column[]): void {
  const rows = ledger.kept();
  const hashes = new Int32Array(rows.length);
  // column by column, one loop per element type, keeps each loop monomorphic
  for (const column of columns) {
    if (column.type === 'float') hashFloats(hashes, rows, column.values, column.nulls);
    else hashInts(hashes, rows, column.type === 'string' ? column.codes : column.values, column.nulls);
  }
  const slots = hashSlots(rows.length);
  const mask = slots.length - 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let slot = hashes[i]! & mask; ; slot = (slot + 1) & mask) {
      const j = slots[slot]!;
      if (j === -1) {
        slots[slot] = i;
        break;
      }
      if (hashes[j] === hashes[i] && sameRow(columns, rows[j]!, r)) {
        ledger.markDuplicate(r);
        break;
      }
    }
  }
}

/**
 * Quarantines each kept row whose `key` value an earlier kept row already has: the same key with
 * other values. The first stays, as with duplicates, so the key identifies one row downstream.
 *
 * @example
 * quarantineReusedKeys(ledger, ids, 'duplicate-id', (id) => `ID ${id} is used by an earlier row`);
 */
export function quarantineReusedKeys(ledger: RowLedger, keys: Int32Array, code: string, message: (key: number) => string): void {
  const rows = ledger.kept();
  const slots = hashSlots(rows.length);
  const mask = slots.length - 1;
  for (let i = 0; i < rows.length; i++) {
    const key = keys[rows[i]!]!;
    for (let slot = mix(0, key) & mask; ; slot = (slot + 1) & mask) {
      const j = slots[slot]!;
      if (j === -1) {
        slots[slot] = i;
        break;
      }
      if (keys[rows[j]!] === key) {
        ledger.quarantine(rows[i]!, code, message(key));
        break;
      }
    }
  }
}

/** An open-addressing table of at least twice `count` slots, all empty (-1). */
function hashSlots(count: number): Int32Array {
  let size = 16;
  while (size < count * 2) size *= 2;
  return new Int32Array(size).fill(-1);
}

const NULL_WORD = 0x5bd1e995;

function hashInts(hashes: Int32Array, rows: Int32Array, values: Int32Array, nulls: Uint8Array): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    hashes[i] = mix(hashes[i]!, nulls[r] === 1 ? NULL_WORD : values[r]!);
  }
}

function hashFloats(hashes: Int32Array, rows: Int32Array, values: Float64Array, nulls: Uint8Array): void {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    // -0 equals 0, so both hash as 0
    hashes[i] = nulls[r] === 1 ? mix(hashes[i]!, NULL_WORD) : values[r] === 0 ? mix(hashes[i]!, 0) : mix(mix(hashes[i]!, words[2 * r]!), words[2 * r + 1]!);
  }
}

function sameRow(columns: readonly Column[], a: number, b: number): boolean {
  for (const column of columns) {
    const nullA = column.nulls[a];
    if (nullA !== column.nulls[b]) return false;
    if (nullA === 1) continue;
    if (column.type === 'string' ? column.codes[a] !== column.codes[b] : column.values[a] !== column.values[b]) return false;
  }
  return true;
}
