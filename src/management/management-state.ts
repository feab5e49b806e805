import { serviceKey, type Instance } from '../core/wire/instance.js';
import type { CanaryRow, OperationKind, OperationRow } from '../store/management-store.js';
import { instanceGroupKey } from '../core/wire/route-rules.js';
import { RoutingState } from './routing/routing-state.js';

/** The active operations on one target, with the target's key as first stored. */
export interface TargetOperations {
  readonly row: OperationRow;
  readonly operations: ReadonlySet<string>;
}

const lower = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();

export function instanceTarget(regionId: string | null, serviceId: string | null, instanceId: string | null): string {
  return `${lower(regionId)}.${lower(serviceId)}.${lower(instanceId)}`;
}
export function serverTarget(regionId: string | null, serverId: string | null): string {
  return `${lower(regionId)}.${lower(serverId)}`;
}
export function zoneTarget(regionId: string | null, serviceId: string | null, zoneId: string | null): string {
  return `${lower(regionId)}.${lower(serviceId)}.${lower(zoneId)}`;
}

function targetOf(row: OperationRow): string {
  switch (row.kind) {
    case 'instance':
      return instanceTarget(row.regionId, row.serviceId, row.instanceId);
    case 'server':
      return serverTarget(row.regionId, row.serverId);
    case 'zone':
      return zoneTarget(row.regionId, row.serviceId, row.zoneId);
    case 'group':
      return lower(row.groupId);
  }
}

function index(rows: readonly OperationRow[], kind: OperationKind): Map<string, TargetOperations> {
  const out = new Map<string, { row: OperationRow; operations: Set<string> }>();
  for (const row of rows) {
    if (row.kind !== kind || row.operation.trim() === '') continue;
    const key = targetOf(row);
    const entry = out.get(key);
    if (entry === undefined) out.set(key, { row, operations: new Set([row.operation]) });
    else entry.operations.add(row.operation);
  }
  return out;
}

/**
 * An immutable snapshot of management state: active operations by target and canary IPs by
 * service, and the routing snapshot. Answers the "down" predicate: an instance is down while an
 * instance, server (its ip), zone (its service in its zone) or group (the group it registered
 * in) operation is active.
 */
export class ManagementState {
  readonly instances: ReadonlyMap<string, TargetOperations>;
  readonly servers: ReadonlyMap<string, TargetOperations>;
  readonly zones: ReadonlyMap<string, TargetOperations>;
  readonly canaries: ReadonlyMap<string, readonly CanaryRow[]>;
  /** Group-operation labels by group id (groups since deleted included). */
  readonly groupOperations: ReadonlyMap<number, readonly string[]>;
  /** Existing groups with at least one operation → their service. */
  readonly pulledOutGroups: ReadonlyMap<number, string>;
  private readonly downGroupKeys: ReadonlySet<string>;
  /** Services (trimmed, lower-cased) with a pulled-out group: the only ones whose instances need a group-key check. */
  private readonly downGroupServices: ReadonlySet<string>;

  constructor(
    /** Every active operation row, in store order. */
    readonly rows: readonly OperationRow[] = [],
    /** Every canary row, in store order. */
    readonly canaryRows: readonly CanaryRow[] = [],
    /** Groups, route rules and logical instances; group operations come from `rows`. */
    readonly routing: RoutingState = RoutingState.EMPTY,
  ) {
    const labels = new Map<number, Set<string>>();
    for (const row of rows) {
      const id = Number(row.groupId);
      if (row.kind !== 'group' || row.operation.trim() === '' || !Number.isSafeInteger(id)) continue;
      const set = labels.get(id) ?? new Set<string>();
      set.add(row.operation);
      labels.set(id, set);
    }
    this.groupOperations = new Map([...labels].map(([id, set]) => [id, [...set].sort()]));
    const pulledOut = new Map<number, string>();
    const downKeys = new Set<string>();
    const downServices = new Set<string>();
    for (const id of labels.keys()) {
      const g = routing.groupsById.get(id);
      if (g === undefined) continue;
      pulledOut.set(id, g.serviceId);
      downKeys.add(g.groupKey);
      downServices.add(lower(g.serviceId));
    }
    this.pulledOutGroups = pulledOut;
    this.downGroupKeys = downKeys;
    this.downGroupServices = downServices;
    this.instances = index(rows, 'instance');
    this.servers = index(rows, 'server');
    this.zones = index(rows, 'zone');
    const byService = new Map<string, CanaryRow[]>();
    for (const c of canaryRows) {
      const key = serviceKey(c.serviceId);
      byService.set(key, [...(byService.get(key) ?? []), c]);
    }
    this.canaries = byService;
  }

  static readonly EMPTY = new ManagementState();

  isDown(i: Pick<Instance, 'regionId' | 'serviceId' | 'instanceId' | 'ip' | 'zoneId' | 'groupId'>): boolean {
    if (this.instances.size > 0 && this.instances.has(instanceTarget(i.regionId, i.serviceId, i.instanceId))) return true;
    if (this.servers.size > 0 && this.servers.has(serverTarget(i.regionId, i.ip))) return true;
    if (this.zones.size > 0 && this.zones.has(zoneTarget(i.regionId, i.serviceId, i.zoneId))) return true;
    return this.isGroupDown(i);
  }

  /** Whether a pulled-out group holds the instance physically (same service, region, zone and group name). */
  isGroupDown(i: Pick<Instance, 'serviceId' | 'regionId' | 'zoneId' | 'groupId' | 'instanceId'>): boolean {
    if (this.downGroupKeys.size === 0 || !this.downGroupServices.has(lower(i.serviceId))) return false;
    const key = instanceGroupKey(i);
    for (let at = key.indexOf('/'); at >= 0; at = key.indexOf('/', at + 1)) {
      if (this.downGroupKeys.has(key.slice(0, at))) return true;
    }
    return false;
  }
}
