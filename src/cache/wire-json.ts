import { SUCCESS } from '../core/response-status.js';
import type { Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';

/** `{"errorCode":"success","message":"","status":"success"}` */
export const SUCCESS_JSON = JSON.stringify(SUCCESS);

const instanceTexts = new WeakMap<object, string>();

/**
 * JSON text of an instance, memoised per object: registered instances are never mutated (a
 * re-registration stores a new object), so a rebuild re-serialises only what changed.
 */
export function instanceJson(instance: Instance | null | undefined): string {
  if (instance === null || typeof instance !== 'object') return 'null';
  let text = instanceTexts.get(instance);
  if (text === undefined) {
    text = JSON.stringify(instance);
    instanceTexts.set(instance, text);
  }
  return text;
}

function json(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** JSON array text of instances from their already serialised forms. */
export function instanceListJson(instances: readonly (Instance | null)[] | null | undefined): string {
  if (instances === null || instances === undefined) return 'null';
  let out = '[';
  for (let i = 0; i < instances.length; i++) out += (i === 0 ? '' : ',') + instanceJson(instances[i]);
  return `${out}]`;
}

/** Exactly `JSON.stringify(service)` for a wire Service, reusing memoised instance texts. */
export function serviceJson(service: Service): string {
  return (
    `{"instances":${instanceListJson(service.instances)},"logicInstances":${instanceListJson(service.logicInstances)},` +
    `"metadata":${json(service.metadata)},"routeRules":${json(service.routeRules)},"serviceId":${json(service.serviceId)}}`
  );
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
