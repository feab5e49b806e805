import { readInstance, type Instance } from '../core/wire/instance.js';
import { readStringMap } from '../core/wire/json-reader.js';
import type { FailedInstance } from '../core/wire/registry-messages.js';
import type { ChangeType, RouteRule, Service } from '../core/wire/service.js';
import { prop } from './http.js';

/** An `InstanceChange` as pushed by this registry: with the `version` it leads to (0 when unversioned). */
export interface PushedChange {
  changeTime: number;
  changeType: ChangeType;
  instance: Instance;
  version: number;
}

const CHANGE_TYPES = new Set<string>(['new', 'delete', 'change', 'reload']);

function instances(value: unknown, path: string): Instance[] {
  if (!Array.isArray(value)) return [];
  const out: Instance[] = [];
  value.forEach((v, i) => {
    const inst = readInstance(v, `${path}[${i}]`);
    if (inst !== null) out.push(inst);
  });
  return out;
}

/**
 * Reads a `Service`; `instances` is always an array (the wire's `null` becomes `[]`).
 * @throws Error when the JSON does not have the shape of a Service
 */
export function readService(value: unknown, fallbackId: string): Service {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('service: expected an object');
  const raw = value as Record<string, unknown>;
  const id = prop(raw, 'serviceId');
  const logic = prop(raw, 'logicInstances');
  const rules = prop(raw, 'routeRules');
  return {
    instances: instances(prop(raw, 'instances'), 'service.instances'),
    logicInstances: Array.isArray(logic) ? instances(logic, 'service.logicInstances') : null,
    metadata: readStringMap(prop(raw, 'metadata'), 'service.metadata'),
    routeRules: Array.isArray(rules) ? (rules as RouteRule[]) : null,
    serviceId: typeof id === 'string' ? id : fallbackId,
  };
}

/** Reads a pushed change frame; null when it is not one. */
export function readPushedChange(text: string): PushedChange | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const obj = raw as Record<string, unknown>;
  const changeType = prop(obj, 'changeType');
  if (typeof changeType !== 'string' || !CHANGE_TYPES.has(changeType)) return null;
  try {
    const instance = readInstance(prop(obj, 'instance'), 'instance');
    if (instance === null || instance.serviceId === null) return null;
    const version = Number(prop(obj, 'version') ?? 0);
    const changeTime = Number(prop(obj, 'changeTime') ?? 0);
    return { changeTime, changeType: changeType as ChangeType, instance, version: Number.isSafeInteger(version) ? version : 0 };
  } catch {
    return null;
  }
}

/** Reads the `failedInstances` of a registry response (entries without an instance are kept, instance null). */
export function readFailedInstances(body: Record<string, unknown> | null): FailedInstance[] {
  const list = prop(body, 'failedInstances');
  if (!Array.isArray(list)) return [];
  const out: FailedInstance[] = [];
  for (const item of list) {
    if (item === null || typeof item !== 'object') continue;
    const f = item as Record<string, unknown>;
    const code = prop(f, 'errorCode');
    const message = prop(f, 'errorMessage');
    let instance: Instance | null = null;
    try {
      instance = readInstance(prop(f, 'instance'), 'failedInstance.instance');
    } catch {
      instance = null;
    }
    out.push({ errorCode: typeof code === 'string' ? code : '', errorMessage: typeof message === 'string' ? message : null, instance });
  }
  return out;
}

/** The version in a weak ETag `W/"123"`; undefined when absent or not a version. */
export function etagVersion(etag: string | null): number | undefined {
  const m = etag === null ? null : /^(?:W\/)?"(\d+)"$/.exec(etag.trim());
  if (m === null) return undefined;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}
