import { z } from 'zod';

/**
 * Cold request and response types declared as zod schemas: each registered in `apiSchemas`
 * under its component name, turned into components/schemas with `z.toJSONSchema` (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1). A schema declared by hand elsewhere in the document
 * (Instance, ServiceNodeStatus, …) is referenced with `component(name)`.
 */

export const apiSchemas = z.registry<{ id: string }>();

const external = new WeakMap<object, string>();

/** A reference to a component declared outside zod (components/schemas/<name>). */
export function component(name: string): z.ZodUnknown {
  const s = z.unknown();
  external.set(s, name);
  return s;
}

/** Registers a schema as components/schemas/<id>; returns it for use in endpoint records. */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  apiSchemas.add(schema, { id });
  return schema;
}

/** A Java `long`. */
export const int64 = (description?: string) => {
  const s = z.int().meta({ format: 'int64' });
  return description === undefined ? s : s.describe(description);
};

/** A Java `int`. */
export const int32 = (description?: string) => (description === undefined ? z.int32() : z.int32().describe(description));

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };

function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema' || k === '$id') continue;
    out[k] = tidy(v);
  }
  if (out['type'] === 'integer') {
    if (out['minimum'] === INT32.minimum && out['maximum'] === INT32.maximum) out['format'] = 'int32';
    else out['format'] ??= 'int64';
    if (out['format'] === 'int64' || out['format'] === 'int32') {
      delete out['minimum'];
      delete out['maximum'];
    }
  }
  const names = out['propertyNames'] as Record<string, unknown> | undefined;
  if (names !== undefined && Object.keys(names).length === 1 && names['type'] === 'string') delete out['propertyNames'];
  return out;
}

/** components/schemas of every registered zod schema. */
export function zodComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      const name = external.get(ctx.zodSchema);
      if (name !== undefined) ctx.jsonSchema['$ref'] = `#/components/schemas/${name}`;
    },
  });
  return tidy(schemas) as Record<string, unknown>;
}

/** The component name of a registered schema. @throws when the schema was not registered */
export function componentName(schema: z.ZodType): string {
  const id = apiSchemas.get(schema)?.id;
  if (id === undefined) throw new Error('A zod schema used by an endpoint is not registered with named().');
  return id;
}
