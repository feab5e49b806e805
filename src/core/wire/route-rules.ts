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

const sameName = (a: string | null, b: string) => (a ?? '').trim().toLowerCase() === b;

/**
 * The route rules a caller routes by, resolved against the service's instances: each published
 * group gets its members as `instances` (instances named by its member ids, registered or logical,
 * plus registered instances that physically belong to it; for the canary rule also the instances
 * the server listed) and a normalised weight; groups without members are dropped. A
 * `default-route-rule` holding every registered instance is added unless the service publishes
 * one.
 */
export function effectiveRouteRules(service: Pick<Service, 'instances' | 'logicInstances' | 'routeRules'>): RouteRule[] {
  const registered = (service.instances ?? []).filter((i) => (i.instanceId ?? '').trim() !== '');
  const byId = new Map<string, Instance>();
  for (const i of service.logicInstances ?? []) if (i.instanceId !== null) byId.set(i.instanceId, i);
  for (const i of registered) byId.set(i.instanceId as string, i);
  const keys = registered.map((i) => [instanceGroupKey(i), i] as const);

  const rules: RouteRule[] = [];
  for (const rule of service.routeRules ?? []) {
    if (rule === null || (rule.routeId ?? '').trim() === '' || (rule.groups ?? []).length === 0) continue;
    const canary = sameName(rule.routeId, CANARY_ROUTE_RULE);
    const groups: ServiceGroup[] = [];
    for (const group of rule.groups ?? []) {
      const groupKey = (group?.groupKey ?? '').trim();
      if (groupKey === '') continue;
      const members = new Map<string, Instance>();
      for (const id of group.instanceIds ?? []) {
        const i = byId.get(id);
        if (i !== undefined) members.set(id, i);
      }
      const prefix = `${groupKey.toLowerCase()}/`;
      for (const [key, i] of keys) if (key.startsWith(prefix)) members.set(i.instanceId as string, i);
      if (canary) for (const i of group.instances ?? []) if (i.instanceId !== null && !members.has(i.instanceId)) members.set(i.instanceId, i);
      if (members.size > 0) groups.push({ ...group, groupKey, instances: [...members.values()], weight: fixWeight(group.weight) });
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
