import { serviceKey, type Instance } from '../core/wire/instance.js';
import type { RouteRule, Service, ServiceGroup } from '../core/wire/service.js';
import type { DiscoveryFilter } from '../discovery/discovery-filter.js';
import type { CanaryRow } from '../store/management-store.js';
import type { ManagementState } from './management-state.js';
import { CANARY_ROUTE_RULE, DEFAULT_STRATEGY, DEFAULT_WEIGHT, instanceGroupKey } from '../core/wire/route-rules.js';

export const CANARY_ZONE = 'canary';

const part = (s: string | null) => (s ?? '').trim();

export function canaryGroupKey(serviceId: string, row: CanaryRow): string {
  return [serviceId, row.regionId, CANARY_ZONE, row.appId].map(part).join('/').toLowerCase();
}

/**
 * Fills each group of the canary rule with its members: registered or logical instances named by
 * its member ids, plus registered instances that physically belong to it (by group key), each once.
 */
function withMembers(groups: readonly ServiceGroup[], service: Service): ServiceGroup[] {
  const registered = (service.instances ?? []).filter((i) => i.instanceId !== null && i.instanceId.trim() !== '');
  const byId = new Map<string, Instance>();
  for (const i of service.logicInstances ?? []) if (i.instanceId !== null) byId.set(i.instanceId, i);
  for (const i of registered) byId.set(i.instanceId as string, i);
  const keyed = registered.map((i) => [instanceGroupKey(i), i] as const);
  return groups.map((group) => {
    const members = new Map<string, Instance>();
    for (const id of group.instanceIds ?? []) {
      const i = byId.get(id);
      if (i !== undefined) members.set(id, i);
    }
    const prefix = `${group.groupKey ?? ''}/`;
    for (const [key, i] of keyed) if (!members.has(i.instanceId as string) && key.startsWith(prefix)) members.set(i.instanceId as string, i);
    return { ...group, instances: [...members.values()] };
  });
}

function canaryGroup(serviceId: string, row: CanaryRow): ServiceGroup {
  return { groupKey: canaryGroupKey(serviceId, row), instanceIds: [...row.ips], instances: null, metadata: null, weight: DEFAULT_WEIGHT };
}

const isCanaryRule = (r: RouteRule) => (r.routeId ?? '').trim().toLowerCase() === CANARY_ROUTE_RULE;

/**
 * Sets `logicInstances` and `routeRules` as management publishes them: the service's logical
 * instances and its active route rules (released weights). The canary IPs set through
 * update-canary-ips join the canary rule (created when the service has none), and the groups of
 * the first canary rule carry their member instances; while the service's canary rule is
 * inactive its canary IPs are not published. Runs before the down filter, so a pulled-out canary
 * instance still shows in its canary group.
 */
export function groupFilter(state: () => ManagementState): DiscoveryFilter {
  return {
    name: 'management-groups',
    dependsOnConfig: false,
    filter(service: Service): void {
      const s = state();
      const id = service.serviceId;
      service.logicInstances = id === null ? [] : [...(s.routing.logicInstances.get(id) ?? [])];
      const rules: RouteRule[] = id === null ? [] : [...(s.routing.routeRules.get(id) ?? [])];
      const rows = id === null || s.routing.inactiveCanaryServices.has(id) ? undefined : s.canaries.get(serviceKey(id));
      if (rows !== undefined && rows.length > 0) {
        const extra = rows.map((r) => canaryGroup(id as string, r));
        const at = rules.findIndex(isCanaryRule);
        if (at < 0) rules.push({ groups: extra, routeId: CANARY_ROUTE_RULE, strategy: DEFAULT_STRATEGY });
        else rules[at] = { ...rules[at]!, groups: [...(rules[at]!.groups ?? []), ...extra] };
      }
      const canary = rules.findIndex(isCanaryRule);
      if (canary >= 0) rules[canary] = { ...rules[canary]!, groups: withMembers(rules[canary]!.groups ?? [], service) };
      service.routeRules = rules;
    },
    // only the groups of a canary rule read the registered instances (their members)
    keepOnRemoval(serviceId: string): boolean {
      const s = state();
      if ((s.routing.routeRules.get(serviceId) ?? []).some(isCanaryRule)) return false;
      const rows = s.routing.inactiveCanaryServices.has(serviceId) ? undefined : s.canaries.get(serviceKey(serviceId));
      return rows === undefined || rows.length === 0;
    },
  };
}

/** Removes instances that are pulled out (instance, server or zone operations); leaves both lists as arrays. */
export function downFilter(state: () => ManagementState): DiscoveryFilter {
  return {
    name: 'management-down',
    dependsOnConfig: false,
    filter(service: Service): void {
      const s = state();
      service.instances = (service.instances ?? []).filter((i) => !s.isDown(i));
      service.logicInstances = (service.logicInstances ?? []).filter((i) => !s.isDown(i));
    },
    // each instance is kept or dropped on its own
    keepOnRemoval: () => true,
  };
}
