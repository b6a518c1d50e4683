/**
 * A partition's CDC state in an object store, committed atomically: the thin store over the
 * checked documents (./state-manifest.ts), the compaction policy (./compaction.ts) and a
 * row-weighted cache of the immutable objects (./lru.ts).
 *
 * The manifest (`state/<topic>/manifests/<p>.json`) is the one mutable object: it holds the exact
 * statistics, the last applied offset, the counts, and the keys of the immutable objects that hold
 * the rows: the chunk index (which chunk holds which key-hash prefix; rewritten only by a fold, so
 * the manifest keeps a constant size however many chunks there are), the chunks (rows by key hash,
 * at most `chunkRows` each) and the journal (rows changed since the last fold). A commit writes
 * the new immutable objects under fresh keys, then swaps the manifest with If-Match on the ETag it
 * read: either the whole batch (statistics, rows and offset together) becomes visible or none of
 * it does, and a replay finds its offsets already applied. Objects the new manifest no longer
 * points to are deleted after the swap.
 *
 * Cost per batch: one journal object (the batch's changes) and the manifest, whatever the table's
 * size; the journal's merges and folds are the compaction policy's. Chunks and journals are
 * immutable, so they are cached by key (`cacheRows` rows): a warm function reads only the manifest
 * and what it has not seen.
 */
import { randomBytes } from 'node:crypto';
import { mapLimit } from '../concurrency.js';
import { NotFoundError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ApplyResult } from './apply.js';
import { Chunk, ChunkIndex, decodeChunk, encodeChunk, keyHash, splitRows } from './chunks.js';
import { journalMerges, shouldFold } from './compaction.js';
import { CorruptStateError, StaleStateError } from './errors.js';
import { ExactStats } from './exact-stats.js';
import { cdcKeys, type CdcKeys } from './keys.js';
import { LAYOUT, type Layout, type Row } from './layout.js';
import { decodeJournal, Overlay, type Changes, type Segment } from './journal.js';
import { WeightedLru } from './lru.js';
import {
  decodeChunkIndex,
  decodeKeyOffsets,
  decodeManifest,
  emptyManifest,
  EmptyChunkTable,
  encodeChunkIndex,
  encodeKeyOffsets,
  encodeManifest,
  ManifestFormat,
  type ChunkRef,
  type ChunkTable,
  type Gap,
  type JournalRef,
  type Manifest,
} from './state-manifest.js';

export type { ChunkRef, ChunkTable, Gap, JournalRef, Manifest } from './state-manifest.js';

/** Tuning of the state layout; the defaults suit tables from a thousand to millions of rows. */
export interface StateOptions {
  /** A chunk splits in two above this many rows. @default 2048 */
  readonly chunkRows?: number;
  /** The journal is folded into the chunks above max(this, rows * foldFraction) entries. @default 4096 */
  readonly foldMinEntries?: number;
  /**
   * Each fold rewrites the whole table (every chunk holds some of the journal's keys), so a change
   * costs about 1/foldFraction rows rewritten; the journal a cold start reads grows with it.
   * @default 1/2
   */
  readonly foldFraction?: number;
  /**
   * Journal objects merge size-tiered: `journalFanout` objects of one level into one of the next,
   * so a change is rewritten about log_fanout(journal / batch) times. @default 4
   */
  readonly journalFanout?: number;
  /** The newest two journal objects also merge while there are more than this many. @default 32 */
  readonly journalMaxObjects?: number;
  /** Rows of chunks and journals kept in memory across batches (about 200 bytes each). @default 2,500,000 */
  readonly cacheRows?: number;
  /** Parallel object reads and writes. @default 16 */
  readonly concurrency?: number;
}

export const StateDefaults = {
  chunkRows: 2048,
  foldMinEntries: 4096,
  foldFraction: 1 / 2,
  journalFanout: 4,
  journalMaxObjects: 32,
  cacheRows: 2_500_000,
  concurrency: 16,
} as const satisfies Required<StateOptions>;

