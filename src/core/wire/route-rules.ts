import type { Instance } from './instance.js';
import type { RouteRule, Service, ServiceGroup } from './service.js';

/** Weight of a group that has none (and of the default group); weights are kept within 0..10000. */
export const DEFAULT_WEIGHT = 5;
export const MIN_WEIGHT = 0;
export const MAX_WEIGHT = 10_000;
export const DEFAULT_STRATEGY = 'weighted-round-robin';
/** The rule every service has: all its registered, not pulled-out instances in one group. */
export const DEFAULT_ROUTE_RULE = 'default-route-rule';
export const DEFAULT_GROUP_KEY = 'default-group-key';
export const CANARY_ROUTE_RULE = 'canary-route-rule';

/** Weight normalisation: absent or negative → 5, above 10000 → 10000. */
export function fixWeight(weight: number | null | undefined): number {
  if (weight === null || weight === undefined || !Number.isFinite(weight) || weight < MIN_WEIGHT) return DEFAULT_WEIGHT;
  return Math.min(weight, MAX_WEIGHT);
}

/**
 * Instance group key: service/region/zone/group/instance over the non-blank parts, lower-cased; a
 * blank group or `default` becomes `default`. An instance physically belongs to a group when this
 * key starts with the group's key and a `/`.
 */
export function instanceGroupKey(i: Pick<Instance, 'serviceId' | 'regionId' | 'zoneId' | 'groupId' | 'instanceId'>): string {
  const raw = (i.groupId ?? '').trim();
  const group = raw === '' || raw.toLowerCase() === 'default' ? 'default' : raw;
  let key = '';
  for (const part of [i.serviceId, i.regionId, i.zoneId, group, i.instanceId]) {
    const t = (part ?? '').trim();
    if (t !== '') key = key === '' ? t : `${key}/${t}`;
  }
  return key.toLowerCase();
}

/** A text field as published, or '' when it is missing or not a string (data from the wire). */
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const list = <T>(v: readonly T[] | null | undefined): readonly T[] => (Array.isArray(v) ? (v as readonly T[]) : []);
const sameName = (a: unknown, b: string) => text(a).toLowerCase() === b;

/**
 * The route rules a caller routes by, resolved against the service's instances: each published
 * group gets its members as `instances` (instances named by its member ids, registered or logical,
 * plus registered instances that physically belong to it; for the canary rule also the instances
 * the server listed) and a normalised weight; groups without members are dropped. A
 * `default-route-rule` holding every registered instance is added unless the service publishes
 * one.
 */
export function effectiveRouteRules(service: Pick<Service, 'instances' | 'logicInstances' | 'routeRules'>): RouteRule[] {
  const registered = list(service.instances).filter((i) => text(i?.instanceId) !== '');
  const byId = new Map<string, Instance>();
  for (const i of list(service.logicInstances)) if (typeof i?.instanceId === 'string') byId.set(i.instanceId, i);
  for (const i of registered) byId.set(i.instanceId as string, i);
  const keys = registered.map((i) => [instanceGroupKey(i), i] as const);

  const rules: RouteRule[] = [];
  for (const rule of list(service.routeRules)) {
    if (typeof rule !== 'object' || rule === null || text(rule.routeId) === '' || list(rule.groups).length === 0) continue;
    const canary = sameName(rule.routeId, CANARY_ROUTE_RULE);
    const groups: ServiceGroup[] = [];
    for (const group of list(rule.groups)) {
      const groupKey = text(group?.groupKey);
      if (groupKey === '') continue;
      const members = new Map<string, Instance>();
      for (const id of list(group.instanceIds)) {
        const i = byId.get(id);
        if (i !== undefined) members.set(id, i);
      }
      const prefix = `${groupKey.toLowerCase()}/`;
      for (const [key, i] of keys) if (key.startsWith(prefix)) members.set(i.instanceId as string, i);
      // the instances the server listed in a canary group count only while the service still has them
      // (the list is built before pulled-out instances are removed, and is not updated by pushes)
      if (canary) {
        for (const listed of list(group.instances)) {
          const current = typeof listed?.instanceId === 'string' ? byId.get(listed.instanceId) : undefined;
          if (current !== undefined && !members.has(listed.instanceId as string)) members.set(listed.instanceId as string, current);
        }
      }
      const weight = typeof group.weight === 'number' ? group.weight : null;
      if (members.size > 0) groups.push({ ...group, groupKey, instances: [...members.values()], weight: fixWeight(weight) });
    }
    rules.push({ ...rule, groups });
  }
  if (!rules.some((r) => sameName(r.routeId, DEFAULT_ROUTE_RULE))) {
    rules.push({
      groups: [{ groupKey: DEFAULT_GROUP_KEY, instanceIds: null, instances: registered, metadata: null, weight: DEFAULT_WEIGHT }],
      routeId: DEFAULT_ROUTE_RULE,
      strategy: DEFAULT_STRATEGY,
    });
  }
  return rules;
}
