import { ErrorCodes } from '../../core/error-codes.js';
import { BadRequestError, RegistryError } from '../../core/errors.js';
import { readInt32, readInteger, readObject, type JsonObject } from '../../core/wire/json-reader.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import type { EntityKind, EntityRecord, EntityWrite, LogFields, LogTable, ManagementStore, WriteBatch } from '../../store/management-store.js';
import type { ManagementState } from '../management-state.js';
import { storeOutage } from '../store-outage.js';
import { blank, checkLengths, list, prop, str } from '../requests.js';
import { StoreUnavailableError } from '../../store/store-errors.js';
import { groupKeyOf, loadRecordList, recordKeys, type RoutingRecords } from './routing-records.js';

export interface RoutingSettings {
  maxFieldLength: number;
  /** Most entries one routing write may carry (management.maxRoutingBatch). */
  maxRoutingBatch: number;
}

export interface RoutingDeps {
  store: ManagementStore;
  state: () => ManagementState;
  /** The node-up guard and the null-request check of every write; returns the request object. */
  request: (body: unknown) => JsonObject;
  /** Writes a batch atomically and reloads; store failures become `internal-service-error` with `failure`. */
  commit: (batch: WriteBatch, failure: string) => Promise<void>;
  /** Limits get-groups, get-route-rules and get-route-rule-groups (identities `get.groups`, …). */
  limiter: RateLimiter;
  settings: RoutingSettings;
}

/** The audit block of a write, checked: operation, operatorId, token non-blank; extensions not null. */
export interface Audit {
  operation: string;
  operatorId: string;
  token: string;
  reason: string;
  extensions: string;
}

/** One log row of a write. */
export interface LogEntry {
  table: LogTable;
  fields: LogFields;
}

const FIELD_LIMIT_NAMES = ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', 'strategy', 'instanceId', 'tag', 'value', 'ip', 'machineName', 'protocol', 'url', 'healthCheckUrl', 'groupId'];

/** Reads an optional Java `long`: absent or null → null. */
export function optionalLong(o: JsonObject | null, name: string, path: string): number | null {
  const v = prop(o, name);
  return v === undefined || v === null ? null : readInteger(v, `${path}.${name}`);
}

/** Reads an optional Java `int`: absent or null → null. */
export function optionalInt(o: JsonObject | null, name: string, path: string): number | null {
  const v = prop(o, name);
  return v === undefined || v === null ? null : readInt32(v, `${path}.${name}`);
}

/** Equal ignoring surrounding blanks and letter case, as the reference's collation compares. */
export const eq = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export const logEntry = (table: LogTable, fields: LogFields): LogEntry => ({ table, fields });

/** The audit fields every routing log row carries. */
export function auditLog(a: Audit): LogFields {
  return { operation: a.operation, operatorId: a.operatorId, token: a.token, extensions: a.extensions, reason: a.reason };
}

/** A new batch whose entity and log lists are present, for the writes that push into both. */
export interface FullBatch extends WriteBatch {
  entities: EntityWrite[];
  logs: LogEntry[];
}
export const fullBatch = (): FullBatch => ({ entities: [], logs: [] });

/** A group of a write, its text fields trimmed. */
export interface GroupInput {
  serviceId: string;
  regionId: string;
  zoneId: string;
  name: string;
  appId: string;
  status: string;
  description: string | null;
}

/** Entries with the same group key collapse into the last one. */
export function collapseGroups<T extends { serviceId: string; regionId: string; zoneId: string; name: string }>(groups: T[]): T[] {
  return [...new Map(groups.map((g) => [groupKeyOf(g), g])).values()];
}

/** A group put (created, or revived and, with `overwrite`, updated) with its log row when audited. */
export function putGroup(batch: WriteBatch, g: GroupInput, overwrite: boolean, a: Audit | null): void {
  const description = g.description ?? null;
  (batch.entities ??= []).push({
    op: 'put',
    kind: 'group',
    key: recordKeys.group(g),
    create: { serviceId: g.serviceId, regionId: g.regionId, zoneId: g.zoneId, name: g.name, appId: g.appId, description, status: g.status, deleted: false },
    update: overwrite ? { appId: g.appId, description, status: g.status, deleted: false } : { deleted: false },
  });
  if (a !== null) (batch.logs ??= []).push(groupLog(g, a));
}

export function groupLog(g: Omit<GroupInput, 'description'>, a: Audit): LogEntry {
  return logEntry('group', { serviceId: g.serviceId, regionId: g.regionId, zoneId: g.zoneId, name: g.name, appId: g.appId, status: g.status, ...auditLog(a) });
}

/** What a delete endpoint removes: ids field, record kind, soft or hard, and the log row of each. */
export interface RemoveSpec<T> {
  failure: string;
  idsField: string;
  kind: EntityKind;
  decode: (r: EntityRecord) => T;
  soft?: boolean;
  log: (row: T, a: Audit) => LogEntry;
}

/**
 * The request checks shared by every routing resource (failure-text prefixing, the audit block,
 * id lists and entry lists within management.maxRoutingBatch, trimmed texts within
 * limits.maxFieldLength) and the delete-by-ids write.
 */
export class RoutingSupport {
  constructor(readonly deps: RoutingDeps) {}