/** A partition's state as read: the manifest, its ETag, statistics, and the journal's rows. */
export interface PartitionState {
  readonly manifest: Manifest;
  /** While a gap is open: the offset of each key's last change above it (see apply.ts). */
  readonly keyOffsets: ReadonlyMap<string, number>;
  /** undefined: no manifest exists yet (the first commit writes with If-None-Match). */
  readonly etag: string | undefined;
  readonly stats: ExactStats;
  /** The chunk index read back. */
  readonly chunks: ChunkTable;
  /** Rows changed since the last fold (null: deleted): the journal read back, or as this process wrote it. */
  readonly overlay: Overlay;
  /** How many of the overlay's segments each journal object of the manifest holds, in order. */
  readonly journalSpans: readonly number[];
}

/** A record the partition could not use, as written to the dead-letter location. */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly reason: string;
  /** The value as text when it is UTF-8, else null (see valueBase64). */
  readonly value: string | null;
  readonly valueBase64?: string;
}

type Cached = Chunk | ChunkTable | ReadonlyMap<string, number>;

/**
 * Reads and commits partitions' CDC state through an {@link ObjectStore}: the state of one model
 * for the records of one event log (`log`, shared/names.ts), kept apart from every other log's.
 *
 * @example
 * const states = new CdcStateStore(store, 'response', 'kafka.q1w2');
 * const state = await states.load('customer_updates', 0);
 * const lookup = await states.lookup(state, ['5524']);
 * const result = applyChanges({ stats: state.stats, lastOffset: state.manifest.lastOffset, lookup }, events);
 * await states.commit(state, result, []);
 */
export class CdcStateStore {
  readonly keys: CdcKeys;
  private readonly options: Required<StateOptions>;
  private readonly cache: WeightedLru<Cached>;
  private readonly known = new Map<string, PartitionState>();
  /** Per partition, deletions of superseded objects still running (see commit). */
  private readonly deleting = new Map<string, Promise<void>>();

  constructor(
    readonly store: ObjectStore,
    readonly modelName: string,
    readonly log: string,
    options: StateOptions = {},
    readonly layout: Layout = LAYOUT,
  ) {
    this.keys = cdcKeys(modelName, log);
    this.options = { ...StateDefaults, ...options };
    this.cache = new WeightedLru(this.options.cacheRows);
  }

  /**
   * A partition's state: the last one this process read or committed, or (with `fresh`, or the
   * first time) the stored one. A stale answer is harmless: its commit fails on If-Match.
   */
  async load(topic: string, partition: number, { fresh = false } = {}): Promise<PartitionState> {
    const id = `${topic}/${partition}`;
    const known = this.known.get(id);
    if (known !== undefined && !fresh) return known;
    const key = this.keys.manifest(topic, partition);
    let state: PartitionState;
    try {
      const got = await this.store.get(key);
      state = await this.open(decodeManifest(key, got.body, { topic, log: this.log, partition, features: this.layout.features.map((f) => f.name) }), got.etag);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      state = this.empty(topic, partition);
    }
    this.known.set(id, state);
    return state;
  }

  /** Forgets what this process knows of a partition (after a lost race), so the next load reads it. */
  forget(topic: string, partition: number): void {
    this.known.delete(`${topic}/${partition}`);
  }

  /** Every partition of a topic that has state, freshly read, in partition order. */
  async loadAll(topic: string): Promise<PartitionState[]> {
    const partitions = await this.listPartitions(topic);
    return mapLimit(partitions, this.options.concurrency, (p) => this.load(topic, p, { fresh: true }));
  }

