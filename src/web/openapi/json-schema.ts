/**
 * Helpers that write JSON Schema 2020-12 (the schema dialect of OpenAPI 3.1) for the schemas
 * declared by hand: a nullable value is `type: [T, 'null']`, a nullable reference
 * `anyOf: [{$ref}, {type: 'null'}]`. An object lists every property and allows no others.
 */

export type Json = Record<string, unknown>;

export function described(description: string | undefined): Json {
  return description === undefined ? {} : { description };
}

/** The schema, or null as well. */
export function withNull(schema: Json, nullable: boolean): Json {
  if (!nullable) return schema;
  const { description, ...rest } = schema;
  if (typeof rest['type'] === 'string') {
    const out: Json = { ...rest, type: [rest['type'], 'null'] };
    if (Array.isArray(rest['enum'])) out['enum'] = [...(rest['enum'] as unknown[]), null];
    return { ...out, ...described(description as string | undefined) };
  }
  return { anyOf: [rest, { type: 'null' }], ...described(description as string | undefined) };
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

export function strEnum(values: readonly string[], description: string, nullable = false): Json {
  return withNull({ type: 'string', enum: [...values], description }, nullable);
}

export function ref(name: string, nullable = false, description?: string): Json {
  const target = { $ref: `#/components/schemas/${name}` };
  if (!nullable) return description === undefined ? target : { allOf: [target], description };
  return withNull({ ...target, ...described(description) }, true);
}

export function arr(items: Json, nullable = false, description?: string): Json {
  return withNull({ type: 'array', items, ...described(description) }, nullable);
}

export function map(values: Json, nullable = false, description?: string): Json {
  return withNull({ type: 'object', additionalProperties: values, ...described(description) }, nullable);
}

export function strMap(description?: string): Json {
  return map(nstr(), true, description);
}

export function obj(description: string, properties: Json, required: string[] = []): Json {
  return {
    type: 'object',
    description,
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** A response type: every property is always written, `responseStatus` included. */
export function envelope(description: string, properties: Json): Json {
  const all: Json = { ...properties, responseStatus: ref('ResponseStatus') };
  const names = Object.keys(all).sort();
  return obj(description, Object.fromEntries(names.map((name) => [name, all[name]])), names);
}

/**
 * Rewrites OpenAPI 3.0 `nullable: true` (still written by some schema declarations) into the
 * 2020-12 form, everywhere in a schema tree.
 */
export function nullableTo31(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableTo31);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'nullable') continue;
    // example values are data, not schemas
    out[k] = k === 'example' || k === 'examples' ? v : nullableTo31(v);
  }
  return (value as Json)['nullable'] === true ? withNull(out, true) : out;
}
