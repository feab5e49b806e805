import { instanceKey, type Instance } from '../core/wire/instance.js';

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
    const keep = new Set(instances.map(instanceKey));
    for (const key of this.current.keys()) if (!keep.has(key)) this.current.delete(key);
  }
}
