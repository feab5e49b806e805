import { BadRequestError } from '../../core/errors.js';
import { RATE_LIMITED, SUCCESS } from '../../core/response-status.js';
import { readObject, type JsonObject } from '../../core/wire/json-reader.js';
import {
  CREATE_ROUTE_RULE_FAILED,
  DELETE_ROUTE_RULE_GROUPS_FAILED,
  DELETE_ROUTE_RULES_FAILED,
  GET_ROUTE_RULE_GROUPS_FAILED,
  GET_ROUTE_RULES_FAILED,
  INSERT_ROUTE_RULE_GROUPS_FAILED,
  INSERT_ROUTE_RULES_FAILED,
  RELEASE_ROUTE_RULE_GROUPS_FAILED,
  UPDATE_ROUTE_RULE_GROUPS_FAILED,
  UPDATE_ROUTE_RULES_FAILED,
} from '../failures.js';
import { blank, obj, str } from '../requests.js';
import { decode, groupKeyOf, recordKeys, wire, type RouteRuleRecord } from './routing-records.js';
import { auditLog, collapseGroups, eq, fullBatch, logEntry, optionalInt, optionalLong, putGroup, type Audit, type FullBatch, type LogEntry, type RoutingSupport } from './routing-support.js';

/** A route rule of a write, its text fields trimmed. */
interface RouteRuleInput {
  serviceId: string;
  name: string;
  status: string;
  strategy: string;
  description: string | null;
}

/** A link of a write: rule, group and the pending weight. */
interface LinkInput {
  routeRuleId: number;
  groupId: number;
  unreleasedWeight: number | null;
}

const ruleLog = (r: Pick<RouteRuleRecord, 'serviceId' | 'name' | 'status'>, a: Audit): LogEntry =>
  logEntry('route-rule', { serviceId: r.serviceId, name: r.name, status: r.status, ...auditLog(a), complete: false });

const linkLog = (routeRuleId: number, groupId: number, weight: number | null, a: Audit): LogEntry =>
  logEntry('route-rule-group', { routeRuleId, groupId, weight, ...auditLog(a) });

/**
 * Route rules and their weighted links to groups (`route-rule-groups`): insert, update, soft
 * delete and the store read of rules; create-route-rule (a rule, its groups and their links in
 * one call); insert, update (pending weight), release (pending → published) and delete of links.
 */
export class RouteRuleService {
  constructor(private readonly s: RoutingSupport) {}

  insertRouteRules(body: unknown): Promise<void> {
    return this.s.run(INSERT_ROUTE_RULES_FAILED, () => this.writeRouteRules(body, false, INSERT_ROUTE_RULES_FAILED));
  }

  updateRouteRules(body: unknown): Promise<void> {
    return this.s.run(UPDATE_ROUTE_RULES_FAILED, () => this.writeRouteRules(body, true, UPDATE_ROUTE_RULES_FAILED));
  }

  private async writeRouteRules(body: unknown, overwrite: boolean, failure: string): Promise<void> {
    const req = this.s.deps.request(body);
    const rules = this.s.items(req, 'routeRules').map((o, i) => this.routeRuleInput(o, `routeRules[${i}]`));
    const a = this.s.audit(req);
    const batch = fullBatch();
    for (const r of rules) this.putRouteRule(batch, r, overwrite, a);
    await this.s.deps.commit(batch, failure);
  }

  private routeRuleInput(o: JsonObject, path: string): RouteRuleInput {
    return this.s.texts(o, path, ['serviceId', 'name', 'status', 'strategy'], ['description']);
  }

  private putRouteRule(batch: FullBatch, r: RouteRuleInput, overwrite: boolean, a: Audit): void {
    const description = r.description ?? null;
    batch.entities.push({
      op: 'put',
      kind: 'route-rule',
      key: recordKeys.routeRule(r),
      create: { serviceId: r.serviceId, name: r.name, description, status: r.status, strategy: r.strategy, deleted: false },
      update: overwrite ? { description, status: r.status, strategy: r.strategy, deleted: false } : { deleted: false },
    });
    batch.logs.push(ruleLog(r, a));
  }

  deleteRouteRules(body: unknown): Promise<void> {
    return this.s.removeByIds(body, { failure: DELETE_ROUTE_RULES_FAILED, idsField: 'routeRuleIds', kind: 'route-rule', decode: decode.routeRule, soft: true, log: ruleLog });
  }

