import type { EntityFields, EntityKind, EntityRecord } from '../../store/management-store.js';

export { DEFAULT_STRATEGY, DEFAULT_WEIGHT, fixWeight, instanceGroupKey } from '../../core/wire/route-rules.js';

/**
 * The routing records of management (groups, route rules, their weighted links, tags, logical
 * members and logical instances) as typed rows, their unique keys, and their wire shapes.
 */

export interface GroupRecord {
  id: number;
  serviceId: string;
  regionId: string;
  zoneId: string;
  name: string;
  appId: string;
  description: string | null;
  status: string;
  deleted: boolean;
  /** service/region/zone/name, trimmed, lower-cased: the group's identity and its wire `groupKey`. */
  groupKey: string;
}

export interface RouteRuleRecord {
  id: number;
  serviceId: string;
  name: string;
  description: string | null;
  status: string;
  strategy: string;
  deleted: boolean;
}

export interface RouteRuleGroupRecord {
  id: number;
  routeRuleId: number;
  groupId: number;
  /** The released weight, the only one discovery uses (null until the first release). */
  weight: number | null;
  /** The pending weight, published by a release. */
  unreleasedWeight: number | null;
}

export interface GroupTagRecord {
  id: number;
  groupId: number;
  tag: string;
  value: string;
}

export interface GroupInstanceRecord {
  id: number;
  groupId: number;
  instanceId: string;
}

export interface ServiceInstanceRecord {
  id: number;
  serviceId: string;
  instanceId: string;
  ip: string;
  machineName: string;
  /** The metadata object as JSON text, as the reference stores it. */
  metadata: string;
  port: number;
  protocol: string;
  regionId: string;
  zoneId: string;
  healthCheckUrl: string;
  url: string;
  description: string | null;
  groupId: string;
}

/** Everything routing reads from the store, one list per kind. */
export interface RoutingRecords {
  groups: GroupRecord[];
  routeRules: RouteRuleRecord[];
  routeRuleGroups: RouteRuleGroupRecord[];
  groupTags: GroupTagRecord[];
  groupInstances: GroupInstanceRecord[];
  serviceInstances: ServiceInstanceRecord[];
}

export const EMPTY_RECORDS: RoutingRecords = { groups: [], routeRules: [], routeRuleGroups: [], groupTags: [], groupInstances: [], serviceInstances: [] };

export const ACTIVE = 'active';

export const isActive = (status: string | null): boolean => (status ?? '').trim().toLowerCase() === ACTIVE;

const fold = (s: string) => s.trim().toLowerCase();

/** Group key: the non-blank parts of service/region/zone/name, trimmed, joined by `/`, lower-cased. */
export function groupKeyOf(g: { serviceId: string | null; regionId: string | null; zoneId: string | null; name: string | null }): string {
  return [g.serviceId, g.regionId, g.zoneId, g.name].map((p) => (p ?? '').trim()).filter((p) => p !== '').join('/').toLowerCase();
}

/** Store keys: the unique identity of each kind (case-insensitive where the reference's collation is). */
export const recordKeys = {
  group: (g: Pick<GroupRecord, 'serviceId' | 'regionId' | 'zoneId' | 'name'>) => groupKeyOf(g),
  routeRule: (r: Pick<RouteRuleRecord, 'serviceId' | 'name'>) => `${fold(r.serviceId)}\u0000${fold(r.name)}`,
  routeRuleGroup: (routeRuleId: number, groupId: number) => `${routeRuleId}:${groupId}`,
  groupTag: (groupId: number, tag: string) => `${groupId}\u0000${fold(tag)}`,
  groupInstance: (groupId: number, instanceId: string) => `${groupId}\u0000${fold(instanceId)}`,
  serviceInstance: (serviceId: string, instanceId: string) => `${fold(serviceId)}\u0000${fold(instanceId)}`,
};

const text = (f: EntityFields, name: string): string => {
  const v = f[name];
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
};
const nullableText = (f: EntityFields, name: string): string | null => {
  const v = f[name];
  return typeof v === 'string' ? v : null;
};
const int = (f: EntityFields, name: string): number => (typeof f[name] === 'number' ? f[name] : 0);
const nullableInt = (f: EntityFields, name: string): number | null => (typeof f[name] === 'number' ? f[name] : null);

