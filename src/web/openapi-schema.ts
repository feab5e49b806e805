/** Building blocks of the OpenAPI document, shared by its parts. */

export type Json = Record<string, unknown>;
export type Tag = 'registry' | 'discovery' | 'replication' | 'cluster' | 'status' | 'management' | 'operations';

// ---------------------------------------------------------------------------
// Schema helpers
// ---------------------------------------------------------------------------

export function described(description: string | undefined): Json {
  return description === undefined ? {} : { description };
}

export function withNull(schema: Json, nullable: boolean): Json {
  return nullable ? { ...schema, nullable: true } : schema;
}

export function str(description?: string, nullable = false): Json {
  return withNull({ type: 'string', ...described(description) }, nullable);
}

export function nstr(description?: string): Json {
  return str(description, true);
}

export function int(format: 'int32' | 'int64', description?: string, nullable = false): Json {
  return withNull({ type: 'integer', format, ...described(description) }, nullable);
}

export function bool(description: string, nullable = false): Json {
  return withNull({ type: 'boolean', description }, nullable);
}

export function strEnum(values: string[], description: string): Json {
  return { type: 'string', enum: values, description };
}

export function ref(name: string, nullable = false, description?: string): Json {
  const target = { $ref: `#/components/schemas/${name}` };
  if (!nullable && description === undefined) return target;
  return withNull({ allOf: [target], ...described(description) }, nullable);
}

export function arr(items: Json, nullable = false, description?: string): Json {
  return withNull({ type: 'array', items, ...described(description) }, nullable);
}

export function map(values: Json, nullable = false, description?: string): Json {
  return withNull({ type: 'object', additionalProperties: values, ...described(description) }, nullable);
}

export function strMap(description?: string): Json {
  return map({ type: 'string' }, true, description);
}

export function obj(description: string, properties: Json, required: string[] = []): Json {
  return { type: 'object', description, properties, ...(required.length > 0 ? { required } : {}) };
}

/** A response type: every property is always written, `responseStatus` included. */
export function envelope(description: string, properties: Json): Json {
  const all: Json = { ...properties, responseStatus: ref('ResponseStatus') };
  const names = Object.keys(all).sort();
  return obj(description, Object.fromEntries(names.map((name) => [name, all[name]])), names);
}

export interface QueryParam {
  name: string;
  description: string;
  required?: boolean;
  list?: boolean;
}

export interface Endpoint {
  path: string;
  tag: Tag;
  id: string;
  summary: string;
  /** Longer notes (guards, error messages); shared by the GET and POST forms. */
  description?: string;
  response: string;
  /** Request schema for POST; omitted when the endpoint has no POST form. */
  request?: string;
  example?: Json;
  /** Query parameters of the GET form; omitted when the endpoint has no GET form. */
  query?: QueryParam[];
  etag?: boolean;
}
