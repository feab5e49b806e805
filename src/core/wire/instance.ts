import { readInt32, readObject, readString, readStringMap, type JsonObject } from './json-reader.js';

/**
 * Artemis `Instance`. Declared in the alphabetical order the reference writes its fields, and
 * always built with every field present, so `JSON.stringify` gives the wire form byte for byte.
 */
export interface Instance {
  groupId: string | null;
  healthCheckUrl: string | null;
  instanceId: string | null;
  ip: string | null;
  machineName: string | null;
  metadata: Record<string, string | null> | null;
  port: number;
  protocol: string | null;
  regionId: string | null;
  serviceId: string | null;
  status: string | null;
  url: string | null;
  zoneId: string | null;
}

/** Instance status constants; opaque to the registry. */
export const InstanceStatus = {
  starting: 'starting',
  up: 'up',
  down: 'down',
  unhealthy: 'unhealthy',
  unknown: 'unknown',
} as const;

/** Metadata key that marks a legacy Java registration, kept in its own lease table. */
export const LEGACY_METADATA_KEY = 'java_registry';

export function makeInstance(fields: Partial<Instance>): Instance {
  return {
    groupId: fields.groupId ?? null,
    healthCheckUrl: fields.healthCheckUrl ?? null,
    instanceId: fields.instanceId ?? null,
    ip: fields.ip ?? null,
    machineName: fields.machineName ?? null,
    metadata: fields.metadata ?? null,
    port: fields.port ?? 0,
    protocol: fields.protocol ?? null,
    regionId: fields.regionId ?? null,
    serviceId: fields.serviceId ?? null,
    status: fields.status ?? null,
    url: fields.url ?? null,
    zoneId: fields.zoneId ?? null,
  };
}

/** Reads an Instance from parsed JSON; `null` stays `null` (the registry skips null entries). */
export function readInstance(value: unknown, path: string): Instance | null {
  const raw = readObject(value, path);
  if (raw === null) return null;
  return readInstanceObject(raw, path);
}

/** Most distinct values the intern table keeps; beyond it values are stored as read. */
const INTERN_LIMIT = 50_000;
const interned = new Map<string, string>();

function intern(value: string | null): string | null {
  if (value === null || value.length > 128) return value;
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size < INTERN_LIMIT) interned.set(value, value);
  return value;
}

/**
 * Replaces the values many stored instances repeat (region, zone, service, group, protocol,
 * status) with one shared copy, so a million instances hold a few hundred such strings, not
 * millions. Called on the instance a lease keeps, not on every request that reads one.
 */
export function internSharedFields(instance: Instance): void {
  if (Object.isFrozen(instance)) return;
  instance.groupId = intern(instance.groupId);
  instance.protocol = intern(instance.protocol);
  instance.regionId = intern(instance.regionId);
  instance.serviceId = intern(instance.serviceId);
  instance.status = intern(instance.status);
  instance.zoneId = intern(instance.zoneId);
}

function readInstanceObject(raw: JsonObject, path: string): Instance {
  const out = makeInstance({});
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    switch (key.toLowerCase()) {
      case 'groupid': out.groupId = readString(v, `${path}.groupId`); break;
      case 'healthcheckurl': out.healthCheckUrl = readString(v, `${path}.healthCheckUrl`); break;
      case 'instanceid': out.instanceId = readString(v, `${path}.instanceId`); break;
      case 'ip': out.ip = readString(v, `${path}.ip`); break;
      case 'machinename': out.machineName = readString(v, `${path}.machineName`); break;
      case 'metadata': out.metadata = readStringMap(v, `${path}.metadata`); break;
      case 'port': out.port = readInt32(v, `${path}.port`); break;
      case 'protocol': out.protocol = readString(v, `${path}.protocol`); break;
      case 'regionid': out.regionId = readString(v, `${path}.regionId`); break;
      case 'serviceid': out.serviceId = readString(v, `${path}.serviceId`); break;
      case 'status': out.status = readString(v, `${path}.status`); break;
      case 'url': out.url = readString(v, `${path}.url`); break;
      case 'zoneid': out.zoneId = readString(v, `${path}.zoneId`); break;
      default: break;
    }
  }
  return out;
}

function lower(s: string | null): string {
  return s === null ? 'null' : s.toLowerCase();
}

/**
 * Canonical identity of an instance: lower-cased `region.service.instance`, a missing part
 * rendered as `null`. Lease table, service index, deltas and replication all key on it.
 */
export function instanceKey(i: Pick<Instance, 'regionId' | 'serviceId' | 'instanceId'>): string {
  return `${lower(i.regionId)}.${lower(i.serviceId)}.${lower(i.instanceId)}`;
}

/** Canonical identity of a service (lower-cased id). */
export function serviceKey(serviceId: string): string {
  return serviceId.toLowerCase();
}

/** `region/zone/service[/group]/instance`, lower-cased: how errors and lease lists name an instance. */
export function instanceDisplay(i: Instance): string {
  const group = i.groupId === null || i.groupId.trim() === '' ? '' : `/${i.groupId.toLowerCase()}`;
  return `${lower(i.regionId)}/${lower(i.zoneId)}/${lower(i.serviceId)}${group}/${lower(i.instanceId)}`;
}

export function isLegacyInstance(i: Instance): boolean {
  const v = i.metadata?.[LEGACY_METADATA_KEY];
  return typeof v === 'string' && v.trim() !== '';
}