/** Typed rows from the store's records of each kind. */
export const decode = {
  group: (r: EntityRecord): GroupRecord => {
    const f = r.fields;
    const row = { serviceId: text(f, 'serviceId'), regionId: text(f, 'regionId'), zoneId: text(f, 'zoneId'), name: text(f, 'name') };
    return { id: r.id, ...row, appId: text(f, 'appId'), description: nullableText(f, 'description'), status: text(f, 'status'), deleted: f.deleted === true, groupKey: groupKeyOf(row) };
  },
  routeRule: (r: EntityRecord): RouteRuleRecord => {
    const f = r.fields;
    return { id: r.id, serviceId: text(f, 'serviceId'), name: text(f, 'name'), description: nullableText(f, 'description'), status: text(f, 'status'), strategy: text(f, 'strategy'), deleted: f.deleted === true };
  },
  routeRuleGroup: (r: EntityRecord): RouteRuleGroupRecord => {
    const f = r.fields;
    return { id: r.id, routeRuleId: int(f, 'routeRuleId'), groupId: int(f, 'groupId'), weight: nullableInt(f, 'weight'), unreleasedWeight: nullableInt(f, 'unreleasedWeight') };
  },
  groupTag: (r: EntityRecord): GroupTagRecord => {
    return { id: r.id, groupId: int(r.fields, 'groupId'), tag: text(r.fields, 'tag'), value: text(r.fields, 'value') };
  },
  groupInstance: (r: EntityRecord): GroupInstanceRecord => {
    return { id: r.id, groupId: int(r.fields, 'groupId'), instanceId: text(r.fields, 'instanceId') };
  },
  serviceInstance: (r: EntityRecord): ServiceInstanceRecord => {
    const f = r.fields;
    return {
      id: r.id,
      serviceId: text(f, 'serviceId'),
      instanceId: text(f, 'instanceId'),
      ip: text(f, 'ip'),
      machineName: text(f, 'machineName'),
      metadata: text(f, 'metadata'),
      port: int(f, 'port'),
      protocol: text(f, 'protocol'),
      regionId: text(f, 'regionId'),
      zoneId: text(f, 'zoneId'),
      healthCheckUrl: text(f, 'healthCheckUrl'),
      url: text(f, 'url'),
      description: nullableText(f, 'description'),
      groupId: text(f, 'groupId'),
    };
  },
};

/** Where each list of {@link RoutingRecords} comes from in the store: its kind and its decoder. */
export const RECORD_SOURCES: { readonly [F in keyof RoutingRecords]: { kind: EntityKind; decode: (r: EntityRecord) => RoutingRecords[F][number] } } = {
  groups: { kind: 'group', decode: decode.group },
  routeRules: { kind: 'route-rule', decode: decode.routeRule },
  routeRuleGroups: { kind: 'route-rule-group', decode: decode.routeRuleGroup },
  groupTags: { kind: 'group-tag', decode: decode.groupTag },
  groupInstances: { kind: 'group-instance', decode: decode.groupInstance },
  serviceInstances: { kind: 'service-instance', decode: decode.serviceInstance },
};

/** Reads and decodes one list of {@link RoutingRecords}. */
export async function loadRecordList<F extends keyof RoutingRecords>(entities: (kind: EntityKind) => Promise<EntityRecord[]>, field: F): Promise<RoutingRecords[F]> {
  const source = RECORD_SOURCES[field];
  return (await entities(source.kind)).map(source.decode) as RoutingRecords[F];
}

/** Loads every routing record from a store. */
export async function loadRecords(entities: (kind: EntityKind) => Promise<EntityRecord[]>): Promise<RoutingRecords> {
  const fields = Object.keys(RECORD_SOURCES) as Array<keyof RoutingRecords>;
  const lists = await Promise.all(fields.map((f) => loadRecordList(entities, f)));
  return Object.fromEntries(fields.map((f, i) => [f, lists[i]])) as unknown as RoutingRecords;
}

/** Metadata text back to an object: blank or unreadable text gives `{}`. */
export function parseMetadata(textValue: string): Record<string, string | null> {
  if (textValue.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(textValue);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, typeof x === 'string' ? x : x === null ? null : JSON.stringify(x)]),
    );
  } catch {
    return {};
  }
}

/** Wire shapes, keys in the reference's (alphabetical) order. */
export const wire = {
  group: (g: GroupRecord) => ({
    appId: g.appId,
    description: g.description,
    groupId: g.id,
    groupKey: g.groupKey,
    metadata: null,
    name: g.name,
    regionId: g.regionId,
    serviceId: g.serviceId,
    status: g.status,
    zoneId: g.zoneId,
  }),
  routeRule: (r: RouteRuleRecord) => ({ description: r.description, name: r.name, routeRuleId: r.id, serviceId: r.serviceId, status: r.status, strategy: r.strategy }),
  routeRuleGroup: (l: RouteRuleGroupRecord) => ({ groupId: l.groupId, routeRuleGroupId: l.id, routeRuleId: l.routeRuleId, unreleasedWeight: l.unreleasedWeight, weight: l.weight }),
  groupInstance: (m: GroupInstanceRecord) => ({ groupId: m.groupId, id: m.id, instanceId: m.instanceId }),
  serviceInstance: (s: ServiceInstanceRecord) => ({
    description: s.description,
    groupId: s.groupId,
    healthCheckUrl: s.healthCheckUrl,
    id: s.id,
    instanceId: s.instanceId,
    ip: s.ip,
    machineName: s.machineName,
    metadata: parseMetadata(s.metadata),
    port: s.port,
    protocol: s.protocol,
    regionId: s.regionId,
    serviceId: s.serviceId,
    url: s.url,
    zoneId: s.zoneId,
  }),
};
