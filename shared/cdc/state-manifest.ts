/**
 * The CDC state's stored documents and their checked codec: the partition manifest (the one
 * mutable object of a partition's state) and the chunk index it points to. Every document read
 * back is checked against its zod schema, so a damaged or foreign object is a CorruptStateError
 * naming its key and what is wrong, never a value of the wrong shape inside the store.
 */
import { z } from 'zod';
import { CorruptStateError } from './errors.js';
import type { StatsJson } from './exact-stats.js';

/**
 * The format tag of the manifest this code writes and reads. /3 added the event log the state
 * belongs to, the gaps and the key offsets; /2 manifests live in the layout before sources were
 * recorded, which this code does not continue (docs/cdc.md).
 */
export const ManifestFormat = 'pipeline.cdc-state/3';
/** The format tag of the chunk index. */
export const ChunkIndexFormat = 'pipeline.cdc-chunk-index/1';

const ChunkRefSchema = z.object({ key: z.string().nullable(), rows: z.number().int().nonnegative() });

const JournalRefSchema = z.object({
  key: z.string(),
  entries: z.number().int().nonnegative(),
  /** 0: one batch's changes; n + 1: `journalFanout` pieces of level n merged. */
  level: z.number().int().nonnegative().optional(),
});

/** A range of offsets, both ends included. */
const GapSchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).refine(([first, last]) => first <= last, 'a gap ends before it starts');

const ManifestSchema = z.object({
  format: z.literal(ManifestFormat),
  topic: z.string(),
  /** The event log (shared/names.ts, logIdOf) whose offsets these are. */
  log: z.string(),
  partition: z.number().int().nonnegative(),
  /** Incremented by every commit; names the immutable objects that commit wrote. */
  version: z.number().int().nonnegative(),
  /** Offset of the last event applied; -1 before the first. */
  lastOffset: z.number().int().min(-1),
  /**
   * Offsets below `lastOffset` never delivered (a batch given up, skipped by an operator, gone by
   * retention), oldest first, disjoint: the model lacks whatever changes they hold until a replay
   * delivers them (docs/cdc.md, "Never losing a change").
   */
  gaps: z.array(GapSchema),
  /** While a gap is open: the object holding the offset of each key's last change above it (null: none). */
  keyOffsets: z.object({ key: z.string().nullable(), entries: z.number().int().nonnegative() }),
  rows: z.number().int().nonnegative(),
  /** Events applied (tombstones and no-ops included) and dead-lettered, over the partition's life. */
  counts: z.object({ applied: z.number().int().nonnegative(), deadLettered: z.number().int().nonnegative() }),
  features: z.array(z.string()),
  /** The exact statistics, as ExactStats.toJSON writes them (decimal integers). */
  stats: z.array(z.string().regex(/^-?\d+$/)),
  /** The chunk index object (null: no chunks yet) and how many chunks it lists. */
  chunkIndex: z.object({ key: z.string().nullable(), chunks: z.number().int().positive() }),
  /** Oldest first; a later entry for a key wins. */
  journal: z.array(JournalRefSchema),
});

const ChunkIndexSchema = z.object({ format: z.literal(ChunkIndexFormat), chunks: z.record(z.string().regex(/^[01]*$/), ChunkRefSchema) });

/** A chunk of the table: its object (null: empty) and its row count. */
export type ChunkRef = z.infer<typeof ChunkRefSchema>;
/** A journal object: rows changed since the last fold. */
export type JournalRef = z.infer<typeof JournalRefSchema>;
/** The chunk index: chunk by hash-bit prefix; the prefixes cover every hash exactly once. */
export type ChunkTable = Readonly<Record<string, ChunkRef>>;
/** Offsets `[first, last]`, both included. */
export type Gap = readonly [number, number];

/** The manifest document (its schema, above, says what each field holds). */
export interface Manifest {
  readonly format: typeof ManifestFormat;
  readonly topic: string;
  readonly log: string;
  readonly partition: number;
  readonly version: number;
  readonly lastOffset: number;
  readonly gaps: readonly Gap[];
  readonly keyOffsets: { readonly key: string | null; readonly entries: number };
  readonly rows: number;
  readonly counts: { readonly applied: number; readonly deadLettered: number };
  readonly features: readonly string[];
  readonly stats: StatsJson;
  readonly chunkIndex: { readonly key: string | null; readonly chunks: number };
  readonly journal: readonly JournalRef[];
}

/** The chunk index of a partition with no rows: one empty chunk covering every hash. */
export const EmptyChunkTable: ChunkTable = { '': { key: null, rows: 0 } };

/** What a manifest must say about itself to belong where it was read. */
export interface ManifestExpectations {
  readonly topic: string;
  /** The event log whose offsets the state must hold: a manifest of another log is refused. */
  readonly log: string;
  readonly partition: number;
  /** The feature layout's names, in order. */
  readonly features: readonly string[];
}

