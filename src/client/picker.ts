import { instanceKey, type Instance } from '../core/wire/instance.js';
import { DEFAULT_ROUTE_RULE } from '../core/wire/route-rules.js';
import type { RouteRule, ServiceGroup } from '../core/wire/service.js';

/** An instance is "up" when its status is `up` (any case) or not set. */
export function isUp(instance: Instance): boolean {
  return shownStatus(instance).toLowerCase() === 'up';
}

/** The status discovery acts on: an instance registered without one (null or blank) counts as `up`. */
export function shownStatus(instance: Instance): string {
  const s = instance.status?.trim() ?? '';
  return s === '' ? 'up' : s;
}

/**
 * Smooth weighted round robin (the nginx algorithm) over any items with a stable key: each pick
 * adds every eligible item's weight to its running value and takes the highest, which then gives
 * back the total. Items with weight 0 are skipped. State follows items by key, so it survives
 * list updates; keys no longer listed are dropped once they outnumber the live ones.
 */
class SmoothWeighted<T> {
  private readonly current = new Map<string, number>();

  constructor(private readonly keyOf: (item: T) => string) {}

  pick(items: readonly T[], weight: (item: T) => number): T | undefined {
    let total = 0;
    let best: T | undefined;
    let bestKey = '';
    let bestValue = -Infinity;
    let eligible = 0;
    for (const item of items) {
      const w = Math.max(0, weight(item));
      if (!(w > 0)) continue;
      eligible++;
      const key = this.keyOf(item);
      const value = (this.current.get(key) ?? 0) + w;
      this.current.set(key, value);
      total += w;
      if (value > bestValue) {
        best = item;
        bestKey = key;
        bestValue = value;
      }
    }
    if (best === undefined) return undefined;
    this.current.set(bestKey, bestValue - total);
    if (this.current.size > eligible * 2 + 8) {
      const keep = new Set(items.filter((item) => Math.max(0, weight(item)) > 0).map(this.keyOf));
      for (const key of this.current.keys()) if (!keep.has(key)) this.current.delete(key);
    }
    return best;
  }
}

/**
 * Smooth weighted round robin over the up instances of a service. With equal weights it is plain
 * round robin; with weights it spreads picks evenly, never bursting on the heaviest instance.
 *
 * @example
 * ```ts
 * const rr = new WeightedRoundRobin();
 * rr.pick(service.instances ?? []); // a, b, c, a, b, c, ...
 * ```
 */
export class WeightedRoundRobin {
  private readonly picker = new SmoothWeighted<Instance>(instanceKey);

  /** The next up instance, or undefined when none is up. `weight` defaults to 1 for all. */
  pick(instances: readonly Instance[], weight: (instance: Instance) => number = () => 1): Instance | undefined {
    return this.picker.pick(instances, (i) => (isUp(i) ? weight(i) : 0));
  }
}

const ruleName = (r: RouteRule) => (r.routeId ?? '').trim().toLowerCase();
const groupWeight = (g: ServiceGroup) => ((g.instances ?? []).some(isUp) ? (g.weight ?? 0) : 0);

/**
 * Weighted routing by route rule: picks a group of the named rule in proportion to the groups'
 * weights (smooth weighted round robin over groups that have an up member and a weight above 0),
 * then an up instance of that group round robin. An unknown rule name, or a rule with no usable
 * group, routes by `default-route-rule`.
 */
export class RoutePicker {
  /** Group choice per rule name. */
  private readonly groups = new Map<string, SmoothWeighted<ServiceGroup>>();
  /** Instance choice per rule name and group key. */
  private readonly members = new Map<string, WeightedRoundRobin>();

  /** Forgets the state of rules and groups that `rules` no longer has. */
  retain(rules: readonly RouteRule[]): void {
    const names = new Set(rules.map(ruleName));
    const live = new Set(rules.flatMap((r) => (r.groups ?? []).map((g) => `${ruleName(r)}\u0000${g.groupKey ?? ''}`)));
    for (const name of this.groups.keys()) if (!names.has(name)) this.groups.delete(name);
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
    const name = ruleName(rule);
    let groups = this.groups.get(name);
    if (groups === undefined) this.groups.set(name, (groups = new SmoothWeighted<ServiceGroup>((g) => g.groupKey ?? '')));
    const group = groups.pick(rule.groups ?? [], groupWeight);
    if (group === undefined) return undefined;
    const key = `${name}\u0000${group.groupKey ?? ''}`;
    let picker = this.members.get(key);
    if (picker === undefined) this.members.set(key, (picker = new WeightedRoundRobin()));
    return picker.pick(group.instances ?? []);
  }
}
