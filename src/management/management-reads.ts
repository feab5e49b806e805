import { BadRequestError } from '../core/errors.js';
import { SUCCESS } from '../core/response-status.js';
import { isLegacyInstance, readInstance, serviceKey, type Instance } from '../core/wire/instance.js';
import { readObject, type JsonObject } from '../core/wire/json-reader.js';
import { GENERIC_SERVICE_ID, makeService, type DiscoveryConfig, type Service, type ServiceGroup } from '../core/wire/service.js';
import type { RegistryRepository, ServiceEntry } from '../registry/registry-repository.js';
import { REQUEST_NULL } from './failures.js';
import { canaryGroupKey, groupFilter } from './management-filters.js';
import { instanceTarget, serverTarget, zoneTarget, type ManagementState, type TargetOperations } from './management-state.js';
import { obj, str } from './requests.js';

const sorted = (ops: ReadonlySet<string>) => [...ops].sort();

const instanceOps = (t: TargetOperations) => ({
  instanceKey: { instanceId: t.row.instanceId, regionId: t.row.regionId, serviceId: t.row.serviceId },
  operations: sorted(t.operations),
});
const serverOps = (t: TargetOperations) => ({ operations: sorted(t.operations), serverKey: { regionId: t.row.regionId, serverId: t.row.serverId } });
const zoneOps = (t: TargetOperations) => ({
  operations: sorted(t.operations),
  zoneKey: { regionId: t.row.regionId, serviceId: t.row.serviceId, zoneId: t.row.zoneId },
});

function requestOf(body: unknown): JsonObject {
  const req = readObject(body, 'request');
  if (req === null) throw new BadRequestError(REQUEST_NULL);
  return req;
}

function keyOf(body: unknown, name: string, missing: string): JsonObject {
  const key = obj(requestOf(body), name);
  if (key === null) throw new BadRequestError(missing);
  return key;
}

/** Region filter of the "all" views: blank → everything, otherwise exact (case-sensitive) as the reference. */
function inRegion(regionId: string | null) {
  return (t: TargetOperations) => regionId === null || regionId === '' || t.row.regionId === regionId;
}

const GENERIC: DiscoveryConfig = { discoveryData: {}, regionId: null, serviceId: GENERIC_SERVICE_ID, zoneId: null };

/** Read-only management views over the current state and the registry. */
export class ManagementReads {
  constructor(
    private readonly state: () => ManagementState,
    private readonly repository: RegistryRepository,
    private readonly now: () => number,
  ) {}

  instanceOperations(body: unknown) {
    const k = keyOf(body, 'instanceKey', 'request.instanceKey is null');
    const t = this.state().instances.get(instanceTarget(str(k, 'regionId'), str(k, 'serviceId'), str(k, 'instanceId')));
    return { operations: t === undefined ? null : instanceOps(t), responseStatus: SUCCESS };
  }

  allInstanceOperations(regionId: string | null) {
    return { allInstanceOperations: [...this.state().instances.values()].filter(inRegion(regionId)).map(instanceOps), responseStatus: SUCCESS };
  }

  instanceDown(body: unknown) {
    const instance = readInstance(obj(requestOf(body), 'instance'), 'request.instance');
    if (instance === null) throw new BadRequestError('request.instance is null');
    return { down: this.state().isDown(instance), responseStatus: SUCCESS };
  }

  serverOperations(body: unknown) {
    const k = keyOf(body, 'serverKey', 'request.serverKey is null');
    const t = this.state().servers.get(serverTarget(str(k, 'regionId'), str(k, 'serverId')));
    return { operations: t === undefined ? null : serverOps(t), responseStatus: SUCCESS };
  }

  allServerOperations(regionId: string | null) {
    return { allServerOperations: [...this.state().servers.values()].filter(inRegion(regionId)).map(serverOps), responseStatus: SUCCESS };
  }

  serverDown(body: unknown) {
    const k = keyOf(body, 'serverKey', 'request.serverKey null');
    return { down: this.state().servers.has(serverTarget(str(k, 'regionId'), str(k, 'serverId'))), responseStatus: SUCCESS };
  }

  allZoneOperations() {
    return { allZoneOperations: [...this.state().zones.values()].map(zoneOps), responseStatus: SUCCESS };
  }

  zoneOperations(body: unknown) {
    const k = keyOf(body, 'zoneKey', 'request.zoneKey is null');
    const t = this.state().zones.get(zoneTarget(str(k, 'regionId'), str(k, 'serviceId'), str(k, 'zoneId')));
    return { operations: t === undefined ? null : zoneOps(t), responseStatus: SUCCESS };
  }

  zoneOperationsList(body: unknown) {
    const req = requestOf(body);
    const want = (['regionId', 'serviceId', 'zoneId'] as const).map((f) => [f, str(req, f)?.toLowerCase() ?? ''] as const);
    const list = [...this.state().zones.values()].filter((t) => want.every(([f, v]) => v === '' || t.row[f].toLowerCase() === v));
    return { responseStatus: SUCCESS, zoneOperationsList: list.map(zoneOps) };
  }

  isZoneDown(body: unknown) {
    const k = keyOf(body, 'zoneKey', 'request.zoneKey is null');
    return { down: this.state().zones.has(zoneTarget(str(k, 'regionId'), str(k, 'serviceId'), str(k, 'zoneId'))), responseStatus: SUCCESS };
  }

  /** `services.json`: every registered service, pulled-out instances kept and marked `down`. */
  services() {
    const services = [...this.repository.serviceEntries()].map(([, e]) => this.view(e.serviceId, e));
    return { responseStatus: SUCCESS, services, version: this.now() };
  }

  /** `service.json`: one service as `services.json` shows it, plus its groups. */
  service(body: unknown) {
    const serviceId = str(requestOf(body), 'serviceId');
    if (serviceId === null || serviceId === '') throw new BadRequestError('Request is null or request.servcieId is null.');
    const service = this.view(serviceId, this.repository.service(serviceId));
    return { groups: this.groups(serviceId), responseStatus: SUCCESS, service };
  }

  private view(serviceId: string, entry: ServiceEntry | undefined): Service {
    const state = this.state();
    const service = makeService(entry?.serviceId ?? serviceId, entry === undefined ? null : [...entry.leases.values()].map((l) => this.annotate(l.instance, l.creationTime, l.renewalTime, state)));
    groupFilter(() => state).filter(service, GENERIC);
    return service;
  }

  private annotate(i: Instance, creationTime: number, renewalTime: number, state: ManagementState): Instance {
    const ttl = isLegacyInstance(i) ? this.repository.legacy.ttlMs : this.repository.normal.ttlMs;
    const metadata = { ...(i.metadata ?? {}), creationTime: String(creationTime), renewalTime: String(renewalTime), ttl: String(ttl) };
    return { ...i, metadata, status: state.isDown(i) ? 'down' : 'up' };
  }

  /** Every group of the service (any status), then its canary groups. */
  private groups(serviceId: string): ServiceGroup[] {
    const state = this.state();
    const rows = state.canaries.get(serviceKey(serviceId)) ?? [];
    const canary = rows.map((r) => ({ groupKey: canaryGroupKey(r.serviceId, r), instanceIds: [...r.ips], instances: null, metadata: null, weight: null }));
    return [...(state.routing.serviceGroups.get(serviceId) ?? []), ...canary];
  }
}
