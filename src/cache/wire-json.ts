import { SUCCESS } from '../core/response-status.js';
import type { Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';

/** `{"errorCode":"success","message":"","status":"success"}` */
export const SUCCESS_JSON = JSON.stringify(SUCCESS);

/**
 * JSON text of an instance. Not memoised: keeping a text per instance would double the memory of
 * a large registry; a snapshot rebuild copies the bytes of unchanged instances instead (see
 * ServiceSnapshot).
 */
export function instanceJson(instance: Instance | null | undefined): string {
  if (instance === null || typeof instance !== 'object') return 'null';
  return JSON.stringify(instance);
}

/** JSON text of a value, `null` for undefined. */
function jsonOrNull(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** JSON array text of instances from their already serialised forms. */
export function instanceListJson(instances: readonly (Instance | null)[] | null | undefined): string {
  if (instances === null || instances === undefined) return 'null';
  let out = '[';
  for (let i = 0; i < instances.length; i++) out += (i === 0 ? '' : ',') + instanceJson(instances[i]);
  return `${out}]`;
}

/** A wire Service's JSON up to its instance list (`instances` is its first field). */
export const SERVICE_HEAD_JSON = '{"instances":';

/** A wire Service's JSON after its instance list: the other fields, in `JSON.stringify` order. */
export function serviceTailJson(service: Service): string {
  return (
    `,"logicInstances":${instanceListJson(service.logicInstances)},` +
    `"metadata":${jsonOrNull(service.metadata)},"routeRules":${jsonOrNull(service.routeRules)},"serviceId":${jsonOrNull(service.serviceId)}}`
  );
}

/** Exactly `JSON.stringify(service)` for a wire Service. */
export function serviceJson(service: Service): string {
  return SERVICE_HEAD_JSON + instanceListJson(service.instances) + serviceTailJson(service);
}

const COMMA = Buffer.from(',');

/** Joins JSON fragments into `prefix[a,b,…]suffix` without re-serialising them. */
export function joinFragments(prefix: string, fragments: readonly Buffer[], suffix: string): Buffer {
  const parts: Buffer[] = [Buffer.from(`${prefix}[`)];
  fragments.forEach((f, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(f);
  });
  parts.push(Buffer.from(`]${suffix}`));
  return Buffer.concat(parts);
}
