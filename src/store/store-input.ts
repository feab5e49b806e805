import {
  ENTITY_KINDS,
  LOG_TABLES,
  type CanaryRow,
  type EntityFields,
  type EntityKind,
  type EntityRecord,
  type EntityWrite,
  type LogFields,
  type LogFilter,
  type LogRecord,
  type LogTable,
  type LogValue,
  type OperationRow,
  type TokenRow,
  type WriteBatch,
} from './management-store.js';
import { StoreInputError } from './store-errors.js';

/**
 * Checks shared by both adapters, so that they accept and refuse exactly the same input and
 * compare log values the same way.
 */

const OPERATION_KINDS: ReadonlySet<string> = new Set(['instance', 'server', 'zone', 'group']);
const OPERATION_TEXT = ['regionId', 'serviceId', 'instanceId', 'serverId', 'zoneId', 'groupId', 'operation', 'operatorId', 'token'] as const;
/** Names the store sets itself on every log record. */
const RESERVED_LOG_FIELDS: ReadonlySet<string> = new Set(['id', 'createTime', 'updateTime']);
/** Field names are used inside SQLite JSON paths, so they are kept to identifier characters. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Longest entity key, in UTF-16 code units (`key.length`). */
export const MAX_ENTITY_KEY_LENGTH = 16_384;
/** A UTF-16 surrogate without its pair: such text cannot be stored as UTF-8 and read back the same. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Case folding used for identities and log filters by every adapter. */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/** Returns `table` if it names a log table, else throws {@link StoreInputError}. */
export function checkLogTable(table: unknown): LogTable {
  if (typeof table !== 'string' || !(LOG_TABLES as readonly string[]).includes(table)) {
    throw new StoreInputError(`Unknown log table: ${String(table)}`);
  }
  return table as LogTable;
}

/** Throws {@link StoreInputError} unless `row` is a well-formed operation row. */
export function checkOperationRow(row: OperationRow): void {
  if (!OPERATION_KINDS.has(row.kind)) throw new StoreInputError(`Unknown operation kind: ${String(row.kind)}`);
  for (const key of OPERATION_TEXT) {
    if (typeof row[key] !== 'string') throw new StoreInputError(`Operation row field ${key} must be a string.`);
  }
}

/** Throws {@link StoreInputError} unless `row` is a well-formed canary row. */
export function checkCanaryRow(row: CanaryRow): void {
  for (const key of ['serviceId', 'appId', 'regionId'] as const) {
    if (typeof row[key] !== 'string') throw new StoreInputError(`Canary row field ${key} must be a string.`);
  }
  if (!Array.isArray(row.ips) || row.ips.some((ip) => typeof ip !== 'string')) {
    throw new StoreInputError('Canary row ips must be an array of strings.');
  }
}

function checkValue(name: string, value: unknown, what = 'Log'): LogValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new StoreInputError(`${what} field ${name} must be a string, a finite number, a boolean or null.`);
}

function checkName(name: string, what = 'log'): void {
  if (!FIELD_NAME.test(name) || name === '__proto__') throw new StoreInputError(`Invalid ${what} field name: ${JSON.stringify(name)}`);
}

/** The fields of a log row as stored: checked, without the names the store sets itself. */
export function storedLogFields(fields: LogFields): LogFields {
  if (typeof fields !== 'object' || fields === null) throw new StoreInputError('Log fields must be an object.');
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    checkName(name);
    if (!RESERVED_LOG_FIELDS.has(name)) out[name] = checkValue(name, value);
  }
  return out;
}

/** Returns `kind` if it names an entity kind, else throws {@link StoreInputError}. */
export function checkEntityKind(kind: unknown): EntityKind {
  if (typeof kind !== 'string' || !(ENTITY_KINDS as readonly string[]).includes(kind)) {
    throw new StoreInputError(`Unknown entity kind: ${String(kind)}`);
  }
  return kind as EntityKind;
}

function wellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The fields of an entity write as stored: a plain copy of the own fields, each name as for log
 * fields (none reserved), each value a string, finite number, boolean or null. Strings must be
 * well-formed UTF-16, so that both adapters read back exactly what was written.
 */
export function storedEntityFields(fields: EntityFields): EntityFields {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new StoreInputError('Entity fields must be an object.');
  const out: EntityFields = {};
  for (const [name, value] of Object.entries(fields)) {
    checkName(name, 'entity');
    const checked = checkValue(name, value, 'Entity');
    if (typeof checked === 'string' && !wellFormed(checked)) throw new StoreInputError(`Entity field ${name} holds a lone UTF-16 surrogate.`);
    out[name] = checked;
  }
  return out;
}

function checkEntityId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new StoreInputError(`Invalid entity id: ${String(id)}`);
  return id;
}

function checkEntityKey(key: unknown): string {
  if (typeof key !== 'string' || key === '' || key.length > MAX_ENTITY_KEY_LENGTH || !wellFormed(key)) {
    throw new StoreInputError(`An entity key must be a well-formed string of 1 to ${MAX_ENTITY_KEY_LENGTH} characters.`);
  }
  return key;
}

function checkCopyField(name: unknown): string {
  if (typeof name !== 'string') throw new StoreInputError('A copy names its fields with strings.');
  checkName(name, 'entity');
  return name;
}