  getRouteRules(body: unknown): Promise<object> {
    return this.s.run(GET_ROUTE_RULES_FAILED, async () => {
      if (this.s.limited('get.route-rules')) return { responseStatus: RATE_LIMITED, routeRules: null };
      const req = readObject(body, 'request') ?? {};
      const id = optionalLong(req, 'routeRuleId', 'request');
      const filters = (['serviceId', 'name', 'status'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.s.readRecords('routeRules')).filter(
        (r) => !r.deleted && (id === null || r.id === id) && filters.every(([f, v]) => eq(r[f], v as string)),
      );
      return { responseStatus: SUCCESS, routeRules: rows.map(wire.routeRule) };
    });
  }

  getAllRouteRules(): object {
    return { responseStatus: SUCCESS, routeRules: this.s.deps.state().routing.liveRouteRules().map(wire.routeRule) };
  }

  /** `create-route-rule.json`: a rule, its groups and their pending weights in one call. */
  createRouteRule(body: unknown): Promise<void> {
    const failure = CREATE_ROUTE_RULE_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const ruleObject = obj(req, 'routeRule');
      if (ruleObject === null) throw new BadRequestError('routeRule is null');
      const rule = this.routeRuleInput(ruleObject, 'routeRule');
      const groups = this.s.items(req, 'groups').map((o, i) => {
        const path = `groups[${i}]`;
        const g = this.s.groupInput(o, path);
        if (!eq(g.serviceId, rule.serviceId)) throw new BadRequestError(`${path}.serviceId ${g.serviceId} is not the route rule's service ${rule.serviceId}`);
        const weight = optionalInt(o, 'weight', 'request.' + path);
        if (weight === null) throw new BadRequestError(`${path}.weight is null`);
        return { ...g, weight };
      });
      const a = this.s.audit(req);
      const first = fullBatch();
      this.putRouteRule(first, rule, false, a);
      for (const g of collapseGroups(groups)) putGroup(first, g, false, a);
      await this.s.deps.commit(first, failure);

      const [rules, stored] = await Promise.all([this.s.records('route-rule', decode.routeRule), this.s.records('group', decode.group)]);
      const ruleIds = rules.filter((r) => !r.deleted && eq(r.serviceId, rule.serviceId) && eq(r.name, rule.name)).map((r) => r.id);
      const groupIds = new Map(stored.filter((g) => !g.deleted).map((g) => [g.groupKey, g.id]));
      const second = fullBatch();
      for (const routeRuleId of ruleIds) {
        for (const g of groups) {
          const groupId = groupIds.get(groupKeyOf(g));
          if (groupId !== undefined) this.putLink(second, { routeRuleId, groupId, unreleasedWeight: g.weight }, a);
        }
      }
      await this.s.deps.commit(second, failure);
    });
  }

  // ---- route-rule groups ----

  insertRouteRuleGroups(body: unknown): Promise<void> {
    return this.writeLinks(body, INSERT_ROUTE_RULE_GROUPS_FAILED);
  }

  updateRouteRuleGroups(body: unknown): Promise<void> {
    return this.writeLinks(body, UPDATE_ROUTE_RULE_GROUPS_FAILED);
  }

  private writeLinks(body: unknown, failure: string): Promise<void> {
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const links = this.linkInputs(req);
      const a = this.s.audit(req);
      const batch = fullBatch();
      for (const l of links) this.putLink(batch, l, a);
      await this.s.deps.commit(batch, failure);
    });
  }

  private linkInputs(req: JsonObject): LinkInput[] {
    return this.s.items(req, 'routeRuleGroups').map((o, i) => {
      const path = `request.routeRuleGroups[${i}]`;
      const routeRuleId = optionalLong(o, 'routeRuleId', path);
      const groupId = optionalLong(o, 'groupId', path);
      if (routeRuleId === null || groupId === null) throw new BadRequestError(`routeRuleGroups[${i}] needs routeRuleId and groupId`);
      return { routeRuleId, groupId, unreleasedWeight: optionalInt(o, 'unreleasedWeight', path) };
    });
  }

  private putLink(batch: FullBatch, l: LinkInput, a: Audit): void {
    const { routeRuleId, groupId, unreleasedWeight } = l;
    batch.entities.push({
      op: 'put',
      kind: 'route-rule-group',
      key: recordKeys.routeRuleGroup(routeRuleId, groupId),
      create: { routeRuleId, groupId, weight: null, unreleasedWeight },
      update: { unreleasedWeight },
    });
    batch.logs.push(linkLog(routeRuleId, groupId, unreleasedWeight, a));
  }

  /** `release-route-rule-groups.json`: the pending weight of each link becomes the published one. */
  releaseRouteRuleGroups(body: unknown): Promise<void> {
    const failure = RELEASE_ROUTE_RULE_GROUPS_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const links = this.linkInputs(req);
      const a = this.s.audit(req);
      const stored = new Map((await this.s.records('route-rule-group', decode.routeRuleGroup)).map((l) => [recordKeys.routeRuleGroup(l.routeRuleId, l.groupId), l]));
      const batch = fullBatch();
      for (const l of links) {
        const row = stored.get(recordKeys.routeRuleGroup(l.routeRuleId, l.groupId));
        if (row !== undefined) batch.entities.push({ op: 'copy', kind: 'route-rule-group', id: row.id, from: 'unreleasedWeight', to: 'weight' });
        batch.logs.push(linkLog(l.routeRuleId, l.groupId, l.unreleasedWeight, a));
      }
      await this.s.deps.commit(batch, failure);
    });
  }

  deleteRouteRuleGroups(body: unknown): Promise<void> {
    return this.s.removeByIds(body, {
      failure: DELETE_ROUTE_RULE_GROUPS_FAILED,
      idsField: 'routeRuleGroupIds',
      kind: 'route-rule-group',
      decode: decode.routeRuleGroup,
      log: (l, a) => linkLog(l.routeRuleId, l.groupId, l.unreleasedWeight, a),
    });
  }

  getRouteRuleGroups(body: unknown): Promise<object> {
    return this.s.run(GET_ROUTE_RULE_GROUPS_FAILED, async () => {
      if (this.s.limited('get.route-rule-groups')) return { responseStatus: RATE_LIMITED, routeRuleGroups: null };
      const req = readObject(body, 'request') ?? {};
      const want = {
        id: optionalLong(req, 'routeRuleGroupId', 'request'),
        routeRuleId: optionalLong(req, 'routeRuleId', 'request'),
        groupId: optionalLong(req, 'groupId', 'request'),
      };
      const rows = (await this.s.readRecords('routeRuleGroups')).filter((l) =>
        (Object.keys(want) as Array<keyof typeof want>).every((k) => want[k] === null || l[k] === want[k]),
      );
      return { responseStatus: SUCCESS, routeRuleGroups: rows.map(wire.routeRuleGroup) };
    });
  }

  getAllRouteRuleGroups(): object {
    return { responseStatus: SUCCESS, routeRuleGroups: this.s.deps.state().routing.records.routeRuleGroups.map(wire.routeRuleGroup) };
  }
}
