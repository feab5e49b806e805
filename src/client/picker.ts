import { instanceKey, type Instance } from '../core/wire/instance.js';
import { DEFAULT_ROUTE_RULE } from '../core/wire/route-rules.js';
import type { RouteRule, ServiceGroup } from '../core/wire/service.js';

/** An instance is "up" when its status is `up` (any case) or not set. */
export function isUp(instance: Instance): boolean {
  const s = instance.status;
  return s === null || s.trim() === '' || s.trim().toLowerCase() === 'up';
}

/**
 * Smooth weighted round robin (the nginx algorithm) over the up instances of a service. With
 * equal weights it is plain round robin; with weights it spreads picks evenly, never bursting
 * on the heaviest instance. State follows instances by identity, so it survives list updates.
 *
 * @example
 * ```ts
 * const rr = new WeightedRoundRobin();
 * rr.pick(service.instances ?? []); // a, b, c, a, b, c, ...
 * ```
 */
export class WeightedRoundRobin {
  private readonly current = new Map<string, number>();

  /** The next up instance, or undefined when none is up. `weight` defaults to 1 for all. */
  pick(instances: readonly Instance[], weight: (instance: Instance) => number = () => 1): Instance | undefined {
    let total = 0;
    let best: Instance | undefined;
    let bestKey = '';
    let bestWeight = -Infinity;
    let upCount = 0;
    for (const instance of instances) {
      if (!isUp(instance)) continue;
      const w = Math.max(0, weight(instance));
      if (w === 0) continue;
      upCount++;
      const key = instanceKey(instance);
      const value = (this.current.get(key) ?? 0) + w;
      this.current.set(key, value);
      total += w;
      if (value > bestWeight) {
        best = instance;
        bestKey = key;
        bestWeight = value;
      }
    }
    if (best === undefined) return undefined;
    this.current.set(bestKey, bestWeight - total);
    if (this.current.size > upCount * 2 + 8) this.prune(instances);
    return best;
  }

  private prune(instances: readonly Instance[]): void {
    const keep = new Set(instances.filter(isUp).map(instanceKey));
    for (const key of this.current.keys()) if (!keep.has(key)) this.current.delete(key);
  }
}

const ruleName = (r: RouteRule) => (r.routeId ?? '').trim().toLowerCase();

/**
 * Weighted routing by route rule: picks a group of the named rule in proportion to the groups'
 * weights (smooth weighted round robin over groups that have an up member and a weight above 0),
 * then an up instance of that group round robin. An unknown rule name, or a rule with no usable
 * group, routes by `default-route-rule`.
 */
export class RoutePicker {
  private readonly groupState = new Map<string, number>();
  private readonly members = new Map<string, WeightedRoundRobin>();

  /** Forgets the state of rules and groups that `rules` no longer has. */
  retain(rules: readonly RouteRule[]): void {
    const live = new Set(rules.flatMap((r) => (r.groups ?? []).map((g) => `${ruleName(r)}\u0000${g.groupKey ?? ''}`)));
    for (const key of this.groupState.keys()) if (!live.has(key)) this.groupState.delete(key);
    for (const key of this.members.keys()) if (!live.has(key)) this.members.delete(key);
  }

  /** `rules` as resolved by `effectiveRouteRules` (each group lists its member instances). */
  pick(rules: readonly RouteRule[], routeId: string): Instance | undefined {
    const wanted = routeId.trim().toLowerCase();
    const fallback = rules.find((r) => ruleName(r) === DEFAULT_ROUTE_RULE);
    const rule = rules.find((r) => ruleName(r) === wanted) ?? fallback;
    return (rule === undefined ? undefined : this.pickIn(rule)) ?? (fallback === undefined || fallback === rule ? undefined : this.pickIn(fallback));
  }

  private pickIn(rule: RouteRule): Instance | undefined {
    const usable = (rule.groups ?? []).filter((g) => (g.weight ?? 0) > 0 && (g.instances ?? []).some(isUp));
    if (usable.length === 0) return undefined;
    const name = ruleName(rule);
    let total = 0;
    let best: ServiceGroup | undefined;
    let bestValue = -Infinity;
    for (const g of usable) {
      const key = `${name}\u0000${g.groupKey ?? ''}`;
      const weight = g.weight ?? 0;
      const value = (this.groupState.get(key) ?? 0) + weight;
      this.groupState.set(key, value);
      total += weight;
      if (value > bestValue) {
        best = g;
        bestValue = value;
      }
    }
    const bestKey = `${name}\u0000${best!.groupKey ?? ''}`;
    this.groupState.set(bestKey, bestValue - total);
    let picker = this.members.get(bestKey);
    if (picker === undefined) this.members.set(bestKey, (picker = new WeightedRoundRobin()));
    return picker.pick(best!.instances ?? []);
  }
}
