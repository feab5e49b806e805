import { isDeepStrictEqual } from 'node:util';
import {
  ENTITY_KINDS,
  LOG_TABLES,
  operationIdentity,
  type CanaryRow,
  type EntityKind,
  type EntityRecord,
  type EntityWrite,
  type LogRecord,
  type LogTable,
  type ManagementStore,
  type OperationRow,
} from '../store/index.js';
import { canaryIdentity } from '../store/store-input.js';

/**
 * Copies management state and logs from one store to another through the store port, keeping
 * entity ids (the routing records refer to each other by id) and log ids and times, and compares
 * both sides record by record. Re-running it writes only what still differs.
 */

/** Everything a store holds. */
export interface StoreContents {
  operations: OperationRow[];
  canaries: CanaryRow[];
  entities: Record<EntityKind, EntityRecord[]>;
  logs: Record<LogTable, LogRecord[]>;
}

/** Reads a whole store (logs of one table are held in memory at once). */
export async function readContents(store: ManagementStore): Promise<StoreContents> {
  const entities = {} as Record<EntityKind, EntityRecord[]>;
  for (const kind of ENTITY_KINDS) entities[kind] = await store.entities(kind);
  const logs = {} as Record<LogTable, LogRecord[]>;
  for (const table of LOG_TABLES) logs[table] = await store.queryLogs(table, {}, Number.MAX_SAFE_INTEGER);
  return { operations: await store.operations(), canaries: await store.canaries(), entities, logs };
}

/** Writes per batch while copying. */
const CHUNK = 500;
/** Keys of the placeholder records that take the ids a source never used (deleted at once). */
const GAP_KEY = '\u0000artemis-migrate-gap-';

/** One step of the copy: what it writes and how many records that is. */
export interface CopyStep {
  label: string;
  records: number;
  run(): Promise<void>;
}

/** A difference found by {@link compareContents}. */
export interface Difference {
  section: string;
  id: string;
  what: string;
}

export class MigrationConflict extends Error {}

const opsById = (rows: OperationRow[]) => new Map(rows.map((r) => [operationIdentity(r), r]));
const canariesById = (rows: CanaryRow[]) => new Map(rows.map((r) => [canaryIdentity(r), r]));

/** The steps that make `target` hold what `source` holds; empty when nothing differs. */
export function planCopy(source: StoreContents, target: StoreContents, to: ManagementStore): CopyStep[] {
  const steps: CopyStep[] = [];
  const have = opsById(target.operations);
  const upsert = source.operations.filter((r) => !isDeepStrictEqual(have.get(operationIdentity(r)), r));
  for (let i = 0; i < upsert.length; i += CHUNK) {
    const rows = upsert.slice(i, i + CHUNK);
    steps.push({ label: 'operations', records: rows.length, run: async () => void (await to.write({ upsert: rows })) });
  }
  const haveCanaries = canariesById(target.canaries);
  const canary = source.canaries.filter((r) => !isDeepStrictEqual(haveCanaries.get(canaryIdentity(r)), r));
  if (canary.length > 0) steps.push({ label: 'canaries', records: canary.length, run: async () => void (await to.write({ canary })) });
  for (const kind of ENTITY_KINDS) steps.push(...entitySteps(kind, source.entities[kind], target.entities[kind], to));
  for (const table of LOG_TABLES) {
    const top = Math.max(0, ...target.logs[table].map((r) => r.id));
    const fresh = source.logs[table].filter((r) => r.id > top);
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const rows = fresh.slice(i, i + CHUNK);
      steps.push({ label: `logs ${table}`, records: rows.length, run: () => to.importLogs(table, rows) });
    }
  }
  return steps;
}

function entitySteps(kind: EntityKind, source: EntityRecord[], target: EntityRecord[], to: ManagementStore): CopyStep[] {
  const byId = new Map(target.map((r) => [r.id, r]));
  const byKey = new Map(target.map((r) => [r.key, r]));
  const changed: EntityRecord[] = [];
  const missing: EntityRecord[] = [];
  for (const r of source) {
    const there = byId.get(r.id);
    const sameKey = byKey.get(r.key);
    if (there !== undefined && there.key !== r.key) throw new MigrationConflict(`${kind} ${r.id}: the target holds another record (key ${JSON.stringify(there.key)}) under this id.`);
    if (there === undefined && sameKey !== undefined) throw new MigrationConflict(`${kind} ${JSON.stringify(r.key)}: the target holds it under id ${sameKey.id}, the source under ${r.id}.`);
    if (there === undefined) missing.push(r);
    else if (!isDeepStrictEqual(there.fields, r.fields)) changed.push(r);
  }
  const steps: CopyStep[] = [];
  for (let i = 0; i < changed.length; i += CHUNK) {
    const rows = changed.slice(i, i + CHUNK);
    const entities = rows.map((r): EntityWrite => ({ op: 'put', kind, key: r.key, create: r.fields, update: r.fields }));
    steps.push({ label: `entities ${kind}`, records: rows.length, run: async () => void (await to.write({ entities })) });
  }
  if (missing.length > 0) steps.push({ label: `entities ${kind}`, records: missing.length, run: () => createWithIds(kind, missing, to) });
  return steps;
}

