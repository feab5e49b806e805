import { BadRequestError } from '../core/errors.js';
import { readArray, readObject, readString, type JsonObject } from '../core/wire/json-reader.js';

/** A property of a JSON object looked up ignoring letter case (undefined when absent). */
export function prop(obj: JsonObject | null, name: string): unknown {
  if (obj === null) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === wanted) return obj[key];
  return undefined;
}

/** A trimmed string property (null when absent or null). */
export function str(obj: JsonObject | null, name: string, path = 'request'): string | null {
  const v = readString(prop(obj, name), `${path}.${name}`);
  return v === null ? null : v.trim();
}

/** Java boolean coercion: true, "true" (any case); null/absent → false. */
export function bool(obj: JsonObject | null, name: string): boolean {
  const v = prop(obj, name);
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw new BadRequestError(`request.${name}: expected a boolean.`, { httpStatus: 400 });
}

export function obj(parent: JsonObject | null, name: string, path = 'request'): JsonObject | null {
  return readObject(prop(parent, name), `${path}.${name}`);
}

export function list(parent: JsonObject | null, name: string, path = 'request'): unknown[] | null {
  return readArray(prop(parent, name), `${path}.${name}`);
}

export const blank = (s: string | null): boolean => s === null || s === '';

/** Fails with `bad-request` and the reference's "<name> is null or empty" text for the first blank value. */
export function requireFields(values: ReadonlyArray<[string, string | null]>): void {
  for (const [name, value] of values) if (blank(value)) throw new BadRequestError(`${name} is null or empty`);
}

/** Fails with `bad-request` when a value is longer than the configured field limit. */
export function checkLengths(values: ReadonlyArray<[string, string | null]>, max: number): void {
  for (const [name, value] of values) {
    if (value !== null && value.length > max) {
      throw new BadRequestError(`${name} is ${value.length} characters long; the limit is ${max} (limits.maxFieldLength)`);
    }
  }
}
