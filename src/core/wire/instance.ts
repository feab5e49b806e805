import { codeGenerationAllowed } from '../code-generation.js';
import { codecOf, jsonSchemaOf, type WireField, type WireObject } from './fields.js';
import { readObject, type JsonObject } from './json-reader.js';

/**
 * Artemis `Instance`, declared once as a field table in the alphabetical order the reference
 * writes its fields; instances are always built with every field present, so `JSON.stringify`
 * gives the wire form byte for byte.
 */
export const INSTANCE_FIELDS = [
  { name: 'groupId', kind: 'string', description: 'Group inside the service; blank or "default" means the default group.' },
  { name: 'healthCheckUrl', kind: 'string', description: 'Informational; never called by the server.' },
  { name: 'instanceId', kind: 'string', required: true, description: 'Required, non-blank; unique within (region, service).' },
  { name: 'ip', kind: 'string' },
  { name: 'machineName', kind: 'string' },
  { name: 'metadata', kind: 'stringMap', description: 'Free-form; a non-blank "java_registry" key marks a legacy instance.' },
  { name: 'port', kind: 'int32', description: 'Defaults to 0.' },
  { name: 'protocol', kind: 'string', description: 'For example "http".' },
  { name: 'regionId', kind: 'string', description: 'Must equal the node region (case-insensitive) for registry operations.' },
  { name: 'serviceId', kind: 'string', required: true, description: 'Required, non-blank.' },
  { name: 'status', kind: 'string', description: 'Opaque to the server: starting, up, down, unhealthy or unknown.' },
  { name: 'url', kind: 'string', required: true, description: 'Required, non-blank; the address callers should use.' },
  { name: 'zoneId', kind: 'string', description: 'Must equal the node zone unless the node allows other zones.' },
] as const satisfies readonly WireField[];

export type Instance = WireObject<typeof INSTANCE_FIELDS>;

/**
 * Metadata entries in the same order with the same values, as JSON writes them: an entry holding
 * `undefined` is left out, as `JSON.stringify` leaves it out. No array per entry.
 */
function sameEntries(x: Record<string, unknown>, y: Record<string, unknown>): boolean {
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && x[kx[i]!] === undefined) i++;
    while (j < ky.length && y[ky[j]!] === undefined) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    const k = kx[i]!;
    if (k !== ky[j] || x[k] !== y[k]) return false;
    i++;
    j++;
  }
}

type InstanceComparer = (a: Instance, b: Instance) => boolean;
type StringMap = Record<string, unknown> | null | undefined;
const sameMap = (x: StringMap, y: StringMap): boolean => x != null && y != null && sameEntries(x, y);

const compiledSameInstance = (): InstanceComparer => {
  const test = INSTANCE_FIELDS.map((f) => (f.kind === 'stringMap' ? `(a.${f.name} === b.${f.name} || same(a.${f.name}, b.${f.name}))` : `a.${f.name} === b.${f.name}`));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code generated from the constant field table
  const make = new Function('same', `return (a, b) => a === b || (${test.join(' && ')});`) as (same: (x: StringMap, y: StringMap) => boolean) => InstanceComparer;
  return make(sameMap);
};

/** The same comparison as a loop over the table, for a process that refuses code generation. */
const plainSameInstance = (): InstanceComparer => {
  const names = INSTANCE_FIELDS.filter((f) => f.kind !== 'stringMap').map((f) => f.name);
  const maps = INSTANCE_FIELDS.filter((f) => f.kind === 'stringMap').map((f) => f.name);
  return (a, b) => {
    if (a === b) return true;
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const n of names) if (x[n] !== y[n]) return false;
    for (const n of maps) if (x[n] !== y[n] && !sameMap(x[n] as StringMap, y[n] as StringMap)) return false;
    return true;
  };
};

/**
 * The comparison of {@link sameInstance}: compiled when the process allows code generation
 * ({@link codeGenerationAllowed}), else a plain loop; `compile` picks one explicitly.
 */
export function instanceComparer(compile: boolean = codeGenerationAllowed): InstanceComparer {
  return compile ? compiledSameInstance() : plainSameInstance();
}

/**
 * True when two instances carry the same data, that is would serialise to the same JSON: every
 * field of the table with the same value, metadata entry by entry in the same order. A field or
 * metadata entry holding `undefined` counts as absent, as it does in JSON; `null` does not (JSON
 * writes it). Instances keep the table's field order (makeInstance, readInstance and spreads of
 * their results do), so the fields are compared by name, one straight-line comparison each,
 * compiled once from the table (see {@link instanceComparer}). No text is built.
 */
export const sameInstance: InstanceComparer = instanceComparer();

/** JSON Schema of Instance, for the OpenAPI document. */
export const INSTANCE_SCHEMA = jsonSchemaOf(
  INSTANCE_FIELDS,
  'A registered service instance. Identity is the lower-cased "<regionId>.<serviceId>.<instanceId>".',
);

const INSTANCE_CODEC = codecOf(INSTANCE_FIELDS);

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
  return INSTANCE_CODEC.make(fields);
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
  return INSTANCE_CODEC.read(raw, path);
}

function lower(s: string | null): string {
  return s === null ? 'null' : s.toLowerCase();
}

/**
 * Canonical identity of an instance: lower-cased `region.service.instance`, a missing part
 * rendered as `null`. Lease table, service index, deltas and replication all key on it.
 */
export function instanceKey(i: Pick<Instance, 'regionId' | 'serviceId' | 'instanceId'>): string {
  // join builds one flat string; a template literal would leave a tree of four concatenation
  // nodes (about 128 bytes) behind every lease key held
  return [lower(i.regionId), lower(i.serviceId), lower(i.instanceId)].join('.');
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
