import { makeInstance, type Instance } from './instance.js';
import { readObject, readString, readStringMap } from './json-reader.js';

/** A route rule as management attaches it; core only carries it. */
export interface ServiceGroup {
  groupKey: string | null;
  instanceIds: string[] | null;
  instances: Instance[] | null;
  metadata: Record<string, string | null> | null;
  weight: number | null;
}

export interface RouteRule {
  groups: ServiceGroup[] | null;
  routeId: string | null;
  strategy: string | null;
}

/** Artemis `Service`, fields in wire order. */
export interface Service {
  instances: Instance[] | null;
  logicInstances: Instance[] | null;
  metadata: Record<string, string | null> | null;
  routeRules: RouteRule[] | null;
  serviceId: string | null;
}

export function makeService(serviceId: string | null, instances: Instance[] | null = null): Service {
  return { instances, logicInstances: null, metadata: null, routeRules: null, serviceId };
}

/** Artemis `DiscoveryConfig`: what a caller asks discovery for, and hints for filters. */
export interface DiscoveryConfig {
  discoveryData: Record<string, string | null> | null;
  regionId: string | null;
  serviceId: string | null;
  zoneId: string | null;
}

export const GENERIC_SERVICE_ID = 'discovery_generic_service_id';

export function readDiscoveryConfig(value: unknown, path: string): DiscoveryConfig | null {
  const raw = readObject(value, path);
  if (raw === null) return null;
  const out: DiscoveryConfig = { discoveryData: null, regionId: null, serviceId: null, zoneId: null };
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    switch (key.toLowerCase()) {
      case 'discoverydata': out.discoveryData = readStringMap(v, `${path}.discoveryData`); break;
      case 'regionid': out.regionId = readString(v, `${path}.regionId`); break;
      case 'serviceid': out.serviceId = readString(v, `${path}.serviceId`); break;
      case 'zoneid': out.zoneId = readString(v, `${path}.zoneId`); break;
      default: break;
    }
  }
  return out;
}

export type ChangeType = 'new' | 'delete' | 'change' | 'reload';

/** Artemis `InstanceChange`, fields in wire order. */
export interface InstanceChange {
  changeTime: number;
  changeType: ChangeType;
  instance: Instance;
}

/** A `reload` change: tells subscribers to fetch the whole service again. Only `serviceId` is meaningful. */
export function reloadChange(serviceId: string, changeTime: number): InstanceChange {
  const instance = makeInstance({ serviceId, instanceId: 'reload', ip: '0.0.0.0', url: 'http://serviceId/reload' });
  return { changeTime, changeType: 'reload', instance };
}
