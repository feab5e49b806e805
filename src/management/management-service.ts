import type { Clock } from '../core/clock.js';
import { ErrorCodes } from '../core/error-codes.js';
import { BadRequestError, RegistryError, ServiceUnavailableError } from '../core/errors.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { readObject, type JsonObject } from '../core/wire/json-reader.js';
import { reloadChange } from '../core/wire/service.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { operationIdentity, operationRow, type ManagementStore, type OperationRow, type WriteBatch } from '../store/management-store.js';
import { canaryIdentity } from '../store/store-input.js';
import { ManagementState } from './management-state.js';
import { bool, checkLengths, list, obj, requireFields, str } from './requests.js';
import { downTransitions } from './state-diff.js';
import { canaryBatch } from './canary.js';
import {
  OPERATE_ZONE_OPERATIONS_FAILED, UPDATE_CANARY_IPS_FAILED, UPDATE_INSTANCE_FAILED, UPDATE_SERVER_FAILED, REQUEST_NULL, ZONE_OPERATIONS_EMPTY,
  STORE_DIFFERS,
} from './failures.js';
import { refuseDuringOutage, storeOutage } from './store-outage.js';
import { loadRecords } from './routing/routing-records.js';
import { RoutingState } from './routing/routing-state.js';

/** Services with a logical instance whose "down" state differs between two snapshots. */
function logicalDownChanges(before: ManagementState, after: ManagementState): Set<string> {
  const out = new Set<string>();
  for (const [serviceId, instances] of after.routing.logicInstances) {
    if (instances.some((i) => before.isDown(i) !== after.isDown(i))) out.add(serviceId);
  }
  return out;
}

/**
 * Services whose published routing changed between two snapshots: route rules or logical
 * instances differ, or one of their groups gained its first or lost its last operation.
 */
function routingChanges(before: ManagementState, after: ManagementState): Set<string> {
  const out = new Set<string>();
  if (before.routing !== after.routing) {
    for (const [id, sig] of after.routing.signatures) if (before.routing.signatures.get(id) !== sig) out.add(id);
    for (const id of before.routing.signatures.keys()) if (!after.routing.signatures.has(id)) out.add(id);
  }
  for (const [groupId, serviceId] of after.pulledOutGroups) if (!before.pulledOutGroups.has(groupId)) out.add(serviceId);
  for (const [groupId, serviceId] of before.pulledOutGroups) if (!after.pulledOutGroups.has(groupId)) out.add(serviceId);
  return out;
}

export interface ManagementSettings {
  maxFieldLength: number;
  maxCanaryIps: number;
  maxZoneOperations: number;
  maxRoutingBatch: number;
}

export interface ManagementDeps {
  store: ManagementStore;
  repository: RegistryRepository;
  bus: ChangeBus;
  clock: Clock;
  node: () => ServiceNodeStatus;
  settings: ManagementSettings;
  /** Services whose discovery view changed without a per-instance change (canary). */
  invalidate: (serviceIds: string[]) => void;
  onError: (err: unknown, what: string) => void;
  /** A write batch was committed to the store (the operator log reports it). */
  onCommitted?: (batch: WriteBatch) => void;
  /** A reload from the store succeeded (after an outage: the store answers again). */
  onLoaded?: () => void;
  /**
   * Peers that use another management store than this node (each described, e.g. "node-2 at
   * http://… uses store <id>"); empty when they all share it or this node is node-local by choice.
   * While any is listed, management writes are refused.
   */
  peersWithOtherStore?: () => string[];
}

/** What distinguishes instance from server operations: the key object, its fields, log table and failure text. */
interface TargetSpec {
  kind: 'instance' | 'server';
  keyName: string;
  keyFields: string[];
  logTable: 'instance-operation' | 'server-operation';
  failure: string;
}

const INSTANCE_TARGET: TargetSpec = {
  kind: 'instance',
  keyName: 'instanceKey',
  keyFields: ['regionId', 'serviceId', 'instanceId'],
  logTable: 'instance-operation',
  failure: UPDATE_INSTANCE_FAILED,
};

