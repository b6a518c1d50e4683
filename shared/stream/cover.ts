/** An inclusive offset range of one partition. */
export interface OffsetRange {
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/**
 * Chooses, among the offset ranges of one partition's partials, a set that covers every offset
 * any of them covers exactly once.
 *
 * Why: delivery is at-least-once, and a replayed batch is not always cut the same way. A handler
 * that wrote its partial and then failed is retried, bisected into halves that write their own
 * partials; an emulator that died after a handler returned but before it committed starts again
 * from the committed offset with a batch that may end elsewhere. Each partial is still the exact
 * summary of its own range (records at an offset never change), so any set of partials whose
 * ranges tile the covered offsets counts every record once. The successful invocations of the
 * last run always form such a tiling, so one exists; this finds one (deterministically: the
 * first path in offset order), or, if the ranges cannot be tiled, the largest prefix that can,
 * reporting the ranges it had to leave out.
 *
 * @example
 * chooseCover([{ firstOffset: 0, lastOffset: 99 }, { firstOffset: 0, lastOffset: 49 }, { firstOffset: 50, lastOffset: 149 }]);
 * // { chosen: [0-49, 50-149], uncovered: [] }
 */
export function chooseCover<T extends OffsetRange>(ranges: readonly T[]): { chosen: T[]; uncovered: T[] } {
  if (ranges.length === 0) return { chosen: [], uncovered: [] };
  const sorted = [...ranges].sort((a, b) => a.firstOffset - b.firstOffset || b.lastOffset - a.lastOffset);
  // the union of all ranges, as disjoint spans, to know where the gaps are
  const spans: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = spans[spans.length - 1];
    if (last !== undefined && r.firstOffset <= last[1] + 1) last[1] = Math.max(last[1], r.lastOffset);
    else spans.push([r.firstOffset, r.lastOffset]);
  }
  const startsAt = new Map<number, T[]>();
  for (const r of sorted) {
    const list = startsAt.get(r.firstOffset);
    if (list === undefined) startsAt.set(r.firstOffset, [r]);
    else list.push(r);
  }
  // positions are offsets at which a chosen range may start or end (next offset after it)
  const positions = [...new Set(sorted.flatMap((r) => [r.firstOffset, r.lastOffset + 1]))].sort((a, b) => a - b);
  // how each reachable position was reached: by a range ending just before it, or across a gap
  const via = new Map<number, T | 'start' | 'gap'>([[positions[0]!, 'start']]);
  const spanEnds = new Set(spans.map(([, end]) => end + 1));
  const spanStarts = spans.map(([start]) => start);
  for (const position of positions) {
    if (!via.has(position)) continue;
    for (const r of startsAt.get(position) ?? []) if (!via.has(r.lastOffset + 1)) via.set(r.lastOffset + 1, r);
    if (spanEnds.has(position)) {
      // nothing covers the offsets from here to the next span: jump to it
      const next = spanStarts.find((s) => s > position);
      if (next !== undefined && !via.has(next)) via.set(next, 'gap');
    }
  }
  let target = spans[spans.length - 1]![1] + 1;
  if (!via.has(target)) target = Math.max(...[...via.keys()]);
  const chosen: T[] = [];
  for (let position = target; ; ) {
    const step = via.get(position)!;
    if (step === 'start') break;
    if (step === 'gap') {
      position = spans.filter(([, end]) => end + 1 <= position).reduce((a, [, end]) => Math.max(a, end + 1), -Infinity);
      continue;
    }
    chosen.push(step);
    position = step.firstOffset;
  }
  chosen.reverse();
  const used = new Set<T>(chosen);
  const reached = (r: T) => r.lastOffset < target;
  const uncovered = sorted.filter((r) => !used.has(r) && !reached(r));
  return { chosen, uncovered };
}
