import { BadRequestError } from '../errors.js';

/**
 * Helpers that read JSON the way the reference's Jackson mapper does: property names match
 * case-insensitively, unknown properties are ignored, missing ones take the Java default, and
 * scalars coerce to strings or numbers where Jackson would coerce them.
 */

export type JsonObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function shapeError(path: string, expected: string, value: unknown): BadRequestError {
  return new BadRequestError(`${path}: expected ${expected}, got ${describe(value)}.`, { httpStatus: 400 });
}

/** An object, or null for JSON null / absent. Anything else is a shape error. */
export function readObject(value: unknown, path: string): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw shapeError(path, 'an object', value);
  return value as JsonObject;
}

export function readString(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw shapeError(path, 'a string', value);
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Java `int`: as readInteger, and the value must fit 32 bits as it does for Jackson. */
export function readInt32(value: unknown, path: string): number {
  const n = readInteger(value, path);
  if (n < INT32_MIN || n > INT32_MAX) throw new BadRequestError(`${path}: ${n} does not fit a 32-bit integer.`, { httpStatus: 400 });
  return n;
}

/** Java `long`: null and absent give 0, numeric strings are accepted, fractions truncate. */
export function readInteger(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else throw shapeError(path, 'an integer', value);
  if (!Number.isFinite(n)) throw shapeError(path, 'an integer', value);
  n = Math.trunc(n);
  if (!Number.isSafeInteger(n)) throw new BadRequestError(`${path}: integer out of range.`, { httpStatus: 400 });
  return n;
}

export function readArray(value: unknown, path: string): unknown[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw shapeError(path, 'an array', value);
  return value as unknown[];
}

/** map<string,string>: scalar values coerce to strings; null values are kept. */
export function readStringMap(value: unknown, path: string): Record<string, string | null> | null {
  const obj = readObject(value, path);
  if (obj === null) return null;
  // A prototype-less object keeps a "__proto__" key as data instead of changing the prototype.
  const out = Object.create(null) as Record<string, string | null>;
  for (const key of Object.keys(obj)) out[key] = readString(obj[key], `${path}.${key}`);
  return out;
}

export function readStringList(value: unknown, path: string): string[] | null {
  const arr = readArray(value, path);
  if (arr === null) return null;
  return arr.map((v, i) => readString(v, `${path}[${i}]`) ?? '');
}

export function isBlank(s: string | null | undefined): boolean {
  return s === null || s === undefined || s.trim() === '';
}
