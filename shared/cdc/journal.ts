/**
 * The journal: the rows changed since the last fold, in memory and as stored objects. Pure
 * encoding and bookkeeping; reading and writing the objects is `state-store.ts`.
 *
 * In memory, the journal is an append-only log of segments (one per committed batch, or per
 * segment read back), their rows packed into one growing Int32Array, with an index of each key's
 * newest change: a lookup is one map access however many batches the journal holds, and adding a
 * batch copies only its own rows. Consecutive versions of a partition's state share the log
 * between two folds: each {@link Overlay} sees a prefix of it (so a reader of an older state never
 * sees half a batch), and the index belongs to the newest one (an older overlay read after a newer
 * batch was added, which is rare, builds its own index from its prefix).
 *
 * Stored, a journal object is a list of segments (format /3). A batch writes one object of one
 * segment; the size-tiered merges (./compaction.ts) write the segments of the objects they merge
 * as one object, one after the other: a merge re-encodes rows (a memory copy and base64), without
 * de-duplicating them (a key changed in several merged batches is kept once per batch until the
 * fold, which is bounded by the fold threshold; the reader applies segments in order, the later
 * winning).
 */
import { readRowObject, rowObject, rowsOf } from './chunks.js';
import type { Row } from './layout.js';

/** Changed rows: the new row of a key, or null when it was deleted. */
export type Changes = ReadonlyMap<string, Row | null>;

/** The journal object format this code writes; /2 objects (one de-duplicated set of changes) are still read. */
export const JournalFormat = 'pipeline.cdc-journal/3';

/** One segment: the keys it sets (their rows packed in order) and the keys it deletes. */
export interface Segment {
  readonly upserted: readonly string[];
  /** `upserted.length * width` integers. */
  readonly data: Int32Array;
  readonly deleted: readonly string[];
}

/** The shared state of the overlays between two folds. */
interface Log {
  readonly width: number;
  /** Rows of every segment, appended. */
  arena: Int32Array;
  rows: number;
  /**
   * Per segment: its keys, where its rows start in the arena, its deleted keys, and the JSON of
   * its keys once made (kept until the fold, so that the merges that write it again copy bytes).
   */
  readonly segments: Array<{ readonly upserted: readonly string[]; readonly start: number; readonly deleted: readonly string[]; header?: Buffer }>;
  /** Arena row of each key's newest change; -1: deleted. Valid for `owner`'s prefix. */
  readonly index: Map<string, number>;
  owner: Overlay | undefined;
}

/**
 * The rows changed since the last fold, as one partition state sees them.
 *
 * @example
 * const overlay = Overlay.empty(width).with(new Map([['7', row]]));
 * overlay.get('7'); // row
 */
export class Overlay {
  /** The index of an overlay that is no longer the newest, built when it is read. */
  private ownIndex: Map<string, number> | undefined;

  private constructor(
    private readonly log: Log,
    /** How many of the log's segments this overlay sees. */
    readonly segments: number,
    /** Entries over its segments, a key counted once per segment (an upper bound of the distinct keys). */
    readonly entries: number,
  ) {}

  /** No changes. */
  static empty(width: number): Overlay {
    const overlay = new Overlay({ width, arena: new Int32Array(0), rows: 0, segments: [], index: new Map(), owner: undefined }, 0, 0);
    overlay.log.owner = overlay;
    return overlay;
  }

  /**
   * The overlay of segments read back, oldest first.
   *
   * @example
   * Overlay.of(decodeJournal(bytes, width), width);
   */
  static of(segments: Iterable<Segment>, width: number): Overlay {
    let overlay = Overlay.empty(width);
    for (const segment of segments) overlay = overlay.append(segment.upserted, segment.deleted, (arena, at, width) => arena.set(segment.data, at * width));
    return overlay;
  }

  /** Distinct keys changed. */
  get size(): number {
    return this.index().size;
  }

  /** The newest change of a key: its row, null when deleted, undefined when not changed. */
  get(key: string): Row | null | undefined {
    const at = this.index().get(key);
    if (at === undefined) return undefined;
    return at < 0 ? null : this.log.arena.subarray(at * this.log.width, (at + 1) * this.log.width);
  }

  has(key: string): boolean {
    return this.index().has(key);
  }

  /** Every key's newest change (rows are views of rows never overwritten: the journal only appends). */
  *changes(): IterableIterator<[string, Row | null]> {
    const { width } = this.log;
    for (const [key, at] of this.index()) yield [key, at < 0 ? null : this.log.arena.subarray(at * width, (at + 1) * width)];
  }

  /** Every key's newest change as where its row is in {@link rows} (-1: deleted), no row view made. */
  positions(): IterableIterator<[string, number]> {
    return this.index().entries();
  }

  /** The rows {@link positions} point into, row after row (only appended to: a position's row never changes). */
  rows(): Int32Array {
    return this.log.arena;
  }

  /**
   * This overlay with one more segment: `changes` (a row sets a key, null deletes it). The newest
   * overlay hands the shared log and its index on; an older one copies its prefix first.
   */
  with(changes: Changes): Overlay {
    const upserted: string[] = [];
    const rows: Row[] = [];
    const deleted: string[] = [];
    for (const [key, row] of changes) {
      if (row === null) {
        deleted.push(key);
      } else {
        upserted.push(key);
        rows.push(row);
      }
    }
    return this.append(upserted, deleted, (arena, at, width) => {
      for (const row of rows) arena.set(row, at++ * width);
    });
  }