/** A checked copy of one entity write (only the properties its op uses), else throws {@link StoreInputError}. */
export function checkEntityWrite(write: EntityWrite): EntityWrite {
  if (typeof write !== 'object' || write === null) throw new StoreInputError('An entity write must be an object.');
  // Read as untrusted input: the union's members do not all have every property.
  const w = write as { op?: unknown; kind?: unknown; key?: unknown; id?: unknown; create?: unknown; update?: unknown; from?: unknown; to?: unknown };
  const kind = checkEntityKind(w.kind);
  switch (w.op) {
    case 'put':
      return { op: 'put', kind, key: checkEntityKey(w.key), create: storedEntityFields(w.create as EntityFields), update: storedEntityFields(w.update as EntityFields) };
    case 'patch':
      return { op: 'patch', kind, id: checkEntityId(w.id), update: storedEntityFields(w.update as EntityFields) };
    case 'copy':
      return { op: 'copy', kind, id: checkEntityId(w.id), from: checkCopyField(w.from), to: checkCopyField(w.to) };
    case 'delete':
      return { op: 'delete', kind, id: checkEntityId(w.id) };
    default:
      throw new StoreInputError(`Unknown entity write op: ${String(w.op)}`);
  }
}

/** The entity writes of a batch, checked (see {@link checkEntityWrite}). */
export function checkEntityWrites(batch: WriteBatch): EntityWrite[] {
  const writes = batch.entities ?? [];
  if (!Array.isArray(writes)) throw new StoreInputError('Batch entities must be an array.');
  return writes.map(checkEntityWrite);
}

/** An entity record as returned by every adapter: fields in name order, whatever order they were stored in. */
export function entityRecord(id: number, key: string, fields: EntityFields): EntityRecord {
  const sorted: EntityFields = {};
  for (const name of Object.keys(fields).sort()) sorted[name] = fields[name] as LogValue;
  return { id, key, fields: sorted };
}

/** A log filter as a list of checked `[field, value]` pairs. */
export function filterEntries(filter: LogFilter): Array<[string, LogValue]> {
  return Object.entries(filter).map(([name, value]) => {
    checkName(name);
    return [name, checkValue(name, value)];
  });
}

/** Returns `limit` if it is a whole number ≥ 0, else throws {@link StoreInputError}. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StoreInputError(`Invalid log query limit: ${limit}`);
  return limit;
}

/** Returns `time` (ms since the epoch) if it is a finite number, else throws {@link StoreInputError}. */
export function checkTime(time: number): number {
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new StoreInputError(`Invalid time: ${String(time)}`);
  return time;
}

/** Checks a whole batch before anything of it is written (for stores that cannot roll back). */
export function checkBatch(batch: WriteBatch): void {
  for (const row of [...(batch.upsert ?? []), ...(batch.remove ?? [])]) checkOperationRow(row);
  for (const row of batch.canary ?? []) checkCanaryRow(row);
  checkEntityWrites(batch);
  for (const log of batch.logs ?? []) {
    checkLogTable(log.table);
    storedLogFields(log.fields);
  }
}

/** One log value against one filter value: strings ignoring case, everything else exactly; null matches null or absent. */
export function logValueMatches(actual: LogValue | undefined, wanted: LogValue): boolean {
  if (wanted === null) return actual === null || actual === undefined;
  if (typeof wanted === 'string') return typeof actual === 'string' && foldCase(actual) === foldCase(wanted);
  return actual === wanted;
}

/** Whether a stored log row passes every entry of a filter. */
export function logMatches(fields: LogFields, entries: ReadonlyArray<[string, LogValue]>): boolean {
  return entries.every(([name, wanted]) => logValueMatches(Object.hasOwn(fields, name) ? fields[name] : undefined, wanted));
}

/** A stored log row as returned to callers. */
export function logRecord(fields: LogFields, id: number, createTime: number): LogRecord {
  return { ...fields, id, createTime, updateTime: createTime };
}

/** The canary identity: service and application, ignoring letter case. */
export function canaryIdentity(row: Pick<CanaryRow, 'serviceId' | 'appId'>): string {
  return `${foldCase(row.serviceId)}\u0000${foldCase(row.appId)}`;
}

/** Throws {@link StoreInputError} unless `row` is a well-formed token row; returns a copy of it. */
export function checkTokenRow(row: TokenRow): TokenRow {
  for (const key of ['id', 'name', 'hash', 'createdBy'] as const) {
    if (typeof row[key] !== 'string' || row[key] === '' || row[key].length > 255 || LONE_SURROGATE.test(row[key])) throw new StoreInputError(`Token field ${key} must be a string of 1 to 255 characters.`);
  }
  if (!/^[0-9a-f]{64}$/.test(row.hash)) throw new StoreInputError('Token hash must be 64 lower-case hex digits (SHA-256).');
  if (!Array.isArray(row.scopes) || !row.scopes.every((s) => typeof s === 'string' && /^[a-z]{1,32}$/.test(s))) throw new StoreInputError('Token scopes must be lower-case words.');
  if (!Number.isSafeInteger(row.createTime) || row.createTime < 0) throw new StoreInputError('Token createTime must be a non-negative integer (ms epoch).');
  return { id: row.id, name: row.name, scopes: [...row.scopes], hash: row.hash, createdBy: row.createdBy, createTime: row.createTime };
}

/** A token row from its stored JSON. */
export function tokenFromJson(json: string): TokenRow {
  const r = JSON.parse(json) as TokenRow;
  return { id: r.id, name: r.name, scopes: r.scopes, hash: r.hash, createdBy: r.createdBy, createTime: r.createTime };
}
