/**
 * The CDC core: applies a partition's change events to its table and statistics. Pure: the
 * current rows come in through a lookup, the result says what changed.
 *
 * Semantics (per key, in offset order):
 * - an event at or below the last applied offset is skipped (a redelivery or replay);
 * - `c`, `r`, `u` set the row to the after image: the old row's contribution is taken out (looked
 *   up in the state, so a missing before image does not matter) and the new one put in. `c` or `r`
 *   of an existing key and `u` of a missing one are upserts, so a re-sent event changes nothing;
 * - `d` removes the row; `d` of a missing key does nothing;
 * - a tombstone (null value) does nothing; a malformed event is dead-lettered with its reason.
 * Every event, whatever it did, advances the last applied offset.
 */
import type { ChangeEvent } from './events.js';
import type { ExactStats } from './exact-stats.js';
import type { Row } from './layout.js';

/** A partition's state as the core sees it. */
export interface PartitionView {
  readonly stats: ExactStats;
  /** Offset of the last event applied; -1 before the first. */
  readonly lastOffset: number;
  /** The current row of a key, before this batch. */
  readonly lookup: (key: string) => Row | undefined;
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
  readonly counts: { readonly applied: number; readonly skipped: number; readonly deadLettered: number };
  readonly rejected: readonly Rejected[];
}

/**
 * Applies events (in offset order) to a partition's state.
 *
 * @example
 * const result = applyChanges({ stats, lastOffset: 41, lookup: (key) => rows.get(key) }, events);
 * result.lastOffset; // offset of the last event of the batch
 */
export function applyChanges(view: PartitionView, events: readonly ChangeEvent[]): ApplyResult {
  const stats = view.stats.clone();
  const changes = new Map<string, Row | null>();
  const rejected: Rejected[] = [];
  let lastOffset = view.lastOffset;
  let applied = 0;
  let skipped = 0;
  const current = (key: string): Row | undefined => {
    const changed = changes.get(key);
    return changed === undefined ? view.lookup(key) : (changed ?? undefined);
  };

  for (const event of events) {
    if (event.offset <= lastOffset) {
      skipped++;
      continue;
    }
    lastOffset = event.offset;
    if (event.kind === 'malformed') {
      rejected.push({ offset: event.offset, key: event.key, reason: event.reason });
      continue;
    }
    applied++;
    if (event.kind === 'tombstone') continue;
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
  return { stats, lastOffset, changes, counts: { applied, skipped, deadLettered: rejected.length }, rejected };
}

function sameRow(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