/**
 * Creates records under their source ids. Stores give ids out in order, so every id the source
 * skipped (a deleted record) is taken by a placeholder that the same batch deletes again.
 */
async function createWithIds(kind: EntityKind, records: EntityRecord[], to: ManagementStore): Promise<void> {
  const [first, ...rest] = records;
  if (first === undefined) return;
  const put = (r: EntityRecord): EntityWrite => ({ op: 'put', kind, key: r.key, create: r.fields, update: r.fields });
  // The first record, written alone, tells which id the target gives out next.
  await to.write({ entities: [put(first)] });
  const given = (await to.entities(kind)).find((r) => r.key === first.key);
  if (given === undefined) throw new MigrationConflict(`${kind}: the target did not keep a record written to it.`);
  if (given.id > first.id) throw new MigrationConflict(`${kind} ${first.id}: the target has already given out ids up to ${given.id - 1}; this id cannot be restored.`);
  const pending: EntityWrite[] = [];
  let next = given.id + 1;
  let queue = rest;
  if (given.id < first.id) {
    pending.push({ op: 'delete', kind, id: given.id });
    queue = records;
  }
  const flush = async () => {
    if (pending.length > 0) await to.write({ entities: pending.splice(0) });
  };
  let gap = 0;
  for (const r of queue) {
    if (r.id < next) throw new MigrationConflict(`${kind} ${r.id}: the target has already given out ids up to ${next - 1}; this id cannot be restored.`);
    for (; next < r.id; next++) {
      pending.push({ op: 'put', kind, key: `${GAP_KEY}${gap++}`, create: {}, update: {} }, { op: 'delete', kind, id: next });
      if (pending.length >= CHUNK) await flush();
    }
    pending.push(put(r));
    next++;
    if (pending.length >= CHUNK) await flush();
  }
  await flush();
}

function compareMaps<T>(section: string, a: Map<string, T>, b: Map<string, T>, out: Difference[]): void {
  for (const [id, left] of a) {
    const right = b.get(id);
    if (right === undefined) out.push({ section, id, what: 'missing in the target' });
    else if (!isDeepStrictEqual(left, right)) out.push({ section, id, what: `differs: ${JSON.stringify(left)} vs ${JSON.stringify(right)}` });
  }
  for (const id of b.keys()) if (!a.has(id)) out.push({ section, id, what: 'only in the target' });
}

const printable = (id: string) => JSON.stringify(id.replaceAll('\u0000', '/'));

/** Compares two stores record by record: operations, canaries, entities (id, key, fields), logs (id, fields, times). */
export function compareContents(source: StoreContents, target: StoreContents): Difference[] {
  const out: Difference[] = [];
  compareMaps('operations', opsById(source.operations), opsById(target.operations), out);
  compareMaps('canaries', canariesById(source.canaries), canariesById(target.canaries), out);
  for (const kind of ENTITY_KINDS) {
    const byId = (rows: EntityRecord[]) => new Map(rows.map((r) => [String(r.id), r]));
    compareMaps(`entities ${kind}`, byId(source.entities[kind]), byId(target.entities[kind]), out);
  }
  for (const table of LOG_TABLES) {
    const byId = (rows: LogRecord[]) => new Map(rows.map((r) => [String(r.id), r]));
    compareMaps(`logs ${table}`, byId(source.logs[table]), byId(target.logs[table]), out);
  }
  return out.map((d) => ({ ...d, id: printable(d.id) }));
}

/** Records per section, for the summary. */
export function countContents(c: StoreContents): Record<string, number> {
  const counts: Record<string, number> = { operations: c.operations.length, canaries: c.canaries.length };
  for (const kind of ENTITY_KINDS) counts[`entities ${kind}`] = c.entities[kind].length;
  for (const table of LOG_TABLES) counts[`logs ${table}`] = c.logs[table].length;
  return counts;
}
