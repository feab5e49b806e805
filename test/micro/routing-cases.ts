/**
 * Micro cases of routing (groups and route rules): building the snapshot a store load gives,
 * publishing a service's rules on a discovery rebuild, and resolving them in a client.
 */
import { makeInstance, type Instance } from '../../src/core/wire/instance.js';
import { effectiveRouteRules } from '../../src/core/wire/route-rules.js';
import { makeService } from '../../src/core/wire/service.js';
import { downFilter, groupFilter } from '../../src/management/management-filters.js';
import { ManagementState } from '../../src/management/management-state.js';
import { EMPTY_RECORDS, groupKeyOf, type RoutingRecords } from '../../src/management/routing/routing-records.js';
import { RoutingState } from '../../src/management/routing/routing-state.js';
import { operationRow } from '../../src/store/management-store.js';

export interface RoutingSizes {
  /** Services with route rules; each has 4 groups (2 per rule) and 2 rules. */
  routingServices: number;
  /** Instances of the service whose rules are published. */
  routingInstances: number;
}

const GENERIC = { discoveryData: {}, regionId: null, serviceId: 'discovery_generic_service_id', zoneId: null };

/** Groups blue/green/canary/spare per service, rules `split` (blue 90, green 10) and `canary-route-rule` (canary). */
function records(services: number): RoutingRecords {
  const out: RoutingRecords = { ...EMPTY_RECORDS, groups: [], routeRules: [], routeRuleGroups: [], groupTags: [], groupInstances: [] };
  let groupId = 0;
  for (let s = 0; s < services; s++) {
    const serviceId = `bench.routing.s${s}`;
    const ids: number[] = [];
    for (const name of ['blue', 'green', 'canary', 'spare']) {
      const g = { serviceId, regionId: 'SHA', zoneId: 'sha-z1', name };
      out.groups.push({ id: ++groupId, ...g, appId: 'app', description: null, status: 'active', deleted: false, groupKey: groupKeyOf(g) });
      ids.push(groupId);
    }
    out.groupTags.push({ id: s + 1, groupId: ids[0]!, tag: 'owner', value: 'team' });
    out.groupInstances.push({ id: s + 1, groupId: ids[2]!, instanceId: `10.0.0.3:8080` });
    const split = { id: 2 * s + 1, serviceId, name: 'split', description: null, status: 'active', strategy: 'weighted-round-robin', deleted: false };
    const canary = { ...split, id: 2 * s + 2, name: 'canary-route-rule' };
    out.routeRules.push(split, canary);
    const link = (routeRuleId: number, gid: number, weight: number) =>
      out.routeRuleGroups.push({ id: out.routeRuleGroups.length + 1, routeRuleId, groupId: gid, weight, unreleasedWeight: weight });
    link(split.id, ids[0]!, 90);
    link(split.id, ids[1]!, 10);
    link(canary.id, ids[2]!, 5);
  }
  return out;
}

function instances(count: number): Instance[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = `10.0.${(i >> 8) & 255}.${i & 255}`;
    return makeInstance({ serviceId: 'bench.routing.s0', regionId: 'SHA', zoneId: 'sha-z1', groupId: i % 2 === 0 ? 'blue' : 'green', instanceId: `${ip}:8080`, ip, port: 8080, status: 'up' });
  });
}

export function routingCases(s: RoutingSizes) {
  return [
    {
      name: `routing snapshot from ${s.routingServices.toLocaleString('en-US')} services (4 groups, 2 rules each)`,
      prepare: () => {
        const r = records(s.routingServices);
        return () => new RoutingState(r);
      },
    },
    {
      name: `publish route rules of a ${s.routingInstances.toLocaleString('en-US')}-instance service (group + down filters)`,
      prepare: () => {
        const state = new ManagementState([operationRow({ kind: 'group', groupId: '2', operation: 'pullout' })], [], new RoutingState(records(s.routingServices)));
        const filters = [groupFilter(() => state), downFilter(() => state)];
        const list = instances(s.routingInstances);
        return () => {
          const service = makeService('bench.routing.s0', [...list]);
          for (const f of filters) f.filter(service, GENERIC);
          return service;
        };
      },
    },
    {
      name: `client: resolve route rules of a ${s.routingInstances.toLocaleString('en-US')}-instance service`,
      prepare: () => {
        const state = new ManagementState([], [], new RoutingState(records(1)));
        const service = makeService('bench.routing.s0', instances(s.routingInstances));
        groupFilter(() => state).filter(service, GENERIC);
        return () => effectiveRouteRules(service);
      },
    },
  ];
}
