/**
 * The in-memory copy of the cleaned table that a warm container keeps between invocations. Each
 * invocation costs one HEAD: the same key with the same ETag is served from memory ("warm"); a new
 * ETag, a new key or a refresh request loads the object again ("reloaded"); the first load of a
 * container is "cold".
 */
import type { ColumnTable } from 'arquero';
import { NotFoundError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { readCleanedParquet } from './table.js';

export const CacheStates = ['cold', 'warm', 'reloaded'] as const;
export type CacheState = (typeof CacheStates)[number];

/** The table in memory and what it was loaded from. */
export interface CachedTable {
  readonly table: ColumnTable;
  /** `s3://bucket/key` or the file's path. */
  readonly location: string;
  readonly key: string;
  readonly etag: string;
  readonly bytes: number;
  /** Time to fetch and parse it, when it was loaded. */
  readonly loadMs: number;
}

/** The answer of {@link TableCache.get}. */
export interface CacheLookup extends CachedTable {
  readonly state: CacheState;
  /** Why it was (re)loaded; undefined when warm. */
  readonly reason: string | undefined;
  /** How many invocations this in-memory copy has served, this one included. */
  readonly uses: number;
  /** Time of the HEAD request. */
  readonly headMs: number;
  /** Time spent loading in this invocation: 0 when warm. */
  readonly loadedMs: number;
}

export interface TableCacheOptions {
  /** Parses an object's bytes into a table (default: Parquet, {@link readCleanedParquet}). */
  readonly read?: (bytes: Uint8Array, location: string) => Promise<ColumnTable>;
  readonly clock?: () => number;
}

/**
 * One cached table per instance; a handler keeps one instance at module level, so it lives as long
 * as the warm container.
 *
 * @example
 * const cache = new TableCache();
 * const first = await cache.get(store, 'processed/m/cleaned.parquet'); // state 'cold'
 * const again = await cache.get(store, 'processed/m/cleaned.parquet'); // state 'warm', loadedMs 0
 */
export class TableCache {
  private entry: (CachedTable & { uses: number }) | undefined;
  private readonly read: (bytes: Uint8Array, location: string) => Promise<ColumnTable>;
  private readonly clock: () => number;

  constructor(options: TableCacheOptions = {}) {
    this.read = options.read ?? readCleanedParquet;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** The table of `key` in `store`, from memory when its ETag is unchanged and `refresh` is not set. */
  async get(store: ObjectStore, key: string, { refresh = false }: { refresh?: boolean } = {}): Promise<CacheLookup> {
    const location = `${store.name}/${key}`;
    const started = this.clock();
    const head = await store.head(key);
    const headMs = this.clock() - started;
    if (head === undefined) throw new NotFoundError(location);
    const current = this.entry;
    if (current !== undefined && !refresh && current.location === location && current.etag === head.etag) {
      current.uses++;
      return { ...current, state: 'warm', reason: undefined, uses: current.uses, headMs, loadedMs: 0 };
    }
    const reason = current === undefined ? 'first load in this container' : refresh ? 'refresh requested' : current.location !== location ? 'another dataset' : 'the object changed (new ETag)';
    // let the old table go before the new one is read: at 1M rows each is a few hundred MB
    this.entry = undefined;
    const loadStarted = this.clock();
    const object = await store.get(key);
    const table = await this.read(object.body, location);
    const loadMs = this.clock() - loadStarted;
    this.entry = { table, location, key, etag: object.etag, bytes: object.size, loadMs, uses: 1 };
    return { ...this.entry, state: current === undefined ? 'cold' : 'reloaded', reason, headMs, loadedMs: loadMs };
  }

  /** Forgets the table (tests; a container that must free its memory). */
  clear(): void {
    this.entry = undefined;
  }
}
