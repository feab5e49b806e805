import fc from 'fast-check';

/**
 * fast-check arbitraries for the request schemas of the served OpenAPI document (JSON Schema
 * as the document writes it: `type` (also as a list), `properties`, `required`,
 * `additionalProperties`, `items`, `anyOf`, `enum`, `$ref`, `format`). Strings whose property
 * name the registry keys on (region, zone, service, instance ids, ...) come mostly from small
 * pools, so valid cases hit existing state and the registry the fuzzer grows stays small.
 */

export type Json = Record<string, any>;

/** The node's region and zone under fuzz (regionId of a valid registration must match). */
export const REGION = 'SHA';
export const ZONE = 'sha-z1';

const pool = (values: string[]) => fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** Property name → values a valid request usually carries. */
const NAMED: Record<string, fc.Arbitrary<string>> = {
  regionId: fc.oneof({ weight: 9, arbitrary: fc.constant(REGION) }, { weight: 1, arbitrary: fc.constantFrom('sha', 'NTG', '', ' ') }),
  zoneId: fc.oneof({ weight: 9, arbitrary: fc.constant(ZONE) }, { weight: 1, arbitrary: fc.constantFrom('other-zone', '') }),
  serviceId: pool(['fz.alpha', 'fz.beta', 'FZ.Alpha', 'fz.gamma']),
  instanceId: pool(Array.from({ length: 12 }, (_, i) => `10.9.0.${i}:8080`)),
  url: pool(['http://10.9.0.1:8080/app', 'http://10.9.0.2:8080/app']),
  healthCheckUrl: pool(['http://10.9.0.1:8080/health']),
  ip: pool(['10.9.0.1', '10.9.0.2', '10.9.0.3']),
  serverId: pool(['10.9.0.1', '10.9.0.2']),
  operation: pool(['pullout', 'pullin', 'pull_out', 'pull_in']),
  operatorId: pool(['fuzz']),
  token: pool(['t']),
  groupKey: pool(['fz.alpha/default', 'fz.beta/g1']),
  name: pool(['rule-a', 'group-a', 'canary']),
  status: pool(['up', 'down', 'starting', 'active', 'inactive']),
  strategy: pool(['weighted-round-robin', 'canary', 'closeby-visit']),
  nodeId: pool(['fz-node-1', 'fz-node-2']),
};

/** URLs a gossip or membership field may carry: never one a node could reach (port 9 on loopback, refused at once). */
const UNREACHABLE_URL = fc.constantFrom('http://127.0.0.1:9', 'http://127.0.0.1:9/artemis', '');

function resolve(schema: Json, doc: Json): Json {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce<Json>((node, key) => node[key] as Json, doc);
  }
  return s;
}

function typesOf(schema: Json): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties !== undefined) return ['object'];
  return [];
}

function integerOf(schema: Json): fc.Arbitrary<number> {
  const max = schema.format === 'int32' ? 2_147_483_647 : Number.MAX_SAFE_INTEGER;
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 100 }) },
    { weight: 2, arbitrary: fc.integer({ min: -max - 1, max }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, max, -max - 1, Date.now()) },
  );
}

function stringOf(schema: Json, name: string | undefined): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (name !== undefined && /url/i.test(name) && name !== 'url' && name !== 'healthCheckUrl') return UNREACHABLE_URL;
  if (name !== undefined && NAMED[name] !== undefined) return NAMED[name];
  if (schema.format === 'date-time') return fc.constantFrom('2024-01-01T00:00:00Z', 'not a date');
  return fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 16 }) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) });
}

/** An arbitrary of values the schema accepts (mostly); `name` is the property the value sits in. */
export function valueOf(schema: Json, doc: Json, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (depth > 6) return fc.constant(null);
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
    const options = ((s.anyOf ?? s.oneOf) as Json[]).map((o) => valueOf(o, doc, depth + 1, name));
    return fc.oneof(...options);
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...(s.enum as unknown[]));
  const types = typesOf(s);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  const arbitraries = types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integerOf(s);
      case 'number':
        return fc.oneof(integerOf(s), fc.double({ noNaN: true, noDefaultInfinity: true }));
      case 'string':
        return stringOf(s, name);
      case 'array':
        return fc.array(valueOf((s.items as Json | undefined) ?? {}, doc, depth + 1, name), { maxLength: depth === 0 ? 6 : 3 });
      case 'object':
        return objectOf(s, doc, depth);
      default:
        return fc.constant(null);
    }
  });
  // a nullable field is mostly present
  if (types.length > 1 && types.includes('null')) {
    const nonNull = arbitraries.filter((_, i) => types[i] !== 'null');
    return fc.oneof({ weight: 8, arbitrary: fc.oneof(...nonNull) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  return arbitraries.length === 1 ? arbitraries[0]! : fc.oneof(...arbitraries);
}

function objectOf(s: Json, doc: Json, depth: number): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, prop] of Object.entries(properties)) record[key] = valueOf(prop, doc, depth + 1, key);
  const keys = Object.keys(record);
  if (keys.length === 0) {
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
      const values = s.additionalProperties === true ? fc.string({ maxLength: 8 }) : valueOf(s.additionalProperties as Json, doc, depth + 1);
      return fc.dictionary(fc.string({ maxLength: 10 }), values, { maxKeys: 4 });
    }
    return fc.constant({});
  }
  return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
}

/** One value of `arb` drawn with the case's own seed (reproducible case by case). */
export function draw<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { seed, numRuns: 1 })[0]!;
}
