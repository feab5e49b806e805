import { ErrorCodes } from '../../core/error-codes.js';
import { BadRequestError, RegistryError } from '../../core/errors.js';
import { RATE_LIMITED, SUCCESS } from '../../core/response-status.js';
import { readInt32, readInteger, readObject, type JsonObject } from '../../core/wire/json-reader.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { operationRow, type EntityKind, type EntityRecord, type EntityWrite, type LogFields, type LogTable, type ManagementStore, type OperationRow, type WriteBatch } from '../../store/management-store.js';
import type { ManagementState } from '../management-state.js';
import { blank, bool, checkLengths, list, obj, prop, str } from '../requests.js';
import { decode, groupKeyOf, recordKeys, wire, type GroupRecord } from './routing-records.js';

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
interface Audit {
  operation: string;
  operatorId: string;
  token: string;
  reason: string;
  extensions: string;
}

const FIELD_LIMIT_NAMES = ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', 'strategy', 'instanceId', 'tag', 'value', 'ip', 'machineName', 'protocol', 'url', 'healthCheckUrl', 'groupId'];

/** Reads an optional Java `long`: absent or null → null. */
function optionalLong(o: JsonObject | null, name: string, path: string): number | null {
  const v = prop(o, name);
  return v === undefined || v === null ? null : readInteger(v, `${path}.${name}`);
}

/** Reads an optional Java `int`: absent or null → null. */
function optionalInt(o: JsonObject | null, name: string, path: string): number | null {
  const v = prop(o, name);
  return v === undefined || v === null ? null : readInt32(v, `${path}.${name}`);
}

const eq = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Groups, route rules and their weighted links, group tags, group operations (group pull-out),
 * logical group members and logical service instances: the `/api/management/group/**` endpoints.
 * Writes are validated whole and go to the store in one atomic batch (create-route-rule and an
 * implicit group creation take two); reads named "get-all-…" answer from the node's snapshot,
 * the others from the store.
 */
export class RoutingService {
  constructor(private readonly deps: RoutingDeps) {}

  // ---- shared pieces ----