const SERVER_TARGET: TargetSpec = {
  kind: 'server',
  keyName: 'serverKey',
  keyFields: ['regionId', 'serverId'],
  logTable: 'server-operation',
  failure: UPDATE_SERVER_FAILED,
};

/** A management write failure the reference reports as `internal-service-error` with a fixed text. */
class WriteFailed extends RegistryError {
  constructor(message: string, cause: unknown) {
    super(ErrorCodes.internalServiceError, message, { cause });
  }
}

/**
 * Management writes (pull-out / pull-in of instances, servers and zones; canary IPs) and the
 * node's in-memory view of management state. Every write is validated whole, written to the
 * store atomically, then applied at once on this node; other nodes sharing the store apply it
 * when the store's change feed tells them. Applying a new state publishes `delete` for instances
 * that became down and `new` for those that came back, and `reload` for services whose canary
 * IPs, route rules, logical instances or group pull-outs changed.
 */
export class ManagementService {
  private current = ManagementState.EMPTY;
  private loadedRevision = -1;
  private refreshing: Promise<void> | undefined;
  private followUp: Promise<void> | undefined;
  /** The store's entity revision the current routing snapshot was loaded at (-1: never loaded). */
  private routingRevision = -1;
  private unwatch: (() => void) | undefined;
  private following = false;

  constructor(private readonly deps: ManagementDeps) {}

  get state(): ManagementState {
    return this.current;
  }

  /** Loads the state once and follows the store's change feed. */
  async start(): Promise<void> {
    this.following = true;
    await this.refresh();
    this.unwatch = this.deps.store.watch((change) => {
      // Checked after the current turn: a write of this node is applied in memory by commit()
      // before then, and needs no reload. A failed reload has been reported by load(); the next
      // change, or the periodic refresh, tries again.
      setImmediate(() => {
        if (!this.following) return;
        if (change.resync || change.revision > this.loadedRevision) this.refresh().catch(() => undefined);
      });
    });
  }

  /** Stops following the store; resolves once a reload in flight (and its follow-up) has ended. */
  async stop(): Promise<void> {
    this.following = false;
    this.unwatch?.();
    this.unwatch = undefined;
    await (this.followUp ?? this.refreshing)?.catch(() => undefined);
  }