  /**
   * The topic's partitions for a model publish, cheaply: what this process knows, re-read only
   * where `atLeast` (the state versions of the stored model) is ahead of it, or where this process
   * knows nothing. The partition list is read once per process; a partition created later by
   * another process shows up in the stored model's state versions once its writer has published.
   */
  async partitionsFor(topic: string, atLeast: Readonly<Record<string, number>> = {}): Promise<PartitionState[]> {
    let listed = this.listed.get(topic);
    if (listed === undefined) this.listed.set(topic, (listed = new Set(await this.listPartitions(topic))));
    const ids = new Set([...listed, ...Object.keys(atLeast).map(Number)]);
    for (const id of this.known.keys()) if (id.startsWith(`${topic}/`)) ids.add(Number(id.slice(topic.length + 1)));
    const states = await mapLimit([...ids].sort((a, b) => a - b), this.options.concurrency, async (p) => {
      const known = this.known.get(`${topic}/${p}`);
      const stale = known === undefined || known.etag === undefined || (atLeast[String(p)] ?? -1) > known.manifest.version;
      return stale ? this.load(topic, p, { fresh: true }) : known;
    });
    return states.filter((state) => state.etag !== undefined);
  }

  private readonly listed = new Map<string, Set<number>>();

  private async listPartitions(topic: string): Promise<number[]> {
    return (await this.store.list(this.keys.manifests(topic)))
      .map((o) => /\/(\d+)\.json$/.exec(o.key)?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * A lookup of the current rows of `keys` (reading the chunks that hold them), for the core.
   * Keys not asked for answer from what happens to be loaded, or undefined.
   */
  async lookup(state: PartitionState, keys: Iterable<string>): Promise<(key: string) => Row | undefined> {
    const { chunks, overlay } = state;
    const index = this.index(chunks);
    // each key asked for is looked up once: in the journal, else in its chunk; a chunk in the
    // cache answers at once (a batch's keys fall in most chunks: waiting on each was a third of
    // the lookup), the others are read first, each once. null marks a key that has no row
    const found = new Map<string, Row | null>();
    const loaded = new Map<string, Chunk>();
    const toRead = new Map<string, string[]>();
    for (const key of keys) {
      const changed = overlay.get(key);
      if (changed !== undefined) {
        found.set(key, changed);
        continue;
      }
      const hash = keyHash(key);
      const chunkKey = chunks[index.findHash(hash) ?? index.find(key)]?.key;
      if (chunkKey === null || chunkKey === undefined) {
        found.set(key, null);
        continue;
      }
      const chunk = loaded.get(chunkKey) ?? this.cached(chunkKey, loaded);
      if (chunk !== undefined) {
        found.set(key, chunk.get(key, hash) ?? null);
        continue;
      }
      const wanted = toRead.get(chunkKey);
      if (wanted === undefined) toRead.set(chunkKey, [key]);
      else wanted.push(key);
    }
    await mapLimit([...toRead], this.options.concurrency, async ([chunkKey, wanted]) => {
      const chunk = await this.chunk(chunkKey);
      loaded.set(chunkKey, chunk);
      for (const key of wanted) found.set(key, chunk.get(key) ?? null);
    });
    return (key) => {
      const row = found.get(key);
      if (row !== undefined) return row ?? undefined;
      const changed = overlay.get(key);
      if (changed !== undefined) return changed ?? undefined;
      const ref = chunks[index.find(key)];
      return ref?.key ? loaded.get(ref.key)?.get(key) : undefined;
    };
  }

  /** A chunk from the cache, noted in `loaded`; undefined when it is not cached. */
  private cached(chunkKey: string, loaded: Map<string, Chunk>): Chunk | undefined {
    const chunk = this.cache.get(chunkKey) as Chunk | undefined;
    if (chunk !== undefined) loaded.set(chunkKey, chunk);
    return chunk;
  }

  /**
   * Commits a batch's result: dead letters, then the new immutable objects, then the manifest with
   * If-Match (If-None-Match for the first). Throws ConflictError when another writer got there
   * first; then nothing this commit wrote is referenced, and the caller re-reads and re-applies.
   * Resolves to the new state (the input state must not be used again).
   */
  async commit(state: PartitionState, result: ApplyResult, deadLetters: readonly DeadLetter[]): Promise<PartitionState> {
    const { manifest } = state;
    const id = `${manifest.topic}/${manifest.partition}`;
    // a partition's commits wait for its own deletions only: partitions served side by side do not queue behind each other's
    await this.deleting.get(id);
    if (result.lastOffset === manifest.lastOffset && sameGaps(result.gaps, manifest.gaps)) return state;
    const { topic, partition } = manifest;
    const version = manifest.version + 1;
    const width = this.layout.width + 1;
    await mapLimit(deadLetters, this.options.concurrency, (letter) =>
      this.store.put(this.keys.deadLetter(topic, partition, letter.offset), `${JSON.stringify({ format: 'pipeline.cdc-dead-letter/1', ...letter }, null, 2)}\n`, {
        contentType: 'application/json',
      }),
    );

    let chunks = state.chunks;
    let chunkIndex = manifest.chunkIndex;
    let journal: JournalRef[] = [...manifest.journal];
    let journalSpans = state.journalSpans;
    let overlay = state.overlay;
    const superseded: string[] = [];
    const rows = result.stats.count();
    if (shouldFold(this.options, { journalEntries: overlay.entries, batchEntries: result.changes.size, rows })) {
      ({ chunks, chunkIndex } = await this.fold(state, result.changes, version, superseded));
      if (manifest.chunkIndex.key !== null) superseded.push(manifest.chunkIndex.key);
      superseded.push(...journal.map((j) => j.key));
      journal = [];
      journalSpans = [];
      overlay = Overlay.empty(width);
    } else if (result.changes.size > 0) {
      // the batch's changes become the journal's newest segment, in an object of level 0; the
      // policy says which tail objects merge (size-tiered), their segments written as one object
      overlay = overlay.with(result.changes);
      const pieces: Array<{ ref: JournalRef | undefined; level: number; segments: number }> = journal.map((ref, i) => ({ ref, level: ref.level ?? 0, segments: journalSpans[i]! }));
      pieces.push({ ref: undefined, level: 0, segments: 1 });
      for (const count of journalMerges(this.options, pieces.map((p) => p.level))) {
        const merging = pieces.splice(-count, count);
        pieces.push({ ref: undefined, level: Math.max(...merging.map((p) => p.level)) + 1, segments: merging.reduce((sum, p) => sum + p.segments, 0) });
        for (const { ref } of merging) if (ref !== undefined) superseded.push(ref.key);
      }
      let from = 0;
      const placed = pieces.map((piece) => ({ ...piece, from: (from += piece.segments) - piece.segments }));
      const next = overlay;
      journal = await mapLimit(placed, this.options.concurrency, async (piece) => piece.ref ?? (await this.writeJournal(topic, partition, version, next, piece)));
      journalSpans = pieces.map((p) => p.segments);
    }

    let keyOffsets = manifest.keyOffsets;
    if (!sameOffsets(result.keyOffsets, state.keyOffsets)) {
      if (manifest.keyOffsets.key !== null) superseded.push(manifest.keyOffsets.key);
      keyOffsets = result.keyOffsets.size === 0 ? { key: null, entries: 0 } : await this.writeKeyOffsets(topic, partition, version, result.keyOffsets);
    }

    const next: Manifest = {
      format: ManifestFormat,
      topic,
      log: this.log,
      partition,
      version,
      lastOffset: result.lastOffset,
      gaps: result.gaps,
      keyOffsets,
      rows,
      counts: {
        applied: manifest.counts.applied + result.counts.applied,
        deadLettered: manifest.counts.deadLettered + result.counts.deadLettered,
      },
      features: manifest.features,
      stats: result.stats.toJSON(),
      chunkIndex,
      journal,
    };
    const key = this.keys.manifest(topic, partition);
    const { etag } = await this.store.put(key, encodeManifest(next), {
      ...(state.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: state.etag }),
      contentType: 'application/json',
    });
    const committed: PartitionState = { manifest: next, etag, stats: result.stats, chunks, overlay, journalSpans, keyOffsets: result.keyOffsets };
    this.known.set(`${topic}/${partition}`, committed);
    // what the new manifest no longer points to: no later manifest can point to it again, so its
    // deletion is garbage collection, left to run beside the model's publish instead of before it
    // (a delete that fails or never runs leaves an object `sweep` removes); the next commit waits for it
    for (const old of superseded) this.cache.delete(old);
    const previous = this.deleting.get(id) ?? Promise.resolve();
    this.deleting.set(id, previous.then(() => mapLimit(superseded, this.options.concurrency, (old) => this.store.delete(old).catch(() => undefined))).then(() => undefined));
    return committed;
  }

  /** Every `[key, row]` of the partition's table (chunks read as needed; the journal wins). */
  async *rows(state: PartitionState): AsyncGenerator<[string, Row]> {
    const refs = Object.values(state.chunks).filter((r): r is { key: string; rows: number } => r.key !== null);
    const step = this.options.concurrency;
    const { overlay } = state;
    for (let i = 0; i < refs.length; i += step) {
      const chunks = await Promise.all(refs.slice(i, i + step).map((r) => this.chunk(r.key)));
      for (const chunk of chunks) {
        for (const entry of chunk.entries()) if (!overlay.has(entry[0])) yield entry;
      }
    }
    for (const [key, row] of overlay.changes()) if (row !== null) yield [key, row];
  }

  /**
   * Deletes the partition's objects that no manifest can point to again: not in the current
   * manifest and written by a version at or below it (a lost race or a crash before the swap leaves
   * such objects; later commits only write above the current version). Resolves to their number.
   */
  async sweep(topic: string, partition: number): Promise<number> {
    const state = await this.load(topic, partition, { fresh: true });
    const live = new Set<string>(
      [state.manifest.chunkIndex.key, state.manifest.keyOffsets.key, ...Object.values(state.chunks).map((c) => c.key), ...state.manifest.journal.map((j) => j.key)].filter(
        (k): k is string => k !== null,
      ),
    );
    const dead = (await this.store.list(this.keys.partitionPrefix(topic, partition)))
      .map((o) => o.key)
      .filter((key) => !live.has(key) && Number(/\/(\d+)-[0-9a-f]+\.(json|bin)$/.exec(key)?.[1] ?? Infinity) <= state.manifest.version);
    await mapLimit(dead, this.options.concurrency, (key) => this.store.delete(key));
    return dead.length;
  }

  /** The current row of one key, or undefined. */
  async get(state: PartitionState, key: string): Promise<Row | undefined> {
    return (await this.lookup(state, [key]))(key);
  }

  private empty(topic: string, partition: number): PartitionState {
    const stats = new ExactStats(this.layout.width);
    const manifest = emptyManifest({ topic, log: this.log, partition, features: this.layout.features.map((f) => f.name) }, stats.toJSON());
    return { manifest, etag: undefined, stats, chunks: EmptyChunkTable, overlay: Overlay.empty(this.layout.width + 1), journalSpans: [], keyOffsets: new Map() };
  }

  private async open(manifest: Manifest, etag: string): Promise<PartitionState> {
    let stats: ExactStats;
    try {
      stats = ExactStats.fromJSON(this.layout.width, manifest.stats);
    } catch (error) {
      throw new CorruptStateError(this.keys.manifest(manifest.topic, manifest.partition), (error as Error).message, { cause: error });
    }
    const [chunks, journals, keyOffsets] = await Promise.all([
      manifest.chunkIndex.key === null ? EmptyChunkTable : this.chunkTable(manifest.chunkIndex.key),
      mapLimit(manifest.journal, this.options.concurrency, (j) => this.journal(j.key)),
      manifest.keyOffsets.key === null ? new Map<string, number>() : this.keyOffsetsAt(manifest.keyOffsets.key),
    ]);
    return { manifest, etag, stats, chunks, overlay: Overlay.of(journals.flat(), this.layout.width + 1), journalSpans: journals.map((segments) => segments.length), keyOffsets };
  }

  /**
   * Folds layers of changes (oldest first, a later one winning) into the chunks that hold their
   * keys, and writes the new chunk index: it names every chunk, so it is written as soon as the
   * last one is named, beside the chunk writes still running (one round trip less before the
   * manifest, which is written after both).
   */
  private async fold(state: PartitionState, batch: Changes, version: number, superseded: string[]): Promise<{ chunks: ChunkTable; chunkIndex: Manifest['chunkIndex'] }> {
    const { topic, partition } = state.manifest;
    const width = this.layout.width + 1;
    const index = this.index(state.chunks);
    // the journal's newest changes with the batch's, grouped by chunk as keys, hashes and
    // positions in the journal's rows: no map or row view per change (views of the whole journal,
    // held through the fold's writes, outlived the young generation and cost the collector more
    // than the merge itself); the merge copies each row into the new chunk's stored bytes
    const journal = state.overlay.with(batch);
    const groups = new Map<string, { keys: string[]; hashes: number[]; at: number[] }>();
    for (const [key, at] of journal.positions()) {
      const hash = keyHash(key);
      const prefix = index.findHash(hash) ?? index.find(key);
      let group = groups.get(prefix);
      if (group === undefined) groups.set(prefix, (group = { keys: [], hashes: [], at: [] }));
      group.keys.push(key);
      group.hashes.push(hash);
      group.at.push(at);
    }
    const rows = journal.rows();
    const chunks: Record<string, ChunkRef> = { ...state.chunks };
    let unnamed = groups.size;
    let chunkIndex: Promise<Manifest['chunkIndex']> | undefined;
    const writeIndex = () => {
      chunkIndex = this.writeChunkTable(topic, partition, version, chunks);
      // awaited below; marked handled so that a chunk write failing first leaves no unhandled rejection
      chunkIndex.catch(() => undefined);
    };
    await mapLimit([...groups], this.options.concurrency, async ([prefix, group]) => {
      const ref = state.chunks[prefix]!;
      const base = ref.key === null ? Chunk.empty(width) : await this.chunk(ref.key);
      const merged = base.merge({ keys: group.keys, hashes: Uint32Array.from(group.hashes), at: Int32Array.from(group.at), rows });
      // a chunk over its size splits by the next bits of the key hashes (rare: the slow path is fine)
      const parts = merged.size <= this.options.chunkRows ? new Map([[prefix, merged]]) : new Map([...splitRows(prefix, new Map(merged.entries()), this.options.chunkRows)].map(([bits, part]) => [bits, Chunk.of(part, width)]));
      delete chunks[prefix];
      const writes: Array<{ key: string; bytes: Buffer; chunk: Chunk }> = [];
      for (const [bits, chunk] of parts) {
        if (chunk.size === 0) {
          chunks[bits] = { key: null, rows: 0 };
          continue;
        }
        const bytes = encodeChunk(chunk);
        const key = this.keys.chunk(topic, partition, bits, version, uniqueName());
        chunks[bits] = { key, rows: chunk.size };
        writes.push({ key, bytes, chunk });
      }
      if (ref.key !== null) superseded.push(ref.key);
      if (--unnamed === 0) writeIndex();
      for (const { key, bytes, chunk } of writes) {
        await this.store.put(key, bytes, { contentType: 'application/octet-stream' });
        this.remember(key, chunk, chunk.size);
      }
    });
    if (chunkIndex === undefined) writeIndex();
    return { chunks, chunkIndex: await chunkIndex! };
  }

  /** Writes segments `from` to `from + segments` of `overlay` as one journal object. */
  private async writeJournal(topic: string, partition: number, version: number, overlay: Overlay, piece: { from: number; segments: number; level: number }): Promise<JournalRef> {
    const bytes = overlay.encode(piece.from, piece.from + piece.segments);
    const key = this.keys.journal(topic, partition, version, uniqueName());
    await this.store.put(key, bytes, { contentType: 'application/octet-stream' });
    return { key, entries: overlay.entriesOf(piece.from, piece.from + piece.segments), level: piece.level };
  }

  private async writeChunkTable(topic: string, partition: number, version: number, chunks: ChunkTable): Promise<Manifest['chunkIndex']> {
    const bytes = Buffer.from(encodeChunkIndex(chunks));
    const key = this.keys.chunkIndex(topic, partition, version, uniqueName());
    await this.store.put(key, bytes, { contentType: 'application/json' });
    this.remember(key, chunks, 0);
    return { key, chunks: Object.keys(chunks).length };
  }

  private async writeKeyOffsets(topic: string, partition: number, version: number, offsets: ReadonlyMap<string, number>): Promise<Manifest['keyOffsets']> {
    const bytes = Buffer.from(encodeKeyOffsets(offsets));
    const key = this.keys.keyOffsets(topic, partition, version, uniqueName());
    await this.store.put(key, bytes, { contentType: 'application/json' });
    this.remember(key, offsets, offsets.size);
    return { key, entries: offsets.size };
  }

  private keyOffsetsAt(key: string): Promise<ReadonlyMap<string, number>> {
    return this.fetch(key, (bytes) => decodeKeyOffsets(key, bytes), (m) => m.size);
  }

  private chunkTable(key: string): Promise<ChunkTable> {
    return this.fetch(key, (bytes) => decodeChunkIndex(key, bytes), () => 0);
  }

  private chunk(key: string): Promise<Chunk> {
    return this.fetch(key, (bytes) => decodeChunk(bytes, this.layout.width + 1, key), (c) => c.size);
  }

  /** A journal object's segments, not cached: the overlay copies their rows into its own log, which a warm function keeps. */
  private journal(key: string): Promise<Segment[]> {
    return this.fetch(key, (bytes) => decodeJournal(bytes, this.layout.width + 1, key));
  }

  /** The object at `key`, decoded; kept in the cache when `weight` says what it weighs. */
  private async fetch<T extends Cached | Segment[]>(key: string, decode: (bytes: Uint8Array) => T, weight?: (value: T) => number): Promise<T> {
    const hit = weight === undefined ? undefined : (this.cache.get(key) as T | undefined);
    if (hit !== undefined) return hit;
    let body: Uint8Array;
    try {
      body = (await this.store.get(key)).body;
    } catch (error) {
      if (error instanceof NotFoundError) throw new StaleStateError(key, { cause: error });
      throw error;
    }
    let value: T;
    try {
      value = decode(body);
    } catch (error) {
      if (error instanceof CorruptStateError) throw error;
      throw new CorruptStateError(key, (error as Error).message, { cause: error });
    }
    if (weight !== undefined) this.remember(key, value as Cached, weight(value));
    return value;
  }

  private remember(key: string, value: Cached, weight: number): void {
    this.cache.set(key, value, weight);
  }

  private readonly indexes = new WeakMap<ChunkTable, ChunkIndex>();

  private index(chunks: ChunkTable): ChunkIndex {
    let index = this.indexes.get(chunks);
    if (index === undefined) this.indexes.set(chunks, (index = new ChunkIndex(Object.keys(chunks))));
    return index;
  }
}

/**
 * The unique part of an immutable object's name, so that racing writers of one version never
 * collide: 64 random bits (not security). Names were content hashes once; hashing every byte the
 * journal merges and folds write again cost more than the rest of writing them.
 */
const uniqueName = (): string => randomBytes(8).toString('hex');

function sameGaps(a: readonly Gap[], b: readonly Gap[]): boolean {
  return a.length === b.length && a.every((gap, i) => gap[0] === b[i]![0] && gap[1] === b[i]![1]);
}

function sameOffsets(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, offset] of a) if (b.get(key) !== offset) return false;
  return true;
}
