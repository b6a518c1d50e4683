/**
 * Debezium-style change events for `customer_updates` (docs/cdc.md, "Change events"): a snapshot
 * (op `r`) of every customer of a cleaned table, then a stream of changes to it: inserts of new
 * customers, updates (income, purchases, campaign responses) and deletes, keyed by ID.
 */
import { MARKETING_COLUMNS } from './marketing.js';
import { Random } from './random.js';

/**
 * A row of a cleaned table: column name to value. The generators import nothing from shared/, so
 * the tools above them (the CLI, `pipeline run`) can use them without a cycle between folders.
 */
export type Customer = Record<string, string | number>;

const SPEND_COLUMNS = MARKETING_COLUMNS.filter((c) => c.startsWith('Mnt'));
const PURCHASE_COLUMNS = MARKETING_COLUMNS.filter((c) => /^Num(Web|Catalog|Store)Purchases$/.test(c));
// AcceptedCmp1 to 5 in number order (the file lists 3, 4, 5, 1, 2): the seeded choices depend on it
const CAMPAIGN_COLUMNS = MARKETING_COLUMNS.filter((c) => c.startsWith('AcceptedCmp')).sort();

/** What a message is; `duplicate` marks a re-send of the message before it (at-least-once). */
export type CdcMessageKind = 'r' | 'c' | 'u' | 'd' | 'bad';

export interface CdcGeneratorOptions {
  /** The cleaned table: the snapshot, and the templates of new customers. */
  readonly customers: readonly Customer[];
  /** Changes after the snapshot. */
  readonly count: number;
  /** Share of changes that update a customer. @default 0.3 */
  readonly updateRatio?: number;
  /** Share of changes that delete a customer (the rest insert new ones). @default 0.1 */
  readonly deleteRatio?: number;
  /** Share of messages sent twice in a row, as a producer's retry does. @default 0 */
  readonly duplicateRatio?: number;
  /** Share of updates and deletes that carry the full before image (the rest: null, or the key alone for deletes). @default 0.5 */
  readonly beforeRatio?: number;
  /** Share of malformed messages mixed in (not JSON, unknown op, wrong types, no key). @default 0 */
  readonly badRatio?: number;
  /** Send the snapshot first. @default true */
  readonly snapshot?: boolean;
  /** @default 1 */
  readonly seed?: number;
  /** `ts_ms` of the first event; later ones are 10 ms apart. @default 2024-06-01T00:00:00Z */
  readonly startMs?: number;
}

export interface CdcMessage {
  readonly key: string | null;
  readonly value: string | null;
  readonly kind: CdcMessageKind;
  readonly duplicate: boolean;
}

export const CdcGeneratorDefaults = {
  updateRatio: 0.3,
  deleteRatio: 0.1,
  duplicateRatio: 0,
  beforeRatio: 0.5,
  badRatio: 0,
  snapshot: true,
  seed: 1,
  startMs: Date.UTC(2024, 5, 1),
} as const;

const BAD_VALUES = [
  (id: string) => `{"op":"u","after":{"ID":${id},"Income":`,
  (id: string) => JSON.stringify({ op: 'x', before: null, after: { ID: Number(id) } }),
  (id: string) => JSON.stringify({ op: 'u', before: null, after: { ID: Number(id), Income: 'a lot', Education: 'PhD', Marital_Status: 'Single', Response: 0 } }),
  () => JSON.stringify({ op: 'c', before: null, after: { Income: 1 } }),
] as const;

/**
 * The change events, in order, deterministic per seed. Inserts copy a random existing customer
 * with a new ID and jittered numbers; updates change income, purchases (and the totals derived
 * from them) or campaign responses; derived columns stay consistent.
 *
 * @example
 * for (const m of cdcMessages({ customers, count: 100, seed: 7 })) await log.produce(topic, [m]);
 */
