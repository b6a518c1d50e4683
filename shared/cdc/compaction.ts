/**
 * When the CDC state's journal is compacted: pure decisions over sizes and levels, applied by the
 * state store (./state-store.ts).
 *
 * A batch's changes enter the journal as one object of level 0. Journal objects merge
 * size-tiered: `journalFanout` objects of one level at the tail become one of the next level, so
 * a change is rewritten about log_fanout(journal / batch) times. The journal is folded into the
 * chunks when it outgrows `max(foldMinEntries, rows * foldFraction)` entries, rewriting only the
 * chunks it touches: about 1/foldFraction rows per change, whatever the table's size.
 */

/** The compaction settings (see StateOptions for their defaults). */
export interface CompactionPolicy {
  readonly foldMinEntries: number;
  readonly foldFraction: number;
  readonly journalFanout: number;
  /** The newest two journal objects also merge while there are more than this many. */
  readonly journalMaxObjects: number;
}

/**
 * Whether a commit folds the journal (with the batch's changes) into the chunks.
 *
 * @example
 * shouldFold(policy, { journalEntries: 4000, batchEntries: 200, rows: 10_000 }); // true (4200 > max(4096, 2500))
 */
export function shouldFold(policy: CompactionPolicy, sizes: { readonly journalEntries: number; readonly batchEntries: number; readonly rows: number }): boolean {
  return sizes.journalEntries + sizes.batchEntries > Math.max(policy.foldMinEntries, Math.ceil(sizes.rows * policy.foldFraction));
}

/**
 * The merges a commit makes in the journal, in order: each number is how many objects at the tail
 * become one (of the highest level among them, plus one). `levels` are the journal's objects,
 * oldest first, the batch's new object (level 0) last.
 *
 * @example
 * journalMerges({ ...policy, journalFanout: 4 }, [1, 1, 1, 0, 0, 0, 0]); // [4, 4]: four 0s make a 1, then four 1s a 2
 */
export function journalMerges(policy: CompactionPolicy, levels: readonly number[]): number[] {
  const pieces = [...levels];
  const merges: number[] = [];
  for (;;) {
    const tail = pieces.slice(-policy.journalFanout);
    const full = tail.length === policy.journalFanout && tail.every((level) => level === tail[0]);
    if (!full && pieces.length <= policy.journalMaxObjects) return merges;
    const count = full ? tail.length : 2;
    const merged = pieces.splice(-count, count);
    pieces.push(Math.max(...merged) + 1);
    merges.push(count);
  }
}
