import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { instanceTarget, serverTarget, zoneTarget, type ManagementState, type TargetOperations } from './management-state.js';

/** An instance whose "down" state changed between two management snapshots. */
export interface DownTransition {
  instance: Instance;
  down: boolean;
}

function changedKeys(a: ReadonlyMap<string, TargetOperations>, b: ReadonlyMap<string, TargetOperations>): TargetOperations[] {
  const out: TargetOperations[] = [];
  for (const [k, v] of a) if (!b.has(k)) out.push(v);
  for (const [k, v] of b) if (!a.has(k)) out.push(v);
  return out;
}

function* registered(repository: RegistryRepository): Generator<Instance> {
  for (const [, entry] of repository.serviceEntries()) for (const lease of entry.leases.values()) yield lease.instance;
}

/**
 * The registered instances whose "down" state differs between `before` and `after`: those on a
 * target whose operations appeared or disappeared (an instance, every instance on a server ip,
 * every instance of a service in a zone), re-checked against both snapshots.
 */
export function downTransitions(before: ManagementState, after: ManagementState, repository: RegistryRepository): DownTransition[] {
  const instanceTargets = new Set(changedKeys(before.instances, after.instances).map((t) => instanceTarget(t.row.regionId, t.row.serviceId, t.row.instanceId)));
  const serverTargets = new Set(changedKeys(before.servers, after.servers).map((t) => serverTarget(t.row.regionId, t.row.serverId)));
  const zoneTargets = new Set(changedKeys(before.zones, after.zones).map((t) => zoneTarget(t.row.regionId, t.row.serviceId, t.row.zoneId)));
  if (instanceTargets.size + serverTargets.size + zoneTargets.size === 0) return [];
  const out: DownTransition[] = [];
  const seen = new Set<string>();
  for (const i of registered(repository)) {
    const touched =
      instanceTargets.has(instanceTarget(i.regionId, i.serviceId, i.instanceId)) ||
      serverTargets.has(serverTarget(i.regionId, i.ip)) ||
      zoneTargets.has(zoneTarget(i.regionId, i.serviceId, i.zoneId));
    if (!touched) continue;
    const key = instanceKey(i);
    if (seen.has(key)) continue;
    seen.add(key);
    const was = before.isDown(i);
    const now = after.isDown(i);
    if (was !== now) out.push({ instance: i, down: now });
  }
  return out;
}