  /** Runs a write or read, prefixing input errors with the endpoint's failure text. */
  private async run<T>(failure: string, fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RegistryError && err.errorCode === ErrorCodes.badRequest) {
        throw new BadRequestError(`${failure} ${err.message}`, { cause: err, httpStatus: err.httpStatus });
      }
      if (err instanceof RegistryError) throw err;
      throw new RegistryError(ErrorCodes.internalServiceError, failure, { cause: err });
    }
  }

  private audit(req: JsonObject): Audit {
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

  /** A list of ids (`[long]`), at most maxRoutingBatch; null entries count as 0 (matching nothing). */
  private ids(req: JsonObject, name: string): Set<number> {
    const raw = list(req, name) ?? [];
    if (raw.length === 0) throw new BadRequestError(`${name} is null or empty`);
    if (raw.length > this.deps.settings.maxRoutingBatch) {
      throw new BadRequestError(`${name} holds ${raw.length} ids; the limit is ${this.deps.settings.maxRoutingBatch} (management.maxRoutingBatch)`);
    }
    return new Set(raw.map((v, i) => readInteger(v, `request.${name}[${i}]`)));
  }

  private items(req: JsonObject, name: string): JsonObject[] {
    const raw = list(req, name);
    if (raw === null || raw.length === 0) throw new BadRequestError(`${name} is null or empty`);
    if (raw.length > this.deps.settings.maxRoutingBatch) {
      throw new BadRequestError(`${name} holds ${raw.length} entries; the limit is ${this.deps.settings.maxRoutingBatch} (management.maxRoutingBatch)`);
    }
    return raw.map((v, i) => {
      const o = readObject(v, `request.${name}[${i}]`);
      if (o === null) throw new BadRequestError(`${name}[${i}] is null`);
      return o;
    });
  }

  /** Trimmed text fields of an entry; `required` ones must be non-blank. */
  private texts<R extends string, O extends string = never>(o: JsonObject, path: string, required: readonly R[], optional: readonly O[] = []): Record<R, string> & Record<O, string | null> {
    const out: Record<string, string | null> = {};
    for (const name of [...required, ...optional]) out[name] = str(o, name, path);
    for (const name of required) if (blank(out[name] ?? null)) throw new BadRequestError(`${path}.${name} is null or empty`);
    checkLengths(Object.entries(out).filter(([k]) => FIELD_LIMIT_NAMES.includes(k)), this.deps.settings.maxFieldLength);
    return out as Record<R, string> & Record<O, string | null>;
  }

  private async records<T>(kind: EntityKind, decoder: (r: EntityRecord) => T): Promise<T[]> {
    return (await this.deps.store.entities(kind)).map(decoder);
  }

  /**
   * The delete endpoints: the records with the given ids (not yet deleted, for soft deletes) are
   * removed, or marked deleted, with one log row each; ids without a record are skipped.
   */
  private removeByIds<T extends { id: number; deleted?: boolean }>(
    body: unknown,
    spec: {
      failure: string;
      idsField: string;
      kind: EntityKind;
      decode: (r: EntityRecord) => T;
      soft?: boolean;
      log: (row: T, a: Audit) => { table: LogTable; fields: LogFields };
    },
  ): Promise<void> {
    return this.run(spec.failure, async () => {
      const req = this.deps.request(body);
      const ids = this.ids(req, spec.idsField);
      const a = this.audit(req);
      const rows = (await this.records(spec.kind, spec.decode)).filter((r) => ids.has(r.id) && r.deleted !== true);
      const entities = rows.map((r): EntityWrite => (spec.soft === true ? { op: 'patch', kind: spec.kind, id: r.id, update: { deleted: true } } : { op: 'delete', kind: spec.kind, id: r.id }));
      await this.deps.commit({ entities, logs: rows.map((r) => spec.log(r, a)) }, spec.failure);
    });
  }

  private log(table: LogTable, values: LogFields): { table: LogTable; fields: LogFields } {
    return { table, fields: values };
  }

  private auditLog(a: Audit): LogFields {
    return { operation: a.operation, operatorId: a.operatorId, token: a.token, extensions: a.extensions, reason: a.reason };
  }

  private limited(identity: string): boolean {
    return !this.deps.limiter.tryAcquire(identity);
  }

  // ---- route rules ----

  insertRouteRules(body: unknown): Promise<void> {
    return this.run('insert route-rules failed.', () => this.writeRouteRules(body, false, 'insert route-rules failed.'));
  }

  updateRouteRules(body: unknown): Promise<void> {
    return this.run('update route-rules failed.', () => this.writeRouteRules(body, true, 'update route-rules failed.'));
  }

  private async writeRouteRules(body: unknown, overwrite: boolean, failure: string): Promise<void> {
    const req = this.deps.request(body);
    const rules = this.items(req, 'routeRules').map((o, i) => this.routeRuleInput(o, `routeRules[${i}]`));
    const a = this.audit(req);
    const batch: WriteBatch = { entities: [], logs: [] };
    for (const r of rules) this.putRouteRule(batch, r, overwrite, a);
    await this.deps.commit(batch, failure);
  }

  private routeRuleInput(o: JsonObject, path: string) {
    return this.texts(o, path, ['serviceId', 'name', 'status', 'strategy'], ['description']);
  }

  private putRouteRule(batch: WriteBatch, r: ReturnType<RoutingService['routeRuleInput']>, overwrite: boolean, a: Audit): void {
    const description = r.description ?? null;
    batch.entities!.push({
      op: 'put',
      kind: 'route-rule',
      key: recordKeys.routeRule(r),
      create: { serviceId: r.serviceId, name: r.name, description, status: r.status, strategy: r.strategy, deleted: false },
      update: overwrite ? { description, status: r.status, strategy: r.strategy, deleted: false } : { deleted: false },
    });
    batch.logs!.push(this.log('route-rule', { serviceId: r.serviceId, name: r.name, status: r.status, ...this.auditLog(a), complete: false }));
  }

  deleteRouteRules(body: unknown): Promise<void> {
    return this.removeByIds(body, {
      failure: 'delete route-rules failed.',
      idsField: 'routeRuleIds',
      kind: 'route-rule',
      decode: decode.routeRule,
      soft: true,
      log: (r, a) => this.log('route-rule', { serviceId: r.serviceId, name: r.name, status: r.status, ...this.auditLog(a), complete: false }),
    });
  }

  getRouteRules(body: unknown): Promise<object> {
    return this.run('get route-rules failed.', async () => {
      if (this.limited('get.route-rules')) return { responseStatus: RATE_LIMITED, routeRules: null };
      const req = readObject(body, 'request') ?? {};
      const id = optionalLong(req, 'routeRuleId', 'request');
      const filters = (['serviceId', 'name', 'status'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.records('route-rule', decode.routeRule)).filter(
        (r) => !r.deleted && (id === null || r.id === id) && filters.every(([f, v]) => eq(r[f], v as string)),
      );
      return { responseStatus: SUCCESS, routeRules: rows.map(wire.routeRule) };
    });
  }

  getAllRouteRules(): object {
    return { responseStatus: SUCCESS, routeRules: this.deps.state().routing.liveRouteRules().map(wire.routeRule) };
  }

  /** `create-route-rule.json`: a rule, its groups and their pending weights in one call. */
  createRouteRule(body: unknown): Promise<void> {
    const failure = 'create route-rule failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const ruleObject = obj(req, 'routeRule');
      if (ruleObject === null) throw new BadRequestError('routeRule is null');
      const rule = this.routeRuleInput(ruleObject, 'routeRule');
      const groups = this.items(req, 'groups').map((o, i) => {
        const path = `groups[${i}]`;
        const g = this.groupInput(o, path);
        if (!eq(g.serviceId, rule.serviceId)) throw new BadRequestError(`${path}.serviceId ${g.serviceId} is not the route rule's service ${rule.serviceId}`);
        const weight = optionalInt(o, 'weight', 'request.' + path);
        if (weight === null) throw new BadRequestError(`${path}.weight is null`);
        return { ...g, weight };
      });
      const a = this.audit(req);
      const first: WriteBatch = { entities: [], logs: [] };
      this.putRouteRule(first, rule, false, a);
      for (const g of this.collapseGroups(groups)) this.putGroup(first, g, false, a);
      await this.deps.commit(first, failure);

      const [rules, stored] = await Promise.all([this.records('route-rule', decode.routeRule), this.records('group', decode.group)]);
      const ruleIds = rules.filter((r) => !r.deleted && eq(r.serviceId, rule.serviceId) && eq(r.name, rule.name)).map((r) => r.id);
      const groupIds = new Map(stored.filter((g) => !g.deleted).map((g) => [g.groupKey, g.id]));
      const second: WriteBatch = { entities: [], logs: [] };
      for (const routeRuleId of ruleIds) {
        for (const g of groups) {
          const groupId = groupIds.get(groupKeyOf(g));
          if (groupId !== undefined) this.putLink(second, routeRuleId, groupId, g.weight, a);
        }
      }
      await this.deps.commit(second, failure);
    });
  }

  // ---- route-rule groups ----

  insertRouteRuleGroups(body: unknown): Promise<void> {
    return this.writeLinks(body, 'insert route-rule-groups failed.');
  }

  updateRouteRuleGroups(body: unknown): Promise<void> {
    return this.writeLinks(body, 'update route-rule-groups failed.');
  }

  private writeLinks(body: unknown, failure: string): Promise<void> {
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const links = this.linkInputs(req);
      const a = this.audit(req);
      const batch: WriteBatch = { entities: [], logs: [] };
      for (const l of links) this.putLink(batch, l.routeRuleId, l.groupId, l.unreleasedWeight, a);
      await this.deps.commit(batch, failure);
    });
  }

  private linkInputs(req: JsonObject) {
    return this.items(req, 'routeRuleGroups').map((o, i) => {
      const path = `request.routeRuleGroups[${i}]`;
      const routeRuleId = optionalLong(o, 'routeRuleId', path);
      const groupId = optionalLong(o, 'groupId', path);
      if (routeRuleId === null || groupId === null) throw new BadRequestError(`routeRuleGroups[${i}] needs routeRuleId and groupId`);
      return { routeRuleId, groupId, unreleasedWeight: optionalInt(o, 'unreleasedWeight', path) };
    });
  }

  private putLink(batch: WriteBatch, routeRuleId: number, groupId: number, unreleasedWeight: number | null, a: Audit): void {
    batch.entities!.push({
      op: 'put',
      kind: 'route-rule-group',
      key: recordKeys.routeRuleGroup(routeRuleId, groupId),
      create: { routeRuleId, groupId, weight: null, unreleasedWeight },
      update: { unreleasedWeight },
    });
    batch.logs!.push(this.log('route-rule-group', { routeRuleId, groupId, weight: unreleasedWeight, ...this.auditLog(a) }));
  }

  /** `release-route-rule-groups.json`: the pending weight of each link becomes the published one. */
  releaseRouteRuleGroups(body: unknown): Promise<void> {
    const failure = 'get route-rule-groups failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const links = this.linkInputs(req);
      const a = this.audit(req);
      const stored = new Map((await this.records('route-rule-group', decode.routeRuleGroup)).map((l) => [recordKeys.routeRuleGroup(l.routeRuleId, l.groupId), l]));
      const batch: WriteBatch = { entities: [], logs: [] };
      for (const l of links) {
        const row = stored.get(recordKeys.routeRuleGroup(l.routeRuleId, l.groupId));
        if (row !== undefined) batch.entities!.push({ op: 'copy', kind: 'route-rule-group', id: row.id, from: 'unreleasedWeight', to: 'weight' });
        batch.logs!.push(this.log('route-rule-group', { routeRuleId: l.routeRuleId, groupId: l.groupId, weight: l.unreleasedWeight, ...this.auditLog(a) }));
      }
      await this.deps.commit(batch, failure);
    });
  }

  deleteRouteRuleGroups(body: unknown): Promise<void> {
    return this.removeByIds(body, {
      failure: 'delete route-rule-groups failed.',
      idsField: 'routeRuleGroupIds',
      kind: 'route-rule-group',
      decode: decode.routeRuleGroup,
      log: (l, a) => this.log('route-rule-group', { routeRuleId: l.routeRuleId, groupId: l.groupId, weight: l.unreleasedWeight, ...this.auditLog(a) }),
    });
  }

  getRouteRuleGroups(body: unknown): Promise<object> {
    return this.run('get route-rule-groups failed.', async () => {
      if (this.limited('get.route-rule-groups')) return { responseStatus: RATE_LIMITED, routeRuleGroups: null };
      const req = readObject(body, 'request') ?? {};
      const want = {
        id: optionalLong(req, 'routeRuleGroupId', 'request'),
        routeRuleId: optionalLong(req, 'routeRuleId', 'request'),
        groupId: optionalLong(req, 'groupId', 'request'),
      };
      const rows = (await this.records('route-rule-group', decode.routeRuleGroup)).filter((l) =>
        (Object.keys(want) as Array<keyof typeof want>).every((k) => want[k] === null || l[k] === want[k]),
      );
      return { responseStatus: SUCCESS, routeRuleGroups: rows.map(wire.routeRuleGroup) };
    });
  }

  getAllRouteRuleGroups(): object {
    return { responseStatus: SUCCESS, routeRuleGroups: this.deps.state().routing.records.routeRuleGroups.map(wire.routeRuleGroup) };
  }

  // ---- groups ----

  insertGroups(body: unknown): Promise<void> {
    return this.writeGroups(body, false, 'insert groups failed.');
  }

  updateGroups(body: unknown): Promise<void> {
    return this.writeGroups(body, true, 'update groups failed.');
  }

  private writeGroups(body: unknown, overwrite: boolean, failure: string): Promise<void> {
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const groups = this.items(req, 'groups').map((o, i) => this.groupInput(o, `groups[${i}]`));
      const a = this.audit(req);
      const batch: WriteBatch = { entities: [], logs: [] };
      for (const g of this.collapseGroups(groups)) this.putGroup(batch, g, overwrite, a);
      await this.deps.commit(batch, failure);
    });
  }

  private groupInput(o: JsonObject, path: string) {
    return this.texts(o, path, ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status'], ['description']);
  }

  /** Entries with the same group key collapse into the last one. */
  private collapseGroups<T extends { serviceId: string; regionId: string; zoneId: string; name: string }>(groups: T[]): T[] {
    return [...new Map(groups.map((g) => [groupKeyOf(g), g])).values()];
  }

  private putGroup(batch: WriteBatch, g: ReturnType<RoutingService['groupInput']>, overwrite: boolean, a: Audit | null): void {
    const description = g.description ?? null;
    batch.entities!.push({
      op: 'put',
      kind: 'group',
      key: recordKeys.group(g),
      create: { serviceId: g.serviceId, regionId: g.regionId, zoneId: g.zoneId, name: g.name, appId: g.appId, description, status: g.status, deleted: false },
      update: overwrite ? { appId: g.appId, description, status: g.status, deleted: false } : { deleted: false },
    });
    if (a !== null) {
      batch.logs!.push(
        this.log('group', { serviceId: g.serviceId, regionId: g.regionId, zoneId: g.zoneId, name: g.name, appId: g.appId, status: g.status, ...this.auditLog(a) }),
      );
    }
  }

  deleteGroups(body: unknown): Promise<void> {
    return this.removeByIds(body, {
      failure: 'delete group failed.',
      idsField: 'groupIds',
      kind: 'group',
      decode: decode.group,
      soft: true,
      log: (g, a) => this.log('group', { serviceId: g.serviceId, regionId: g.regionId, zoneId: g.zoneId, name: g.name, appId: g.appId, status: g.status, ...this.auditLog(a) }),
    });
  }

  getGroups(body: unknown): Promise<object> {
    return this.run('get groups failed.', async () => {
      if (this.limited('get.groups')) return { groups: null, responseStatus: RATE_LIMITED };
      const req = readObject(body, 'request') ?? {};
      const filters = (['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.records('group', decode.group)).filter((g) => !g.deleted && filters.every(([f, v]) => eq(g[f], v as string)));
      return { groups: rows.map(wire.group), responseStatus: SUCCESS };
    });
  }

  getAllGroups(): object {
    return { groups: [...this.deps.state().routing.groupsById.values()].map(wire.group), responseStatus: SUCCESS };
  }

  // ---- group tags ----

  insertGroupTags(body: unknown): Promise<void> {
    return this.writeTags(body, 'insert group tag failed.');
  }

  updateGroupTags(body: unknown): Promise<void> {
    return this.writeTags(body, 'update group tag failed.');
  }

  private writeTags(body: unknown, failure: string): Promise<void> {
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const entities: EntityWrite[] = [];
      (list(req, 'groupTagsList') ?? []).forEach((item, i) => {
        const entry = readObject(item, `request.groupTagsList[${i}]`);
        const groupId = optionalLong(entry, 'groupId', `request.groupTagsList[${i}]`);
        const tags = obj(entry, 'tags', `request.groupTagsList[${i}]`);
        if (entry === null || groupId === null || tags === null) return;
        for (const [tag, value] of Object.entries(tags)) {
          const t = tag.trim();
          const v = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
          if (t === '' || v === '') continue;
          checkLengths([['tag', t], ['value', v]], this.deps.settings.maxFieldLength);
          entities.push({ op: 'put', kind: 'group-tag', key: recordKeys.groupTag(groupId, t), create: { groupId, tag: t, value: v }, update: { value: v } });
        }
      });
      if (entities.length === 0) throw new BadRequestError('groupTagsList holds no tag to write');
      if (entities.length > this.deps.settings.maxRoutingBatch) {
        throw new BadRequestError(`groupTagsList holds ${entities.length} tags; the limit is ${this.deps.settings.maxRoutingBatch} (management.maxRoutingBatch)`);
      }
      await this.deps.commit({ entities }, failure);
    });
  }

  deleteGroupTags(body: unknown): Promise<void> {
    const failure = 'delete group-tags failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const groupId = optionalLong(req, 'groupId', 'request');
      const tag = str(req, 'tag');
      const value = str(req, 'value');
      if (groupId === null && blank(tag) && blank(value)) throw new BadRequestError('groupId, tag or value is required');
      const rows = (await this.records('group-tag', decode.groupTag)).filter(
        (t) => (groupId === null || t.groupId === groupId) && (blank(tag) || eq(t.tag, tag as string)) && (blank(value) || eq(t.value, value as string)),
      );
      await this.deps.commit({ entities: rows.map((t): EntityWrite => ({ op: 'delete', kind: 'group-tag', id: t.id })) }, failure);
    });
  }

  getGroupTags(body: unknown): Promise<object> {
    return this.run('get group-tags failed.', () => {
      const groupId = optionalLong(readObject(body, 'request'), 'groupId', 'request');
      const tags = groupId === null ? undefined : this.deps.state().routing.tagsByGroup.get(groupId);
      return { groupTags: tags === undefined ? null : { groupId, tags: { ...tags } }, responseStatus: SUCCESS };
    });
  }

  getAllGroupTags(): object {
    const all = [...this.deps.state().routing.tagsByGroup].map(([groupId, tags]) => ({ groupId, tags: { ...tags } }));
    return { allGroupTags: all, responseStatus: SUCCESS };
  }

  // ---- group operations ----

  /** `operate-group-operations.json`: add or complete operation labels on groups by id. */
  operateGroupOperations(body: unknown): Promise<void> {
    const failure = 'operate group operation failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const complete = bool(req, 'operationComplete');
      const pairs: Array<{ groupId: number; label: string }> = [];
      (list(req, 'groupOperationsList') ?? []).forEach((item, i) => {
        const path = `request.groupOperationsList[${i}]`;
        const entry = readObject(item, path);
        const groupId = optionalLong(entry, 'groupId', path);
        if (entry === null || groupId === null) return;
        (list(entry, 'operations', path) ?? []).forEach((op, j) => {
          const label = (str({ op }, 'op', `${path}.operations[${j}]`) ?? '').trim();
          if (label !== '') pairs.push({ groupId, label });
        });
      });
      if (pairs.length === 0) return;
      if (pairs.length > this.deps.settings.maxRoutingBatch) {
        throw new BadRequestError(`groupOperationsList holds ${pairs.length} operations; the limit is ${this.deps.settings.maxRoutingBatch} (management.maxRoutingBatch)`);
      }
      const a = this.audit(req);
      checkLengths(pairs.map((p): [string, string] => ['operations[]', p.label]), this.deps.settings.maxFieldLength);
      await this.deps.commit(this.groupOperationBatch(pairs, complete, a), failure);
    });
  }

  private groupOperationBatch(pairs: Array<{ groupId: number; label: string }>, complete: boolean, a: Audit): WriteBatch {
    const rows: OperationRow[] = pairs.map((p) => operationRow({ kind: 'group', groupId: String(p.groupId), operation: p.label, operatorId: a.operatorId, token: a.token }));
    const logs = pairs.map((p) =>
      this.log('group-operation', { groupId: p.groupId, operation: p.label, complete, operatorId: a.operatorId, token: a.token, extensions: a.extensions, reason: a.reason }),
    );
    return complete ? { remove: rows, logs } : { upsert: rows, logs };
  }

  /** `operate-group-operation.json`: one label on the group found by its coordinates (created when missing). */
  operateGroupOperation(body: unknown): Promise<void> {
    const failure = 'operate group operation failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const a = this.audit(req);
      const complete = bool(req, 'operationComplete');
      const coordinates = this.texts(req, 'request', [], ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', 'description']);
      const find = async (): Promise<GroupRecord | undefined> =>
        (await this.records('group', decode.group)).find(
          (g) => !g.deleted && (['serviceId', 'regionId', 'zoneId', 'name'] as const).every((f) => blank(coordinates[f] ?? null) || eq(g[f], coordinates[f] as string)),
        );
      let group = await find();
      if (group === undefined) {
        const input = this.groupInput(req, 'request');
        const batch: WriteBatch = { entities: [] };
        this.putGroup(batch, input, false, null);
        await this.deps.commit(batch, failure);
        group = await find();
        if (group === undefined) throw new RegistryError(ErrorCodes.internalServiceError, failure);
      }
      await this.deps.commit(this.groupOperationBatch([{ groupId: group.id, label: a.operation }], complete, a), failure);
    });
  }

  getGroupOperations(body: unknown): Promise<object> {
    return this.run('get group operations failed.', () => {
      const groupId = optionalLong(readObject(body, 'request'), 'groupId', 'request');
      const ops = groupId === null ? undefined : this.deps.state().groupOperations.get(groupId);
      return { groupOperations: ops === undefined ? null : { groupId, operations: [...ops] }, responseStatus: SUCCESS };
    });
  }

  getAllGroupOperations(): object {
    const all = [...this.deps.state().groupOperations].map(([groupId, operations]) => ({ groupId, operations: [...operations] }));
    return { allGroupOperations: all, responseStatus: SUCCESS };
  }

  // ---- group instances (logical membership) ----

  insertGroupInstances(body: unknown): Promise<void> {
    const failure = 'insert group instances failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const members = this.items(req, 'groupInstances').map((o, i) => {
        const groupId = optionalLong(o, 'groupId', `request.groupInstances[${i}]`);
        if (groupId === null) throw new BadRequestError(`groupInstances[${i}].groupId is null`);
        return { groupId, instanceId: this.texts(o, `groupInstances[${i}]`, ['instanceId']).instanceId };
      });
      const a = this.audit(req);
      await this.deps.commit(
        {
          entities: members.map((m): EntityWrite => ({ op: 'put', kind: 'group-instance', key: recordKeys.groupInstance(m.groupId, m.instanceId), create: { ...m }, update: {} })),
          logs: members.map((m) => this.log('group-instance', { ...m, operation: a.operation, operatorId: a.operatorId, token: a.token, reason: a.reason })),
        },
        failure,
      );
    });
  }

  deleteGroupInstances(body: unknown): Promise<void> {
    return this.removeByIds(body, {
      failure: 'delete group instances failed.',
      idsField: 'groupInstanceIds',
      kind: 'group-instance',
      decode: decode.groupInstance,
      log: (m, a) => this.log('group-instance', { groupId: m.groupId, instanceId: m.instanceId, operation: a.operation, operatorId: a.operatorId, token: a.token, reason: a.reason }),
    });
  }

  getGroupInstances(body: unknown): Promise<object> {
    return this.run('get group instances failed.', async () => {
      const req = readObject(body, 'request') ?? {};
      const groupId = optionalLong(req, 'groupId', 'request');
      const instanceId = str(req, 'instanceId');
      const rows = (await this.records('group-instance', decode.groupInstance)).filter(
        (m) => (groupId === null || m.groupId === groupId) && (blank(instanceId) || eq(m.instanceId, instanceId as string)),
      );
      return { groupInstances: rows.map(wire.groupInstance), responseStatus: SUCCESS };
    });
  }

  // ---- service instances (logical instances) ----

  insertServiceInstances(body: unknown): Promise<void> {
    const failure = 'insert service instances failed.';
    return this.run(failure, async () => {
      const req = this.deps.request(body);
      const rows = this.items(req, 'serviceInstances').map((o, i) => {
        const path = `serviceInstances[${i}]`;
        const t = this.texts(o, path, ['instanceId', 'url', 'ip', 'machineName', 'protocol', 'regionId', 'zoneId', 'healthCheckUrl', 'groupId'], ['serviceId', 'description']);
        if (t.serviceId === null) throw new BadRequestError(`${path}.serviceId is null`);
        const metadataObject = obj(o, 'metadata', `request.${path}`);
        if (metadataObject === null) throw new BadRequestError(`${path}.metadata is null or empty`);
        const metadata = JSON.stringify(metadataObject);
        if (metadata.length > this.deps.settings.maxFieldLength) {
          throw new BadRequestError(`${path}.metadata is ${metadata.length} characters long as JSON; the limit is ${this.deps.settings.maxFieldLength} (limits.maxFieldLength)`);
        }
        const port = optionalInt(o, 'port', `request.${path}`) ?? 0;
        return {
          serviceId: t.serviceId ?? '',
          instanceId: t.instanceId,
          ip: t.ip,
          machineName: t.machineName,
          metadata,
          port,
          protocol: t.protocol,
          regionId: t.regionId,
          zoneId: t.zoneId,
          healthCheckUrl: t.healthCheckUrl,
          url: t.url,
          description: t.description ?? null,
          groupId: t.groupId,
        };
      });
      const a = this.audit(req);
      await this.deps.commit(
        {
          entities: rows.map((r): EntityWrite => {
            const { serviceId, instanceId, ...rest } = r;
            return { op: 'put', kind: 'service-instance', key: recordKeys.serviceInstance(serviceId, instanceId), create: { ...r }, update: rest };
          }),
          logs: rows.map(({ description: _description, ...r }) => this.log('service-instance', { ...r, operation: a.operation, operatorId: a.operatorId, token: a.token })),
        },
        failure,
      );
    });
  }

  deleteServiceInstances(body: unknown): Promise<void> {
    return this.removeByIds(body, {
      failure: 'delete service instances failed.',
      idsField: 'serviceInstanceIds',
      kind: 'service-instance',
      decode: decode.serviceInstance,
      log: ({ id: _id, description: _description, ...s }, a) => this.log('service-instance', { ...s, operation: a.operation, operatorId: a.operatorId, token: a.token }),
    });
  }

  getServiceInstances(body: unknown): Promise<object> {
    return this.run('get service instances failed.', async () => {
      const req = readObject(body, 'request') ?? {};
      const filters = (['serviceId', 'instanceId'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.records('service-instance', decode.serviceInstance)).filter((s) => filters.every(([f, v]) => eq(s[f], v as string)));
      return { responseStatus: SUCCESS, serviceInstances: rows.map(wire.serviceInstance) };
    });
  }
}