  /**
   * Segments `from` to `to` (exclusive) as one stored journal object.
   *
   * @example
   * await store.put(key, overlay.encode(0, overlay.segments));
   */
  encode(from: number, to: number): Buffer {
    const { width, arena, segments } = this.log;
    const headers: Buffer[] = [Buffer.from(`{"format":"${JournalFormat}","width":${width},"segments":[`)];
    for (let i = from; i < to; i++) {
      const segment = segments[i]!;
      if (i > from) headers.push(COMMA);
      headers.push((segment.header ??= Buffer.from(`{"keys":${JSON.stringify(segment.upserted)},"deleted":${JSON.stringify(segment.deleted)}}`)));
    }
    headers.push(END);
    // consecutive segments' rows are consecutive in the arena
    const last = segments[to - 1];
    const rows = from >= to ? new Int32Array(0) : arena.subarray(segments[from]!.start * width, (last!.start + last!.upserted.length) * width);
    return rowObject(Buffer.concat(headers), [rows]);
  }

  /** Entries of segments `from` to `to` (exclusive), a key counted once per segment. */
  entriesOf(from: number, to: number): number {
    let entries = 0;
    for (const segment of this.log.segments.slice(from, to)) entries += segment.upserted.length + segment.deleted.length;
    return entries;
  }

  /** Appends a segment whose rows `write` puts into the arena from row `at`. */
  private append(upserted: readonly string[], deleted: readonly string[], write: (arena: Int32Array, at: number, width: number) => void): Overlay {
    const log = this.tip();
    const { width } = log;
    const start = log.rows;
    const needed = (start + upserted.length) * width;
    if (needed > log.arena.length) {
      // grown by doubling: older overlays keep reading their rows, which the copy carries over
      const grown = new Int32Array(Math.max(needed, 2 * log.arena.length, 1024 * width));
      grown.set(log.arena.subarray(0, start * width));
      log.arena = grown;
    }
    write(log.arena, start, width);
    log.rows += upserted.length;
    log.segments.push({ upserted, start, deleted });
    for (let i = 0; i < upserted.length; i++) log.index.set(upserted[i]!, start + i);
    for (const key of deleted) log.index.set(key, -1);
    const next = new Overlay(log, this.segments + 1, this.entries + upserted.length + deleted.length);
    log.owner = next;
    return next;
  }

  /** The log to append to: the shared one when this overlay is its newest, else a copy of this prefix. */
  private tip(): Log {
    const { log } = this;
    if (log.owner === this) return log;
    const copy: Log = { width: log.width, arena: log.arena.slice(0, this.rowsSeen() * log.width), rows: this.rowsSeen(), segments: log.segments.slice(0, this.segments), index: new Map(this.index()), owner: undefined };
    return copy;
  }

  private rowsSeen(): number {
    const last = this.log.segments[this.segments - 1];
    return last === undefined ? 0 : last.start + last.upserted.length;
  }

  private index(): ReadonlyMap<string, number> {
    if (this.log.owner === this) return this.log.index;
    if (this.ownIndex === undefined) {
      const index = new Map<string, number>();
      for (const segment of this.log.segments.slice(0, this.segments)) {
        segment.upserted.forEach((key, i) => index.set(key, segment.start + i));
        for (const key of segment.deleted) index.set(key, -1);
      }
      this.ownIndex = index;
    }
    return this.ownIndex;
  }
}

/**
 * Reads a stored journal object (/3, or /2 as one segment) as its segments, oldest first.
 * Throws a RangeError naming `source` when it is not one.
 *
 * @example
 * decodeJournal(overlay.encode(0, 1), width).length; // 1
 */
export function decodeJournal(bytes: Uint8Array, width: number, source = 'journal'): Segment[] {
  const { header, rows } = readRowObject(bytes, source);
  const parsed = header as { format?: unknown; width?: unknown; segments?: unknown; keys?: unknown; data?: unknown; deleted?: unknown };
  if (parsed.width !== width) throw new RangeError(`${source} is not a CDC journal of width ${width}`);
  if (parsed.format === 'pipeline.cdc-journal/2' && isStrings(parsed.keys) && typeof parsed.data === 'string' && isStrings(parsed.deleted)) {
    // the format before segments: one de-duplicated set of changes, rows in base64
    return [{ upserted: parsed.keys, data: rowsOf(Buffer.from(parsed.data, 'base64'), parsed.keys.length, width, source), deleted: parsed.deleted }];
  }
  if (parsed.format !== JournalFormat || !Array.isArray(parsed.segments)) throw new RangeError(`${source} is not a CDC journal of width ${width}`);
  const segments: Segment[] = [];
  let at = 0;
  let total = 0;
  for (const segment of parsed.segments as Array<{ keys?: unknown; deleted?: unknown }>) {
    if (!isStrings(segment?.keys) || !isStrings(segment.deleted)) throw new RangeError(`${source}: segment ${segments.length} is not a list of changes`);
    total += segment.keys.length;
  }
  const data = rowsOf(rows, total, width, source);
  for (const segment of parsed.segments as Array<{ keys: string[]; deleted: string[] }>) {
    segments.push({ upserted: segment.keys, data: data.subarray(at * width, (at + segment.keys.length) * width), deleted: segment.deleted });
    at += segment.keys.length;
  }
  return segments;
}

const COMMA = Buffer.from(',');
const END = Buffer.from(']}');

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
