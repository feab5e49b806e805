import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instance, startTestNode, type RunningNode } from '../helpers/node.js';

/** The served document is valid OpenAPI, and what the node answers matches it strictly. */

type Json = Record<string, any>;

/** The document's schemas as one JSON Schema 2020-12 resource whose refs point into `$defs`. */
function asDefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asDefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'example') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', 'openapi#/$defs/') : asDefs(v);
  }
  return out;
}

function compiler(doc: Json): (schema: unknown) => ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addSchema({ $id: 'openapi', $defs: asDefs(doc['components']['schemas']) });
  return (schema) => ajv.compile(asDefs(schema) as object);
}

describe('the generated OpenAPI document', () => {
  let n: RunningNode;
  let doc: Json;
  beforeAll(async () => {
    n = await startTestNode();
    doc = (await (await fetch(`${n.url}/openapi.json`)).json()) as Json;
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc['openapi']).toBe('3.1.0');
  });

  it('has no `nullable` (3.1 writes null as a type)', () => {
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it('every component schema compiles strictly as JSON Schema 2020-12', () => {
    const compile = compiler(doc);
    for (const name of Object.keys(doc['components']['schemas'])) expect(() => compile({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
  });

  it('every operation names its rate-limit class and access class', () => {
    for (const [path, item] of Object.entries(doc['paths'] as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        expect(['none', 'registry', 'replication', 'cluster', 'status', 'group'], `${method} ${path}`).toContain(op['x-artemis-rate-limit']);
        expect(['public', 'read', 'register', 'peer-only', 'management-write', 'admin'], `${method} ${path}`).toContain(op['x-artemis-access']);
      }
    }
  });

  it('the failure texts the handlers answer with are the ones the document shows', async () => {
    const heartbeat = doc['paths']['/api/registry/heartbeat.json']['post'];
    const res = await fetch(`${n.url}/api/registry/heartbeat.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [instance({ instanceId: 'never-registered' })] }),
    });
    const body = (await res.json()) as Json;
    const reason = String(body['failedInstances'][0]['errorMessage']).replace(/^[^:]*: /, '');
    expect(heartbeat.description).toContain(`\`${reason}\``);
  });

  it('every documented operation answers a body that matches its documented response strictly', async () => {
    await fetch(`${n.url}/api/registry/register.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [instance()] }),
    });
    n.node.discovery.flush();
    const compile = compiler(doc);
    const mismatches: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries(doc['paths'] as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const example = op['requestBody']?.['content']?.['application/json']?.['example'];
        const query = method === 'get' ? (op['parameters'] ?? []).filter((p: Json) => p['in'] === 'query').map((p: Json) => `${p['name']}=${p['name'] === 'regionId' ? 'SHA' : 'demo.order'}`) : [];
        const url = `${n.url}${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
        // the answer of this path itself (a documented redirect is not followed)
        const res = await fetch(url, {
          method: method.toUpperCase(),
          redirect: 'manual',
          ...(method === 'post' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(example ?? {}) } : {}),
        });
        const text = await res.text();
        const declared = op['responses'][String(res.status)];
        if (declared === undefined) {
          mismatches.push(`${method} ${path}: status ${res.status} not documented`);
          continue;
        }
        const response = declared['$ref'] !== undefined ? doc['components']['responses'][declared['$ref'].split('/').pop()] : declared;
        const media = response['content']?.['application/json'];
        if (media === undefined) continue;
        const validate = compile(media['schema']);
        checked++;
        if (!validate(JSON.parse(text))) mismatches.push(`${method} ${path} ${res.status}: ${JSON.stringify(validate.errors)}`);
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(mismatches).toEqual([]);
  });
});
