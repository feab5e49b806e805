import { makeInstance, type Instance } from '../../core/wire/instance.js';
import { CANARY_ROUTE_RULE } from '../../core/wire/route-rules.js';
import type { RouteRule, ServiceGroup } from '../../core/wire/service.js';
import {
  EMPTY_RECORDS,
  fixWeight,
  isActive,
  parseMetadata,
  type GroupRecord,
  type RouteRuleRecord,
  type RoutingRecords,
} from './routing-records.js';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * The routing snapshot of one load of the entity records: what discovery publishes per service
 * (route rules with their released weights, logical instances, groups). Built when the records
 * changed, read by every discovery rebuild, never changed.
 */
export class RoutingState {
  /** Groups that are not deleted, by id. */
  readonly groupsById: ReadonlyMap<number, GroupRecord>;
  /** Tags of every group (deleted ones included), by group id. */
  readonly tagsByGroup: ReadonlyMap<number, Readonly<Record<string, string>>>;
  /** Logical members of every group, by group id. */
  readonly membersByGroup: ReadonlyMap<number, readonly string[]>;
  /** Published route rules by exact service id: active rules with at least one active group. */
  readonly routeRules: ReadonlyMap<string, readonly RouteRule[]>;
  /** Every group of a service (any status), by exact service id. */
  readonly serviceGroups: ReadonlyMap<string, readonly ServiceGroup[]>;
  /** Logical instances by exact service id, all `up`. */
  readonly logicInstances: ReadonlyMap<string, readonly Instance[]>;
  /** Per service: a text that changes whenever what discovery publishes of its routing (canary IPs hidden or not included) changes. */
  readonly signatures: ReadonlyMap<string, string>;
  /** Services (exact id) whose canary rule exists but is not active: their canary IPs are not published. */
  readonly inactiveCanaryServices: ReadonlySet<string>;

  constructor(readonly records: RoutingRecords = EMPTY_RECORDS) {
    const groupsById = new Map<number, GroupRecord>();
    for (const g of records.groups) if (!g.deleted) groupsById.set(g.id, g);
    this.groupsById = groupsById;

    const tagPairs = new Map<number, Array<[string, string]>>();
    for (const t of records.groupTags) push(tagPairs, t.groupId, [t.tag, t.value]);
    // fromEntries makes every tag an own property, "__proto__" included
    const tags = new Map([...tagPairs].map(([id, pairs]) => [id, Object.fromEntries(pairs)]));
    this.tagsByGroup = tags;

    const members = new Map<number, string[]>();
    for (const m of records.groupInstances) push(members, m.groupId, m.instanceId);
    this.membersByGroup = members;

    const group = (g: GroupRecord, weight: number | null): ServiceGroup => ({
      groupKey: g.groupKey,
      instanceIds: [...(members.get(g.id) ?? [])],
      instances: null,
      metadata: tags.has(g.id) ? { ...tags.get(g.id) } : null,
      weight,
    });

    const serviceGroups = new Map<string, ServiceGroup[]>();
    for (const g of groupsById.values()) push(serviceGroups, g.serviceId, group(g, null));
    this.serviceGroups = serviceGroups;

    const linksByRule = new Map<number, RoutingRecords['routeRuleGroups']>();
    for (const link of records.routeRuleGroups) push(linksByRule, link.routeRuleId, link);
    const routeRules = new Map<string, RouteRule[]>();
    for (const rule of records.routeRules) {
      if (rule.deleted || !isActive(rule.status)) continue;
      const groups: ServiceGroup[] = [];
      for (const link of linksByRule.get(rule.id) ?? []) {
        const g = groupsById.get(link.groupId);
        if (g !== undefined && isActive(g.status)) groups.push(group(g, fixWeight(link.weight)));
      }
      if (groups.length > 0) push(routeRules, rule.serviceId, { groups, routeId: rule.name, strategy: rule.strategy });
    }
    this.routeRules = routeRules;
    this.inactiveCanaryServices = new Set(
      records.routeRules.filter((r) => !r.deleted && !isActive(r.status) && r.name.trim().toLowerCase() === CANARY_ROUTE_RULE).map((r) => r.serviceId),
    );

    const logic = new Map<string, Instance[]>();
    for (const s of records.serviceInstances) {
      push(
        logic,
        s.serviceId,
        makeInstance({
          groupId: s.groupId,
          healthCheckUrl: s.healthCheckUrl,
          instanceId: s.instanceId,
          ip: s.ip,
          machineName: s.machineName,
          metadata: parseMetadata(s.metadata),
          port: s.port,
          protocol: s.protocol,
          regionId: s.regionId,
          serviceId: s.serviceId,
          status: 'up',
          url: s.url,
          zoneId: s.zoneId,
        }),
      );
    }
    this.logicInstances = logic;

    // an inactive canary rule hides the service's canary IPs, so it is part of what is published
    const signatures = new Map<string, string>();
    for (const id of new Set([...routeRules.keys(), ...logic.keys(), ...this.inactiveCanaryServices])) {
      signatures.set(id, JSON.stringify([routeRules.get(id) ?? [], logic.get(id) ?? [], this.inactiveCanaryServices.has(id)]));
    }
    this.signatures = signatures;
  }

  static readonly EMPTY = new RoutingState();

  /** Non-deleted route rules, every status. */
  liveRouteRules(): RouteRuleRecord[] {
    return this.records.routeRules.filter((r) => !r.deleted);
  }
}
