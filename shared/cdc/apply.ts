/**
 * The CDC core: applies a partition's change events to its table and statistics. Pure: the
 * current rows come in through a lookup, the result says what changed.
 *
 * Semantics (per key, in offset order):
 * - an event at or below the last applied offset is skipped (a redelivery or replay), unless it
 *   falls in a gap: offsets below the last applied one that were never delivered (a batch given
 *   up upstream, skipped by an operator, gone by retention). A batch whose first record lies
 *   past the last applied offset + 1 opens one; a batch that spans it fills it;
 * - `c`, `r`, `u` set the row to the after image: the old row's contribution is taken out (looked
 *   up in the state, so a missing before image does not matter) and the new one put in. `c` or `r`
 *   of an existing key and `u` of a missing one are upserts, so a re-sent event changes nothing;
 * - `d` removes the row; `d` of a missing key does nothing;
 * - a tombstone (null value) does nothing; a malformed event is dead-lettered with its reason;
 * - while a gap is open, the offset of each key's last change above it is kept: an event that
 *   fills the gap late changes its key only if no later change of that key was applied, so the
 *   table ends as if every event had come in order.
 * Every event, whatever it did, advances the last applied offset.
 */
import type { ChangeEvent } from './events.js';
import type { ExactStats } from './exact-stats.js';
import type { Row } from './layout.js';
import type { Gap } from './state-manifest.js';

/** A partition's state as the core sees it. */
export interface PartitionView {
  readonly stats: ExactStats;
  /** Offset of the last event applied; -1 before the first. */
  readonly lastOffset: number;
  /** The current row of a key, before this batch. */
  readonly lookup: (key: string) => Row | undefined;
  /** Offsets below `lastOffset` never delivered, oldest first, disjoint. @default none */
  readonly gaps?: readonly Gap[];
  /** While a gap is open: the offset of each key's last change above the oldest gap. @default none */
  readonly keyOffsets?: ReadonlyMap<string, number>;
}

/** An event the partition could not use, and why. */
export interface Rejected {
  readonly offset: number;
  readonly key: string | null;
  readonly reason: string;
}

export interface ApplyResult {
  /** The statistics after the batch (a new object; the input is untouched). */
  readonly stats: ExactStats;
  readonly lastOffset: number;
  /** The new row of each key the batch touched; null for a deleted one. */
  readonly changes: ReadonlyMap<string, Row | null>;
  readonly counts: {
    readonly applied: number;
    readonly skipped: number;
    readonly deadLettered: number;
    /** Of the applied: events that filled a gap late and found a later change of their key applied already. */
    readonly superseded: number;
  };
  readonly rejected: readonly Rejected[];
  /** The gaps after the batch. */
  readonly gaps: readonly Gap[];
  /** The key offsets after the batch (empty once no gap is open). */
  readonly keyOffsets: ReadonlyMap<string, number>;
}

/** The offsets a batch of consecutive records of the log spans: between two of its records there is no other record. */
export interface Span {
  readonly first: number;
  readonly last: number;
}

/**
 * Whether `offset` lies in one of `gaps`.
 *
 * @example
 * inGaps([[10, 19]], 12); // true
 */
export function inGaps(gaps: readonly Gap[], offset: number): boolean {
  for (const [first, last] of gaps) if (offset >= first && offset <= last) return true;
  return false;
}

/**
 * The gaps after a batch that spans `span`, on a partition whose last applied offset was
 * `lastOffset`: a span that starts past `lastOffset + 1` opens a gap before it, and every offset
 * of the span is known afterwards (delivered, or not a record: consecutive records of a batch have
 * no record between them).
 *
 * @example
 * gapsAfter([], 9, { first: 20, last: 29 }); // [[10, 19]]
 * gapsAfter([[10, 19]], 29, { first: 10, last: 19 }); // []
 */
export function gapsAfter(gaps: readonly Gap[], lastOffset: number, span: Span | undefined): Gap[] {
  const opened: Gap[] = span !== undefined && span.first > lastOffset + 1 ? [[lastOffset + 1, span.first - 1]] : [];
  const out: Gap[] = [];
  for (const [first, last] of [...gaps, ...opened]) {
    if (span === undefined || last < span.first || first > span.last) out.push([first, last]);
    else {
      if (first < span.first) out.push([first, span.first - 1]);
      if (last > span.last) out.push([span.last + 1, last]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Applies events (in offset order) to a partition's state. `span` is the offsets the batch's
 * records span (all of them, malformed ones too); without it the batch neither opens nor fills a
 * gap.
 *
 * @example
 * const result = applyChanges({ stats, lastOffset: 41, lookup: (key) => rows.get(key) }, events, { first: 42, last: 99 });
 * result.lastOffset; // offset of the last event of the batch
 */
export function applyChanges(view: PartitionView, events: readonly ChangeEvent[], span?: Span): ApplyResult {
  const stats = view.stats.clone();
  const changes = new Map<string, Row | null>();
  const rejected: Rejected[] = [];
  const before = view.gaps ?? [];
  const gaps = gapsAfter(before, view.lastOffset, span);
  // offsets of keys are kept while any gap is (or was, during this batch) open
  const tracking = before.length > 0 || gaps.length > 0;
  const keyOffsets = new Map(tracking ? (view.keyOffsets ?? []) : []);
  let lastOffset = view.lastOffset;
  let applied = 0;
  let skipped = 0;
  let superseded = 0;
  const current = (key: string): Row | undefined => {
    const changed = changes.get(key);
    return changed === undefined ? view.lookup(key) : (changed ?? undefined);
  };

  for (const event of events) {
    const late = event.offset <= view.lastOffset;
    if (event.offset <= lastOffset && !(late && inGaps(before, event.offset))) {
      skipped++;
      continue;
    }
    if (!late) lastOffset = event.offset;
    if (event.kind === 'malformed') {
      rejected.push({ offset: event.offset, key: event.key, reason: event.reason });
      continue;
    }
    applied++;
    if (event.kind === 'tombstone') continue;
    if (tracking) {
      // a change that fills a gap late never undoes a later change of its key
      if ((keyOffsets.get(event.key) ?? -1) > event.offset) {
        superseded++;
        continue;
      }
      keyOffsets.set(event.key, event.offset);
    }
    const old = current(event.key);
    if (event.kind === 'delete') {
      if (old === undefined) continue;
      stats.remove(old);
      changes.set(event.key, null);
      continue;
    }
    if (old !== undefined && sameRow(old, event.row)) continue;
    if (old !== undefined) stats.update(old, event.row);
    else stats.add(event.row);
    changes.set(event.key, event.row);
  }
  // only changes above the oldest open gap can meet a late one
  const oldest = gaps[0]?.[0];
  if (oldest === undefined) keyOffsets.clear();
  else for (const [key, offset] of keyOffsets) if (offset < oldest) keyOffsets.delete(key);
  return { stats, lastOffset, changes, counts: { applied, skipped, deadLettered: rejected.length, superseded }, rejected, gaps, keyOffsets };
}

function sameRow(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
