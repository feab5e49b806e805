import { serviceKey, type Instance } from '../core/wire/instance.js';
import type { RouteRule, Service, ServiceGroup } from '../core/wire/service.js';
import type { DiscoveryFilter } from '../discovery/discovery-filter.js';
import type { CanaryRow } from '../store/management-store.js';
import type { ManagementState } from './management-state.js';

export const CANARY_ROUTE_RULE = 'canary-route-rule';
export const CANARY_ZONE = 'canary';
const DEFAULT_WEIGHT = 5;

const part = (s: string | null) => (s ?? '').trim();

/** Group key of an instance: service/region/zone/group/instance, lower-cased, blank or `default` group → `default`. */
export function instanceGroupKey(i: Instance): string {
  const group = part(i.groupId) === '' || part(i.groupId).toLowerCase() === 'default' ? 'default' : part(i.groupId);
  return [i.serviceId, i.regionId, i.zoneId, group, i.instanceId].map(part).filter((p) => p !== '').join('/').toLowerCase();
}

export function canaryGroupKey(serviceId: string, row: CanaryRow): string {
  return [serviceId, row.regionId, CANARY_ZONE, row.appId].map(part).join('/').toLowerCase();
}

function canaryGroup(service: Service, row: CanaryRow): ServiceGroup {
  const groupKey = canaryGroupKey(service.serviceId ?? '', row);
  const ids = new Set(row.ips);
  const members = new Map<string, Instance>();
  for (const i of service.instances ?? []) {
    if (i.instanceId === null || i.instanceId.trim() === '') continue;
    if (ids.has(i.instanceId) || instanceGroupKey(i).startsWith(`${groupKey}/`)) members.set(i.instanceId, i);
  }
  return { groupKey, instanceIds: [...row.ips], instances: [...members.values()], metadata: null, weight: DEFAULT_WEIGHT };
}

/**
 * Sets `logicInstances` and `routeRules` as management does: logical instances (none until groups
 * exist) and the canary route rule of the service, whose group lists the canary instances.
 * Runs before the down filter, so a pulled-out canary instance still shows in the canary group.
 */
export function groupFilter(state: () => ManagementState): DiscoveryFilter {
  return {
    name: 'management-groups',
    dependsOnConfig: false,
    filter(service: Service): void {
      service.logicInstances ??= [];
      const rows = service.serviceId === null ? undefined : state().canaries.get(serviceKey(service.serviceId));
      const rules: RouteRule[] = [];
      if (rows !== undefined && rows.length > 0) {
        rules.push({ groups: rows.map((r) => canaryGroup(service, r)), routeId: CANARY_ROUTE_RULE, strategy: 'weighted-round-robin' });
      }
      service.routeRules = rules;
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
  };
}
