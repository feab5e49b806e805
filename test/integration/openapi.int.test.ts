import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type RunningNode } from '../helpers/node.js';

/** The OpenAPI document describes exactly what the server answers; Swagger UI is served locally. */

// The document is walked dynamically; its values are checked at run time.
type Json = Record<string, any>;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function documentedRoutes(doc: Json): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Json)) {
    for (const m of HTTP_METHODS) if (m in item) out.push(`${m.toUpperCase()} ${path}`);
  }
  return out.sort();
}

/** Every `$ref` in the tree, with the JSON pointer it names. */
function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

function resolvePointer(doc: Json, ref: string): unknown {
  expect(ref.startsWith('#/'), ref).toBe(true);
  let cur: unknown = doc;
  for (const seg of ref.slice(2).split('/')) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Json)[key] : undefined;
  }
  return cur;
}

describe('OpenAPI document', () => {
  let n: RunningNode;
  let doc: Json;

  beforeAll(async () => {
    n = await startTestNode();
    const res = await fetch(`${n.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    doc = (await res.json()) as Json;
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('declares the x-artemis-caller header on every status operation, and on no other', () => {
    const withHeader: string[] = [];
    const status: string[] = [];
    for (const [path, item] of Object.entries(doc['paths'] as Json)) {
      for (const m of HTTP_METHODS) {
        const op = item[m] as Json | undefined;
        if (op === undefined) continue;
        const params = (op['parameters'] ?? []) as Json[];
        const caller = params.find((p) => p['in'] === 'header' && p['name'] === 'x-artemis-caller');
        if (caller !== undefined) {
          withHeader.push(`${m} ${path}`);
          expect(caller).toMatchObject({ required: false, schema: { type: 'string', enum: ['operator'] } });
        }
        if (op['x-artemis-rate-limit'] === 'status') status.push(`${m} ${path}`);
      }
    }
    expect(status.length).toBeGreaterThan(0);
    expect(withHeader).toEqual(status);
  });

  it('has the shape of an OpenAPI 3 document', () => {
    expect(doc['openapi']).toMatch(/^3\.\d+\.\d+$/);
    expect(typeof doc['info']?.title).toBe('string');
    expect(typeof doc['info']?.version).toBe('string');
    // relative, so Swagger UI's "Try it out" calls the node the page came from, by any name
    expect(doc['servers']).toEqual([{ url: '/' }]);
    expect(Object.keys(doc['paths']).length).toBeGreaterThan(0);
    const tagNames = new Set((doc['tags'] as Array<{ name: string }>).map((t) => t.name));
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc['paths'] as Json)) {
      expect(path.startsWith('/'), path).toBe(true);
      const methods = Object.keys(item).filter((k) => HTTP_METHODS.includes(k));
      expect(methods.length, path).toBeGreaterThan(0);
      for (const m of methods) {
        const op = item[m];
        expect(Object.keys(op.responses ?? {}).length, `${m} ${path} responses`).toBeGreaterThan(0);
        for (const code of Object.keys(op.responses)) expect(code, `${m} ${path}`).toMatch(/^([1-5]\d\d|default)$/);
        expect(typeof op.operationId, `${m} ${path}`).toBe('string');
        expect(operationIds.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        operationIds.add(op.operationId);
        for (const t of op.tags ?? []) expect(tagNames.has(t), `${m} ${path} tag ${t}`).toBe(true);
        if (op.requestBody !== undefined) expect(op.requestBody.content, `${m} ${path}`).toBeTypeOf('object');
        for (const p of op.parameters ?? []) {
          const param = (p.$ref !== undefined ? resolvePointer(doc, p.$ref) : p) as Json;
          expect(['query', 'header', 'path', 'cookie']).toContain(param['in']);
          expect(typeof param['name']).toBe('string');
        }
      }
    }
  });

  it('every $ref resolves inside the document', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(resolvePointer(doc, ref), ref).toBeDefined();
  });

  it('every route the server answers is documented (router records → document)', () => {
    const documented = new Set(documentedRoutes(doc));
    const served = [...new Set(n.node.router.routes.map((r) => `${r.method} ${r.path}`))].sort();
    expect(served.length).toBeGreaterThan(0);
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('every documented route is served (document → router records)', () => {
    const served = new Set(n.node.router.routes.map((r) => `${r.method} ${r.path}`));
    expect(documentedRoutes(doc).filter((r) => !served.has(r))).toEqual([]);
  });

  it('every documented route answers over HTTP (not 404, not 405)', async () => {
    const missing: string[] = [];
    for (const route of documentedRoutes(doc)) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await fetch(`${n.url}${path}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      await res.arrayBuffer();
      if (res.status === 404 || res.status === 405) missing.push(`${route} → ${res.status}`);
    }
    expect(missing).toEqual([]);
  });

  it('a method the document does not list on a documented path is 405', async () => {
    for (const [path, item] of Object.entries(doc['paths'] as Json)) {
      if (!path.startsWith('/api/') || 'get' in item) continue;
      const res = await fetch(`${n.url}${path}`);
      await res.arrayBuffer();
      expect(res.status, `GET ${path}`).toBe(405);
    }
  });
});