  /**
   * Reloads from the store. A call made while a load runs gets a follow-up load that starts when
   * the running one ends (all such calls share it), so a caller that has just written always sees
   * its write once the promise resolves.
   */
  refresh(): Promise<void> {
    if (this.refreshing === undefined) {
      this.refreshing = this.load().finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    this.followUp ??= this.refreshing
      .catch(() => undefined)
      .then(() => {
        this.followUp = undefined;
        return this.refresh();
      });
    return this.followUp;
  }

  private async load(): Promise<void> {
    try {
      const [revision, entityRevision] = await Promise.all([this.deps.store.revision(), this.deps.store.entityRevision()]);
      // routing records are read and rebuilt only when a batch with entity writes happened since
      const routing = entityRevision === this.routingRevision ? undefined : loadRecords((kind) => this.deps.store.entities(kind));
      const [rows, canaries, records] = await Promise.all([this.deps.store.operations(), this.deps.store.canaries(), routing]);
      const next = records === undefined ? this.current.routing : new RoutingState(records);
      this.apply(new ManagementState(rows, canaries, next));
      this.routingRevision = entityRevision;
      this.loadedRevision = Math.max(this.loadedRevision, revision);
      this.deps.onLoaded?.();
    } catch (err) {
      this.deps.onError(err, 'management refresh');
      throw err;
    }
  }

  private apply(next: ManagementState): void {
    const before = this.current;
    this.current = next;
    const now = this.deps.clock.now();
    for (const t of downTransitions(before, next, this.deps.repository)) {
      this.deps.bus.publish({ changeTime: now, changeType: t.down ? 'delete' : 'new', instance: t.instance });
    }
    const reload = new Set<string>();
    for (const [key, rows] of next.canaries) if (JSON.stringify(rows) !== JSON.stringify(before.canaries.get(key))) reload.add(rows[0]!.serviceId);
    for (const [key, rows] of before.canaries) if (!next.canaries.has(key)) reload.add(rows[0]!.serviceId);
    for (const id of routingChanges(before, next)) reload.add(id);
    for (const id of logicalDownChanges(before, next)) reload.add(id);
    if (reload.size === 0) return;
    this.deps.invalidate([...reload]);
    for (const id of reload) this.deps.bus.publish(reloadChange(id, now));
  }

  /** The node-up guard of every management write. */
  private guard(): void {
    const s = this.deps.node();
    if (s.status === 'up') return;
    const node = `${s.node.zone.regionId ?? ''}/${s.node.zone.zoneId ?? ''}/${s.node.url}`.toLowerCase();
    throw new ServiceUnavailableError(
      `Serivce is not in up state. Current status: { node: ${node}, status: ${s.status}, canServiceRegistry: ${String(s.canServiceRegistry)}, canServiceDiscovery: ${String(s.canServiceDiscovery)} }`,
    );
  }

  /** Refuses a write at once while the store cannot take it everywhere: unreachable, or not the peers' store. */
  private storeGuard(): void {
    refuseDuringOutage(this.deps.store);
    const others = this.deps.peersWithOtherStore?.() ?? [];
    if (others.length > 0) throw new ServiceUnavailableError(`${STORE_DIFFERS} This node uses store ${this.deps.store.identity()}; ${others.join('; ')}.`);
  }

  /** The node-up guard, the store guard and the null-request check of a write; returns the request object. */
  request(body: unknown): JsonObject {
    this.guard();
    this.storeGuard();
    const req = readObject(body, 'request');
    if (req === null) throw new BadRequestError(REQUEST_NULL);
    return req;
  }

  /**
   * Writes a batch atomically, then reloads. An unreachable store or a write its replicas did not
   * confirm becomes `service-unavailable`; any other store failure `internal-service-error` with `failure`.
   */
  async commit(batch: WriteBatch, failure: string): Promise<void> {
    let revision: number;
    try {
      revision = await this.deps.store.write(batch);
    } catch (err) {
      this.deps.onError(err, failure);
      throw storeOutage(err) ?? new WriteFailed(failure, err);
    }
    this.deps.onCommitted?.(batch);
    if (!this.applyOwn(batch, revision)) await this.refresh().catch(() => undefined);
  }

  /**
   * Applies this node's own write to the state in memory instead of reloading everything, when
   * that is exact: the write directly follows the loaded revision (nothing of another node is
   * missing), no reload is running, and it holds no entity writes (their ids come from the store).
   */
  private applyOwn(batch: WriteBatch, revision: number): boolean {
    if (this.refreshing !== undefined || revision !== this.loadedRevision + 1 || (batch.entities?.length ?? 0) > 0) return false;
    const rows = new Map(this.current.rows.map((r) => [operationIdentity(r), r]));
    for (const r of batch.upsert ?? []) {
      const id = operationIdentity(r);
      const old = rows.get(id);
      rows.set(id, old === undefined ? r : { ...old, operatorId: r.operatorId, token: r.token });
    }
    for (const r of batch.remove ?? []) rows.delete(operationIdentity(r));
    const canaries = new Map(this.current.canaryRows.map((c) => [canaryIdentity(c), c]));
    for (const c of batch.canary ?? []) {
      const old = canaries.get(canaryIdentity(c));
      canaries.set(canaryIdentity(c), old === undefined ? c : { ...old, regionId: c.regionId, ips: c.ips });
    }
    this.apply(new ManagementState([...rows.values()], [...canaries.values()], this.current.routing));
    this.loadedRevision = revision;
    return true;
  }

  /** `operate-instance.json`: add (pull-out) or complete (pull-in) an operation on one instance. */
  operateInstance(body: unknown): Promise<void> {
    return this.operateTarget(body, INSTANCE_TARGET);
  }

  /** `operate-server.json`: add or complete an operation on every instance of one server ip. */
  operateServer(body: unknown): Promise<void> {
    return this.operateTarget(body, SERVER_TARGET);
  }

  /** Reads the target key and the audit fields, validates them in the reference's order, writes row and log. */
  private async operateTarget(body: unknown, t: TargetSpec): Promise<void> {
    const req = this.request(body);
    const key = obj(req, t.keyName);
    if (key === null) throw new BadRequestError(`request.${t.keyName} is null`);
    const named: Array<[string, string | null]> = [
      ...t.keyFields.map((f): [string, string | null] => [f, str(key, f, `request.${t.keyName}`)]),
      ['operation', str(req, 'operation')],
      ['operatorId', str(req, 'operatorId')],
    ];
    requireFields(named);
    const token = str(req, 'token') ?? '';
    const reason = str(req, 'reason') ?? '';
    checkLengths([...named, ['token', token], ['reason', reason]], this.deps.settings.maxFieldLength);
    const fields = Object.fromEntries(named) as Record<string, string>;
    const row = operationRow({ ...fields, kind: t.kind, operation: fields.operation as string, token });
    const complete = bool(req, 'operationComplete');
    // the log row keeps the operator's reason in its extensions (JSON text), as {"reason": …}
    const extensions = reason === '' ? '{}' : JSON.stringify({ reason });
    const log = { table: t.logTable, fields: { ...fields, token, extensions, complete } };
    await this.commit(complete ? { remove: [row], logs: [log] } : { upsert: [row], logs: [log] }, t.failure);
  }

  /** `zone/operate-zone-operations.json`: operations on a service's instances in a zone, validated whole. */
  async operateZones(body: unknown): Promise<void> {
    const req = this.request(body);
    const complete = bool(req, 'operationComplete');
    const operatorId = str(req, 'operatorId');
    const token = str(req, 'token') ?? '';
    requireFields([['operatorId', operatorId]]);
    const rows = this.zoneRows(list(req, 'zoneOperationsList') ?? [], operatorId as string, token, complete);
    if (rows.length === 0) throw new BadRequestError(ZONE_OPERATIONS_EMPTY);
    const logs = rows.map((r) => ({
      table: 'zone-operation' as const,
      fields: { regionId: r.regionId, serviceId: r.serviceId, zoneId: r.zoneId, operation: r.operation, operatorId: r.operatorId, token: r.token, complete },
    }));
    await this.commit(complete ? { remove: rows, logs } : { upsert: rows, logs }, OPERATE_ZONE_OPERATIONS_FAILED);
  }

  private zoneRows(items: unknown[], operatorId: string, token: string, complete: boolean): OperationRow[] {
    const rows: OperationRow[] = [];
    items.forEach((item, i) => {
      const entry = readObject(item, `request.zoneOperationsList[${i}]`);
      const key = obj(entry, 'zoneKey', `request.zoneOperationsList[${i}]`);
      const ops = list(entry, 'operations', `request.zoneOperationsList[${i}]`) ?? [];
      if (key === null) return;
      const path = `request.zoneOperationsList[${i}].zoneKey`;
      const f = { regionId: str(key, 'regionId', path), serviceId: str(key, 'serviceId', path), zoneId: str(key, 'zoneId', path) };
      for (const [j, op] of ops.entries()) {
        const operation = (str({ op }, 'op', `request.zoneOperationsList[${i}].operations[${j}]`) ?? '').trim();
        if (operation === '') continue;
        if (!complete) requireFields(Object.entries<string | null>(f));
        checkLengths([...(Object.entries<string | null>(f)), ['operation', operation], ['operatorId', operatorId]], this.deps.settings.maxFieldLength);
        rows.push(operationRow({ kind: 'zone', regionId: f.regionId ?? '', serviceId: f.serviceId ?? '', zoneId: f.zoneId ?? '', operation, operatorId, token }));
      }
    });
    if (rows.length > this.deps.settings.maxZoneOperations) {
      throw new BadRequestError(`zoneOperationsList holds ${rows.length} operations; the limit is ${this.deps.settings.maxZoneOperations}`);
    }
    return rows;
  }

  /** `canary/update-canary-ips.json`: the canary IPs of one app of a service, in the node's region. */
  async updateCanaryIps(body: unknown): Promise<void> {
    const req = this.request(body);
    const batch = canaryBatch(req, this.deps.node().node.zone.regionId ?? '', this.current, this.deps.settings);
    await this.commit(batch, UPDATE_CANARY_IPS_FAILED);
  }
}
