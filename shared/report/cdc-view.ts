/**
 * What the run report shows of the CDC model: its versions over time (rows, AUC, accuracy, the
 * events each one took in), the lag from an event's timestamp on the log to the first version
 * that includes it, the coefficients that moved most between the first and the last version, and
 * the dead letters. Pure: the reading is in `collect.ts`.
 */
import { lagQuantile, mergeLag, type LagDigest } from '../cdc/lag.js';
import type { ModelDocument } from '../cdc/model.js';
import { deadLetterView, type DeadLetterExample, type DeadLetterView } from './stream-view.js';

export const CdcLimits = {
  /** Points of the per-version charts; more versions are merged into runs. */
  points: 400,
  /** Coefficient changes listed. */
  coefficients: 12,
} as const;

/** One version, or a run of consecutive versions merged. */
export interface VersionPoint {
  /** The last version of the run. */
  readonly version: number;
  readonly rows: number;
  /** Measured on this version's table, when it was (large tables are measured every 50th version). */
  readonly auc: number | null;
  readonly accuracy: number | null;
  /** ISO time the (last) version was published, when it says. */
  readonly at?: string;
  /** Change events the run of versions took in, by how far their offsets moved (dead letters and redeliveries included). */
  readonly events: number;
  readonly lagP50?: number;
  readonly lagP99?: number;
}

export interface CoefficientChange {
  readonly feature: string;
  readonly first: number;
  readonly last: number;
  readonly change: number;
}

export interface CdcView {
  readonly model: string;
  readonly location: string;
  readonly versions: number;
  readonly firstVersion: number;
  readonly lastVersion: number;
  readonly current: { readonly version: number; readonly rows: number; readonly auc: number | null; readonly accuracy: number | null; readonly metricsVersion: number | null };
  readonly points: readonly VersionPoint[];
  readonly versionsPerPoint: number;
  /** Events taken in over all versions. */
  readonly events: number;
  readonly coefficientChanges: readonly CoefficientChange[];
  /** Over every version that recorded its events' lag. */
  readonly lag?: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number; readonly versions: number };
  readonly deadLetters: DeadLetterView & { readonly listed: number };
}

/**
 * The change events a version took in beyond the one before, by how far its offsets moved.
 *
 * @example
 * offsetAdvance({ topic: 't', partitions: { 0: 9 } }, { topic: 't', partitions: { 0: 19, 1: 4 } }); // 15
 */
export function offsetAdvance(previous: ModelDocument['offsets'] | undefined, current: ModelDocument['offsets']): number {
  let events = 0;
  for (const [partition, offset] of Object.entries(current.partitions)) {
    const before = previous?.topic === current.topic ? (previous.partitions[partition] ?? -1) : -1;
    events += Math.max(0, offset - before);
  }
  return events;
}

/**
 * The coefficients (matched by feature name) that changed most between two versions, by absolute change.
 *
 * @example
 * coefficientChanges(first, last, 12)[0]; // { feature: 'TotalSpend', first: 0.11, last: 0.14, change: 0.03 }
 */
export function coefficientChanges(first: Pick<ModelDocument, 'features' | 'parameters'>, last: Pick<ModelDocument, 'features' | 'parameters'>, count: number = CdcLimits.coefficients): CoefficientChange[] {
  const before = new Map(first.features.map((f, i) => [f, first.parameters.coefficients[i]!]));
  return last.features
    .map((feature, i) => {
      const was = before.get(feature) ?? 0;
      const now = last.parameters.coefficients[i]!;
      return { feature, first: was, last: now, change: now - was };
    })
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.feature < b.feature ? -1 : 1))
    .slice(0, count);
}

interface VersionFacts {
  readonly version: number;
  readonly rows: number;
  readonly auc: number | null;
  readonly accuracy: number | null;
  readonly at: string | undefined;
  readonly events: number;
  readonly lag: LagDigest | undefined;
}

function factsOf(docs: readonly ModelDocument[]): VersionFacts[] {
  return docs.map((doc, i) => {
    const measured = doc.metrics.version === doc.version;
    return {
      version: doc.version!,
      rows: doc.rows,
      auc: measured ? doc.metrics.auc : null,
      accuracy: measured ? doc.metrics.accuracy : null,
      at: doc.published?.at,
      events: offsetAdvance(docs[i - 1]?.offsets, doc.offsets),
      lag: doc.published?.lagMs,
    };
  });
}

const mergeAll = (digests: ReadonlyArray<LagDigest | undefined>): LagDigest | undefined =>
  digests.reduce<LagDigest | undefined>((acc, d) => (d === undefined ? acc : acc === undefined ? d : mergeLag(acc, d)), undefined);

/**
 * Merges consecutive versions into at most `max` points: the last version's rows and time, the
 * last measured metrics, the events summed, the lag digests merged.
 *
 * @example
 * versionPoints(facts, 400); // { points: [...], perPoint: 4 } for 1,414 versions
 */
function versionPoints(facts: readonly VersionFacts[], max: number): { points: VersionPoint[]; perPoint: number } {
  const per = Math.max(1, Math.ceil(facts.length / max));
  const points: VersionPoint[] = [];
  for (let i = 0; i < facts.length; i += per) {
    const run = facts.slice(i, i + per);
    const last = run.at(-1)!;
    const measured = [...run].reverse().find((f) => f.auc !== null || f.accuracy !== null);
    const lag = mergeAll(run.map((f) => f.lag));
    points.push({
      version: last.version,
      rows: last.rows,
      auc: measured?.auc ?? null,
      accuracy: measured?.accuracy ?? null,
      ...(last.at === undefined ? {} : { at: last.at }),
      events: run.reduce((s, f) => s + f.events, 0),
      ...(lag === undefined ? {} : { lagP50: lagQuantile(lag, 0.5), lagP99: lagQuantile(lag, 0.99) }),
    });
  }
  return { points, perPoint: per };
}

/**
 * The CDC view from the model's version documents (any order; unpublished fits are ignored) and
 * the dead letters read (`listed` of them exist).
 *
 * @example
 * cdcView({ model: 'response', location, versions: docs, deadLetters, deadLettersListed: 117 });
 */
export function cdcView(input: { model: string; location: string; versions: readonly ModelDocument[]; deadLetters: readonly DeadLetterExample[]; deadLettersListed: number }): CdcView | undefined {
  const docs = input.versions.filter((d) => d.version !== null).sort((a, b) => a.version! - b.version!);
  if (docs.length === 0) return undefined;
  const facts = factsOf(docs);
  const { points, perPoint } = versionPoints(facts, CdcLimits.points);
  const first = docs[0]!;
  const last = docs.at(-1)!;
  const withLag = facts.filter((f) => f.lag !== undefined);
  const lag = mergeAll(withLag.map((f) => f.lag));
  return {
    model: input.model,
    location: input.location,
    versions: docs.length,
    firstVersion: first.version!,
    lastVersion: last.version!,
    current: { version: last.version!, rows: last.rows, auc: last.metrics.auc, accuracy: last.metrics.accuracy, metricsVersion: last.metrics.version },
    points,
    versionsPerPoint: perPoint,
    events: facts.reduce((s, f) => s + f.events, 0),
    coefficientChanges: coefficientChanges(first, last),
    ...(lag === undefined ? {} : { lag: { count: lag.count, p50: lagQuantile(lag, 0.5), p99: lagQuantile(lag, 0.99), max: lag.max, versions: withLag.length } }),
    deadLetters: { ...deadLetterView(input.deadLetters), listed: input.deadLettersListed },
  };
}