const SWAGGER_DIST = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

describe('Swagger UI', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ contextPath: '/artemis-web' });
  });
  afterAll(async () => {
    await n?.stop();
  });

  for (const prefix of ['', '/artemis-web']) {
    it(`${prefix}/swagger-ui is an HTML page whose assets are served locally (no CDN)`, async () => {
      const res = await fetch(`${n.url}${prefix}/swagger-ui`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
      expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs/i);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
      expect(assets.some((a) => a.endsWith('swagger-ui-bundle.js'))).toBe(true);
      for (const asset of assets) {
        expect(asset.startsWith(`${prefix}/`), asset).toBe(true);
        const a = await fetch(new URL(asset, `${n.url}${prefix}/swagger-ui`));
        const bytes = new Uint8Array(await a.arrayBuffer());
        expect(a.status, asset).toBe(200);
        expect(bytes.length, asset).toBeGreaterThan(0);
        // the very bytes of the swagger-ui-dist package
        const name = asset.slice(asset.lastIndexOf('/') + 1);
        if (name !== 'init.js') expect(Buffer.from(bytes).equals(readFileSync(join(SWAGGER_DIST, name))), asset).toBe(true);
        if (asset.endsWith('.css')) expect(a.headers.get('content-type')).toContain('text/css');
        if (asset.endsWith('.js')) expect(a.headers.get('content-type')).toContain('javascript');
      }
      // the initializer points at this node's document, which is served under the same prefix
      const init = await (await fetch(`${n.url}${prefix}/swagger-ui/init.js`)).text();
      const specUrl = /url:\s*'([^']+)'/.exec(init)?.[1];
      expect(specUrl).toBe(`${prefix}/openapi.json`);
      const spec = await fetch(`${n.url}${specUrl}`);
      expect(spec.status).toBe(200);
      expect(((await spec.json()) as Json)['openapi']).toMatch(/^3\./);
    });
  }

  for (const prefix of ['', '/artemis-web']) {
    it(`${prefix}/swagger-ui/ (trailing slash) redirects to ${prefix}/swagger-ui`, async () => {
      const res = await fetch(`${n.url}${prefix}/swagger-ui/`, { redirect: 'manual' });
      await res.arrayBuffer();
      expect(res.status).toBe(308);
      expect(res.headers.get('location')).toBe(`${prefix}/swagger-ui`);
      const followed = await fetch(`${n.url}${prefix}/swagger-ui/`);
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(`${n.url}${prefix}/swagger-ui`);
      expect(await followed.text()).toContain('<div id="swagger-ui">');
    });
  }

  it('an unknown asset name is 404, and files outside the asset list are not served', async () => {
    for (const p of ['/swagger-ui/nope.js', '/swagger-ui/package.json', '/swagger-ui/..%2Fpackage.json', '/swagger-ui/index.html']) {
      const res = await fetch(`${n.url}${p}`);
      await res.arrayBuffer();
      expect(res.status, p).toBe(404);
    }
  });
});