export function* cdcMessages(options: CdcGeneratorOptions): Generator<CdcMessage> {
  const o = { ...CdcGeneratorDefaults, ...options };
  if (!(o.updateRatio >= 0 && o.deleteRatio >= 0 && o.updateRatio + o.deleteRatio <= 1)) {
    throw new RangeError(`update ratio ${o.updateRatio} and delete ratio ${o.deleteRatio} must be from 0 to 1 and add up to at most 1`);
  }
  const rng = new Random(o.seed);
  const live = new Map<string, Customer>();
  const ids: string[] = [];
  const slot = new Map<string, number>();
  let nextId = 0;
  let sequence = 0;
  for (const c of o.customers) nextId = Math.max(nextId, Number(c.ID) + 1);

  const add = (c: Customer) => {
    const id = String(c.ID);
    if (!live.has(id)) {
      slot.set(id, ids.length);
      ids.push(id);
    }
    live.set(id, c);
  };
  const drop = (id: string) => {
    const at = slot.get(id)!;
    const last = ids.pop()!;
    if (last !== id) {
      ids[at] = last;
      slot.set(last, at);
    }
    slot.delete(id);
    live.delete(id);
  };
  const envelope = (op: 'r' | 'c' | 'u' | 'd', before: Customer | null, after: Customer | null): string => {
    const ts = o.startMs + 10 * sequence;
    sequence++;
    return JSON.stringify({
      op,
      before,
      after,
      source: { version: 'pipeline-generator/1', connector: 'postgresql', name: 'crm', ts_ms: ts, snapshot: op === 'r' ? 'true' : 'false', db: 'crm', schema: 'public', table: 'customers', lsn: sequence },
      ts_ms: ts + 5,
    });
  };
  function* send(message: Omit<CdcMessage, 'duplicate'>): Generator<CdcMessage> {
    yield { ...message, duplicate: false };
    if (o.duplicateRatio > 0 && rng.chance(o.duplicateRatio)) yield { ...message, duplicate: true };
  }

  if (o.snapshot) {
    for (const c of o.customers) {
      add(c);
      yield* send({ key: String(c.ID), value: envelope('r', null, c), kind: 'r' });
    }
  } else {
    for (const c of o.customers) add(c);
  }

  for (let i = 0; i < o.count; i++) {
    if (o.badRatio > 0 && rng.chance(o.badRatio)) {
      const id = ids.length > 0 ? ids[rng.below(ids.length)]! : String(nextId);
      const bad = BAD_VALUES[rng.below(BAD_VALUES.length)]!;
      yield* send({ key: bad === BAD_VALUES[3] ? null : id, value: bad(id), kind: 'bad' });
      continue;
    }
    const x = rng.float();
    if (ids.length === 0 || x >= o.updateRatio + o.deleteRatio) {
      const template = o.customers.length > 0 ? o.customers[rng.below(o.customers.length)]! : live.values().next().value;
      if (template === undefined) throw new RangeError('no customers to model new ones on: give a non-empty cleaned table');
      const c = newCustomer(template, nextId++, rng);
      add(c);
      yield* send({ key: String(c.ID), value: envelope('c', null, c), kind: 'c' });
    } else if (x < o.updateRatio) {
      const id = ids[rng.below(ids.length)]!;
      const before = live.get(id)!;
      const after = updated(before, rng);
      add(after);
      yield* send({ key: id, value: envelope('u', rng.chance(o.beforeRatio) ? before : null, after), kind: 'u' });
    } else {
      const id = ids[rng.below(ids.length)]!;
      const before = live.get(id)!;
      drop(id);
      yield* send({ key: id, value: envelope('d', rng.chance(o.beforeRatio) ? before : { ID: before.ID! }, null), kind: 'd' });
    }
  }
}

const num = (c: Customer, k: string): number => Number(c[k]);
const sum = (c: Customer, keys: readonly string[]): number => keys.reduce((s, k) => s + num(c, k), 0);

/** Recomputes the derived columns the changed ones feed (cleaned-table rule 7). */
function derive(c: Customer): Customer {
  c.Children = num(c, 'Kidhome') + num(c, 'Teenhome');
  c.TotalSpend = sum(c, SPEND_COLUMNS);
  c.TotalPurchases = sum(c, PURCHASE_COLUMNS);
  c.TotalAcceptedCmp = sum(c, CAMPAIGN_COLUMNS);
  return c;
}

function newCustomer(template: Customer, id: number, rng: Random): Customer {
  const c: Customer = { ...template, ID: id };
  c.Income = Math.max(1_000, Math.round(num(template, 'Income') * rng.normal(1, 0.1)));
  const shift = rng.below(7) - 3;
  c.Year_Birth = num(template, 'Year_Birth') + shift;
  c.Age = num(template, 'Age') - shift;
  c.Recency = rng.below(100);
  for (const k of SPEND_COLUMNS) c[k] = Math.max(0, Math.round(num(template, k) * rng.normal(1, 0.2)));
  // mostly the template's response, so a new customer responds like customers like them
  c.Response = rng.chance(0.9) ? num(template, 'Response') : rng.chance(0.15) ? 1 : 0;
  return derive(c);
}

function updated(before: Customer, rng: Random): Customer {
  const c: Customer = { ...before };
  const what = rng.below(3);
  if (what === 0) {
    c.Income = Math.max(1_000, Math.round(num(c, 'Income') * rng.normal(1.03, 0.05)));
  } else if (what === 1) {
    const spend = SPEND_COLUMNS[rng.below(SPEND_COLUMNS.length)]!;
    c[spend] = num(c, spend) + 1 + rng.below(200);
    const channel = PURCHASE_COLUMNS[rng.below(PURCHASE_COLUMNS.length)]!;
    c[channel] = num(c, channel) + 1;
    c.Recency = 0;
  } else {
    const campaign = CAMPAIGN_COLUMNS[rng.below(CAMPAIGN_COLUMNS.length)]!;
    c[campaign] = 1 - num(c, campaign);
    if (rng.chance(0.5)) c.Response = 1 - num(c, 'Response');
  }
  return derive(c);
}
