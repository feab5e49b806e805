import { describe, expect, it } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import type { RouteRule } from '../core/wire/service.js';
import { RoutePicker } from './picker.js';

const inst = (instanceId: string, status = 'up') => makeInstance({ serviceId: 's', instanceId, status });
const rule = (routeId: string, groups: Array<[string, number, string[], string?]>): RouteRule => ({
  routeId,
  strategy: 'weighted-round-robin',
  groups: groups.map(([groupKey, weight, ids, status]) => ({ groupKey, weight, instanceIds: null, metadata: null, instances: ids.map((id) => inst(id, status)) })),
});

describe('RoutePicker', () => {
  const rules = [
    rule('split', [
      ['blue', 2, ['b1', 'b2']],
      ['green', 1, ['g1']],
      ['off', 0, ['o1']],
      ['down', 9, ['d1'], 'down'],
    ]),
    rule('default-route-rule', [['default-group-key', 5, ['b1', 'b2', 'g1']]]),
  ];

  it('spreads picks over groups by weight, then round robin inside a group; skips weight 0 and groups with nothing up', () => {
    const picker = new RoutePicker();
    const picks = Array.from({ length: 6 }, () => picker.pick(rules, 'SPLIT')?.instanceId);
    expect(picks).toEqual(['b1', 'g1', 'b2', 'b1', 'g1', 'b2']);
  });

  it('routes by default-route-rule for an unknown rule or one with no usable group', () => {
    const picker = new RoutePicker();
    expect(Array.from({ length: 3 }, () => picker.pick(rules, 'nope')?.instanceId)).toEqual(['b1', 'b2', 'g1']);
    const dead = [rule('split', [['down', 1, ['d1'], 'down']]), rules[1]!];
    expect(picker.pick(dead, 'split')?.instanceId).toBe('b1');
    expect(picker.pick([rule('split', [['down', 1, ['d1'], 'down']])], 'split')).toBeUndefined();
  });
});
