import { serviceKey, type Instance } from '../core/wire/instance.js';
import type { CanaryRow, OperationKind, OperationRow } from '../store/management-store.js';
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

  constructor(
    rows: readonly OperationRow[] = [],
    canaries: readonly CanaryRow[] = [],
    /** Groups, route rules and logical instances; group operations come from `rows`. */
    readonly routing: RoutingState = RoutingState.EMPTY,
  ) {
    this.instances = index(rows, 'instance');
    this.servers = index(rows, 'server');
    this.zones = index(rows, 'zone');
    const byService = new Map<string, CanaryRow[]>();
    for (const c of canaries) {
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
    return this.routing.isGroupDown(i);
  }
}