  /** Runs a write or read, prefixing input errors with the endpoint's failure text. */
  async run<T>(failure: string, fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RegistryError && err.errorCode === ErrorCodes.badRequest) {
        throw new BadRequestError(`${failure} ${err.message}`, { cause: err, httpStatus: err.httpStatus });
      }
      if (err instanceof RegistryError) throw err;
      // a write whose own reads find the store gone is refused as every write during an outage
      throw storeOutage(err) ?? new RegistryError(ErrorCodes.internalServiceError, failure, { cause: err });
    }
  }

  audit(req: JsonObject): Audit {
    const extensionsValue = prop(req, 'extensions');
    const a = {
      operation: str(req, 'operation'),
      operatorId: str(req, 'operatorId'),
      token: str(req, 'token'),
      reason: str(req, 'reason') ?? '',
      extensions: extensionsValue === undefined ? '{}' : str(req, 'extensions'),
    };
    for (const name of ['operation', 'operatorId', 'token', 'extensions'] as const) {
      if (blank(a[name])) throw new BadRequestError(`${name} is null or empty (the audit fields operation, operatorId, token and extensions are required)`);
    }
    checkLengths(Object.entries(a), this.deps.settings.maxFieldLength);
    return a as Audit;
  }

  /** Fails when a write holds more than management.maxRoutingBatch `what`. */
  checkBatch(name: string, count: number, what: string): void {
    const max = this.deps.settings.maxRoutingBatch;
    if (count > max) throw new BadRequestError(`${name} holds ${count} ${what}; the limit is ${max} (management.maxRoutingBatch)`);
  }

  /** A list of ids (`[long]`), at most maxRoutingBatch; null entries count as 0 (matching nothing). */
  ids(req: JsonObject, name: string): Set<number> {
    const raw = list(req, name) ?? [];
    if (raw.length === 0) throw new BadRequestError(`${name} is null or empty`);
    this.checkBatch(name, raw.length, 'ids');
    return new Set(raw.map((v, i) => readInteger(v, `request.${name}[${i}]`)));
  }

  /** A non-empty list of objects, at most maxRoutingBatch. */
  items(req: JsonObject, name: string): JsonObject[] {
    const raw = list(req, name);
    if (raw === null || raw.length === 0) throw new BadRequestError(`${name} is null or empty`);
    this.checkBatch(name, raw.length, 'entries');
    return raw.map((v, i) => {
      const o = readObject(v, `request.${name}[${i}]`);
      if (o === null) throw new BadRequestError(`${name}[${i}] is null`);
      return o;
    });
  }

  /** Trimmed text fields of an entry; `required` ones must be non-blank. */
  texts<R extends string, O extends string = never>(o: JsonObject, path: string, required: readonly R[], optional: readonly O[] = []): Record<R, string> & Record<O, string | null> {
    const out: Record<string, string | null> = {};
    for (const name of [...required, ...optional]) out[name] = str(o, name, path);
    for (const name of required) if (blank(out[name] ?? null)) throw new BadRequestError(`${path}.${name} is null or empty`);
    this.checkLengths(Object.entries(out).filter(([k]) => FIELD_LIMIT_NAMES.includes(k)));
    return out as Record<R, string> & Record<O, string | null>;
  }

  checkLengths(values: ReadonlyArray<[string, string | null]>): void {
    checkLengths(values, this.deps.settings.maxFieldLength);
  }

  /** A group of a write: every coordinate, appId and status required; description optional. */
  groupInput(o: JsonObject, path: string): GroupInput {
    return this.texts(o, path, ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status'], ['description']);
  }

  /** The records of a kind, read from the store (the reads inside a write). */
  async records<T>(kind: EntityKind, decoder: (r: EntityRecord) => T): Promise<T[]> {
    return (await this.deps.store.entities(kind)).map(decoder);
  }

  /**
   * The records of a read endpoint: from the store while it answers; while it is unavailable
   * (known, or found out by this read), the copy this node last loaded, which is what its
   * discovery applies, so the answer comes at once and agrees with what clients are served.
   */
  async readRecords<F extends keyof RoutingRecords>(field: F): Promise<RoutingRecords[F]> {
    if (this.deps.store.availability().available) {
      try {
        return await loadRecordList((kind) => this.deps.store.entities(kind), field);
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
      }
    }
    return this.deps.state().routing.records[field];
  }

  /** True when the read with this limiter identity is over its rate. */
  limited(identity: string): boolean {
    return !this.deps.limiter.tryAcquire(identity);
  }

  /**
   * The delete endpoints: the records with the given ids (not yet deleted, for soft deletes) are
   * removed, or marked deleted, with one log row each; ids without a record are skipped.
   */
  removeByIds<T extends { id: number; deleted?: boolean }>(body: unknown, spec: RemoveSpec<T>): Promise<void> {
    return this.run(spec.failure, async () => {
      const req = this.deps.request(body);
      const ids = this.ids(req, spec.idsField);
      const a = this.audit(req);
      const rows = (await this.records(spec.kind, spec.decode)).filter((r) => ids.has(r.id) && r.deleted !== true);
      const entities = rows.map((r): EntityWrite => (spec.soft === true ? { op: 'patch', kind: spec.kind, id: r.id, update: { deleted: true } } : { op: 'delete', kind: spec.kind, id: r.id }));
      await this.deps.commit({ entities, logs: rows.map((r) => spec.log(r, a)) }, spec.failure);
    });
  }
}
