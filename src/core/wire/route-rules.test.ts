import { describe, expect, it } from 'vitest';
import { makeInstance, type Instance } from './instance.js';
import { effectiveRouteRules, fixWeight, instanceGroupKey } from './route-rules.js';
import type { ServiceGroup } from './service.js';

const inst = (instanceId: string, groupId: string | null, extra: Partial<Instance> = {}) =>
  makeInstance({ serviceId: 'Demo.Svc', regionId: 'SHA', zoneId: 'Z1', groupId, instanceId, status: 'up', ...extra });
const group = (groupKey: string, extra: Partial<ServiceGroup> = {}): ServiceGroup => ({ groupKey, instanceIds: [], instances: null, metadata: null, weight: 10, ...extra });
const members = (g: ServiceGroup | undefined) => (g?.instances ?? []).map((i) => i.instanceId);

describe('route rules as a caller resolves them', () => {
  it('normalises weights and builds instance group keys', () => {
    expect([fixWeight(null), fixWeight(-1), fixWeight(0), fixWeight(70), fixWeight(20_000)]).toEqual([5, 5, 0, 70, 10_000]);
    expect(instanceGroupKey(inst('i1', null))).toBe('demo.svc/sha/z1/default/i1');
    expect(instanceGroupKey(inst('i1', ' Default '))).toBe('demo.svc/sha/z1/default/i1');
    expect(instanceGroupKey(inst('i1', 'Blue', { regionId: ' ' }))).toBe('demo.svc/z1/blue/i1');
  });

  it('fills groups with physical and named members, drops empty groups, adds the default rule', () => {
    const service = {
      instances: [inst('b1', 'blue'), inst('b2', 'BLUE'), inst('x1', null)],
      logicInstances: [inst('l1', 'other')],
      routeRules: [
        { routeId: 'split', strategy: 'weighted-round-robin', groups: [group('demo.svc/sha/z1/blue', { weight: null }), group('demo.svc/sha/z1/green', { instanceIds: ['l1', 'missing'] }), group('demo.svc/sha/z1/empty')] },
        { routeId: ' ', strategy: 'x', groups: [group('demo.svc/sha/z1/blue')] },
        { routeId: 'no-groups', strategy: 'x', groups: [] },
      ],
    };
    const rules = effectiveRouteRules(service);
    expect(rules.map((r) => r.routeId)).toEqual(['split', 'default-route-rule']);
    expect(rules[0]!.groups!.map((g) => [g.groupKey, g.weight, members(g)])).toEqual([
      ['demo.svc/sha/z1/blue', 5, ['b1', 'b2']],
      ['demo.svc/sha/z1/green', 10, ['l1']],
    ]);
    expect(members(rules[1]!.groups![0])).toEqual(['b1', 'b2', 'x1']);
  });

  it('the canary rule adds the listed instances the service still has; a published default rule is kept as is', () => {
    const listed = inst('c9', 'x');
    const rules = effectiveRouteRules({
      instances: [inst('b1', 'blue'), { ...listed, url: 'now' }],
      logicInstances: null,
      routeRules: [
        { routeId: 'Canary-Route-Rule', strategy: 'x', groups: [group('demo.svc/sha/canary/app', { instances: [listed, inst('gone', 'x')] })] },
        { routeId: 'DEFAULT-route-rule', strategy: 'x', groups: [group('demo.svc/sha/z1/blue')] },
      ],
    });
    expect(rules[0]!.groups![0]!.instances![0]!.url).toBe('now');
    expect(rules.map((r) => [r.routeId, r.groups!.map(members)])).toEqual([
      ['Canary-Route-Rule', [['c9']]],
      ['DEFAULT-route-rule', [['b1']]],
    ]);
  });

  it('skips malformed rules and groups from the wire instead of throwing', () => {
    const rules = effectiveRouteRules({
      instances: [inst('b1', 'blue')],
      logicInstances: null,
      routeRules: JSON.parse('[null, {"routeId": 5, "groups": [{}]}, {"routeId": "r", "groups": "x"}, {"routeId": "r2", "groups": [null, {"groupKey": 7}, {"groupKey": "demo.svc/sha/z1/blue", "weight": "9", "instanceIds": "y"}]}]'),
    });
    expect(rules.map((r) => [r.routeId, (r.groups ?? []).map((g) => [g.groupKey, g.weight, members(g)])])).toEqual([
      ['r2', [['demo.svc/sha/z1/blue', 5, ['b1']]]],
      ['default-route-rule', [['default-group-key', 5, ['b1']]]],
    ]);
  });
});