function parseJson(key: string, body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw new CorruptStateError(key, 'it is not JSON', { cause: error });
  }
}

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length === 0 ? 'the document' : issue.path.join('.')}: ${issue.message}`;
}

/**
 * Reads a stored manifest, checking its shape and that it belongs to `expected` (topic, partition
 * and feature layout); anything else is a {@link CorruptStateError} naming the key.
 *
 * @example
 * const manifest = decodeManifest('models/m/state/t@kafka.q1w2/manifests/0.json', body, { topic: 't', log: 'kafka.q1w2', partition: 0, features });
 */
export function decodeManifest(key: string, body: Uint8Array, expected: ManifestExpectations): Manifest {
  const json = parseJson(key, body) as { format?: unknown } | null;
  if (json?.format !== ManifestFormat) throw new CorruptStateError(key, `it has format ${JSON.stringify(json?.format)}, not ${ManifestFormat}`);
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new CorruptStateError(key, `it is not a CDC state manifest (${firstProblem(parsed.error)})`);
  const manifest: Manifest = parsed.data as Manifest;
  if (manifest.topic !== expected.topic || manifest.partition !== expected.partition) throw new CorruptStateError(key, `it belongs to ${manifest.topic}/${manifest.partition}`);
  if (manifest.log !== expected.log) throw new CorruptStateError(key, `it holds offsets of event log ${manifest.log}, not of ${expected.log}: offsets of one log never apply to another`);
  if (manifest.features.join('\n') !== expected.features.join('\n')) {
    throw new CorruptStateError(key, `it was written for other features (${manifest.features.length} of them); this model has ${expected.features.length}`);
  }
  return manifest;
}

/**
 * The stored bytes of a manifest (compact JSON: it is rewritten by every commit).
 *
 * @example
 * await store.put(key, encodeManifest(manifest), { ifMatch: etag });
 */
export function encodeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest);
}

/**
 * The manifest of a partition that has no state yet (version 0, nothing applied).
 *
 * @example
 * emptyManifest({ topic: 'customer_updates', log: 'kafka.q1w2', partition: 0, features }, new ExactStats(40).toJSON());
 */
export function emptyManifest(of: ManifestExpectations, stats: StatsJson): Manifest {
  return {
    format: ManifestFormat,
    topic: of.topic,
    log: of.log,
    partition: of.partition,
    version: 0,
    lastOffset: -1,
    gaps: [],
    keyOffsets: { key: null, entries: 0 },
    rows: 0,
    counts: { applied: 0, deadLettered: 0 },
    features: [...of.features],
    stats,
    chunkIndex: { key: null, chunks: 1 },
    journal: [],
  };
}

/**
 * Reads a stored chunk index, checked; a {@link CorruptStateError} naming the key otherwise.
 *
 * @example
 * const chunks = decodeChunkIndex(key, body); // { '0': { key: '...', rows: 2048 }, '1': ... }
 */
export function decodeChunkIndex(key: string, body: Uint8Array): ChunkTable {
  const parsed = ChunkIndexSchema.safeParse(parseJson(key, body));
  if (!parsed.success) throw new CorruptStateError(key, `it is not a CDC chunk index (${firstProblem(parsed.error)})`);
  return parsed.data.chunks;
}

/**
 * The stored bytes of a chunk index.
 *
 * @example
 * await store.put(key, encodeChunkIndex(chunks));
 */
export function encodeChunkIndex(chunks: ChunkTable): string {
  return JSON.stringify({ format: ChunkIndexFormat, chunks });
}

const KeyOffsetsFormat = 'pipeline.cdc-key-offsets/1';
const KeyOffsetsSchema = z.object({ format: z.literal(KeyOffsetsFormat), offsets: z.record(z.string(), z.number().int().nonnegative()) });

/**
 * Reads a stored key-offsets object, checked; a {@link CorruptStateError} naming the key otherwise.
 *
 * @example
 * const offsets = decodeKeyOffsets(key, body); // Map { '5524' => 1207, ... }
 */
export function decodeKeyOffsets(key: string, body: Uint8Array): Map<string, number> {
  const parsed = KeyOffsetsSchema.safeParse(parseJson(key, body));
  if (!parsed.success) throw new CorruptStateError(key, `it is not a CDC key-offsets object (${firstProblem(parsed.error)})`);
  return new Map(Object.entries(parsed.data.offsets));
}

/**
 * The stored bytes of the key offsets (keys in order, so the same map always hashes the same).
 *
 * @example
 * await store.put(key, encodeKeyOffsets(new Map([['5524', 1207]])));
 */
export function encodeKeyOffsets(offsets: ReadonlyMap<string, number>): string {
  const sorted = [...offsets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ format: KeyOffsetsFormat, offsets: Object.fromEntries(sorted) });
}
