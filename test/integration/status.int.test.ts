import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { SUCCESS_STATUS, SUCCESS_STATUS_TEXT, LEASES_KEYS, nodeStatusText } from '../helpers/status.js';

/** Status, cluster and ops endpoints over real HTTP, plus CORS, 404 and 405. */

describe('status endpoints', () => {
  let n: RunningNode;

  beforeAll(async () => {
    n = await startTestNode({ 'rateLimit.status.limits': { 'get-leases': 1_000 } });
    const res = await postJson(`${n.url}/api/registry/register.json`, {
      instances: [
        instance({ serviceId: 'svc.a', instanceId: 'a1' }),
        instance({ serviceId: 'svc.a', instanceId: 'a2' }),
        instance({ serviceId: 'svc.b', instanceId: 'b1' }),
        instance({ serviceId: 'svc.c', instanceId: 'c1' }),
        instance({ serviceId: 'svc.legacy', instanceId: 'l1', metadata: { java_registry: 'yes' } }),
      ],
    });
    expect(res.body.responseStatus).toEqual(SUCCESS_STATUS);
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('node.json: all six nodeStatus fields, status up, url equal to the node URL (GET and POST)', async () => {
    const expected = `{"nodeStatus":${nodeStatusText(n.url)},${SUCCESS_STATUS_TEXT}}`;
    const get = await getJson(`${n.url}/api/status/node.json`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(get.text).toBe(expected);
    expect(Object.keys(get.body.nodeStatus)).toHaveLength(6);
    expect(get.body.nodeStatus.node.url).toBe(n.url);
    expect((await postJson(`${n.url}/api/status/node.json`, {})).text).toBe(expected);
    expect((await getJson(`${n.url}/api/status/node`)).text).toBe(expected);
  });

  it('cluster.json lists this node with the same status as node.json', async () => {
    const res = await getJson(`${n.url}/api/status/cluster.json`);
    expect(res.text).toBe(`{"nodeCount":1,"nodesStatus":[${nodeStatusText(n.url)}],${SUCCESS_STATUS_TEXT}}`);
    const post = await postJson(`${n.url}/api/status/cluster.json`, {});
    expect(post.text).toBe(res.text);
  });

  it('up-registry-nodes / up-discovery-nodes list this node (GET with query, POST with body)', async () => {
    const expected = `{"nodes":[{"url":"${n.url}","zone":{"metadata":null,"regionId":"SHA","zoneId":"sha-z1"}}],${SUCCESS_STATUS_TEXT}}`;
    for (const which of ['up-registry-nodes', 'up-discovery-nodes']) {
      expect((await getJson(`${n.url}/api/cluster/${which}.json?regionId=SHA&zoneId=sha-z1`)).text, which).toBe(expected);
      expect((await getJson(`${n.url}/api/cluster/${which}.json`)).text, which).toBe(expected);
      // nodes allowing other zones are listed for a caller of any zone
      expect((await postJson(`${n.url}/api/cluster/${which}.json`, { regionId: 'SHA', zoneId: 'sha-z9' })).text, which).toBe(expected);
      expect((await postJson(`${n.url}/api/cluster/${which}.json`, { RegionId: 'SHA', ZONEID: 'sha-z1' })).text, which).toBe(expected);
    }
  });

  it('nodes.json lists the configured nodes', async () => {
    const res = await getJson(`${n.url}/api/cluster/nodes.json`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['nodes', 'responseStatus']);
    expect(res.body.nodes).toEqual([{ url: n.url, zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } }]);
    expect(res.body.responseStatus).toEqual(SUCCESS_STATUS);
  });

  it('config.json: every property sorted by key with its value text, and the source priorities', async () => {
    const res = await getJson(`${n.url}/api/status/config.json`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['properties', 'responseStatus', 'sources']);
    expect(res.body.responseStatus).toEqual(SUCCESS_STATUS);
    expect(res.body.sources).toEqual({ defaults: 0, file: 1, env: 2, flags: 3 });
    const keys = Object.keys(res.body.properties);
    expect(keys).toEqual([...keys].sort((a, b) => a.localeCompare(b)));
    expect(keys).toEqual(expect.arrayContaining(['port', 'regionId', 'zoneId', 'registry.lease.ttlMs', 'rateLimit.status.limits', 'limits.maxBodyBytes']));
    expect(res.body.properties['registry.lease.ttlMs']).toMatch(/^\{ key: registry\.lease\.ttlMs, value: 20000, typedValue: 20000, source: \w+ \}$/);
    expect(res.body.properties['regionId']).toMatch(/^\{ key: regionId, value: "SHA", typedValue: "SHA", source: \w+ \}$/);
    for (const [k, v] of Object.entries(res.body.properties as Record<string, string>)) {
      expect(v.startsWith(`{ key: ${k}, value: `), k).toBe(true);
    }
  });

  it('deployment.json: every field in alphabetical order, with this node\'s values', async () => {
    const res = await getJson(`${n.url}/api/status/deployment.json`);
    const port = Number(new URL(n.url).port);
    expect(Object.keys(res.body)).toEqual([
      'appId',
      'ip',
      'machineName',
      'path',
      'port',
      'properties',
      'protocol',
      'regionId',
      'responseStatus',
      'sources',
      'zoneId',
    ]);
    expect(res.body).toMatchObject({
      appId: 'artemis',
      machineName: hostname(),
      path: null,
      port,
      properties: { 'app.id': 'artemis', 'region.id': 'SHA', 'zone.id': 'sha-z1', 'app.port': String(port) },
      protocol: 'http',
      regionId: 'SHA',
      responseStatus: SUCCESS_STATUS,
      zoneId: 'sha-z1',
    });
    expect(res.body.ip).toMatch(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
  });

  it('leases.json: all services by default, with every field', async () => {
    const res = await getJson(`${n.url}/api/status/leases.json`);
    expect(Object.keys(res.body)).toEqual(LEASES_KEYS);
    expect(res.body.responseStatus).toEqual(SUCCESS_STATUS);
    expect(Object.keys(res.body.leases).sort()).toEqual(['svc.a', 'svc.b', 'svc.c']);
    expect(res.body.leaseCount).toBe(4);
    expect(res.body.isSafe).toBe(true);
    expect(res.body.isSafeCheckEnabled).toBe(true);
    expect(Object.keys(res.body.leases['svc.a'][0])).toEqual(['creationTime', 'evitionTime', 'instance', 'renewalTime', 'ttl']);
    const legacy = await getJson(`${n.url}/api/status/legacy-leases.json`);
    expect(Object.keys(legacy.body.leases)).toEqual(['svc.legacy']);
    expect(legacy.body.leaseCount).toBe(1);
  });

  it('leases.json: GET ?appIds=a,b filters, also as a repeated parameter', async () => {
    const both = await getJson(`${n.url}/api/status/leases.json?appIds=svc.a,svc.b`);
    expect(Object.keys(both.body.leases).sort()).toEqual(['svc.a', 'svc.b']);
    expect(both.body.leaseCount).toBe(3);
    expect(both.body.leases['svc.a'].map((l: { instance: string }) => l.instance).sort()).toEqual(['sha/sha-z1/svc.a/a1', 'sha/sha-z1/svc.a/a2']);
    const repeated = await getJson(`${n.url}/api/status/leases.json?appIds=svc.b&appIds=svc.c`);
    expect(Object.keys(repeated.body.leases).sort()).toEqual(['svc.b', 'svc.c']);
    const unknown = await getJson(`${n.url}/api/status/leases.json?appIds=nope`);
    expect(unknown.body.leases).toEqual({});
    expect(unknown.body.leaseCount).toBe(0);
  });

  it('leases.json: POST serviceIds filters (exact, case-sensitive match; null/empty = all)', async () => {
    const c = await postJson(`${n.url}/api/status/leases.json`, { serviceIds: ['svc.c'] });
    expect(Object.keys(c.body.leases)).toEqual(['svc.c']);
    expect(c.body.leaseCount).toBe(1);
    const ci = await postJson(`${n.url}/api/status/leases.json`, { ServiceIds: ['svc.b', 'svc.c'] });
    expect(Object.keys(ci.body.leases).sort()).toEqual(['svc.b', 'svc.c']);
    const upper = await postJson(`${n.url}/api/status/leases.json`, { serviceIds: ['SVC.A'] });
    expect(upper.body.leaseCount).toBe(0);
    for (const body of [{}, { serviceIds: null }, { serviceIds: [] }]) {
      const all = await postJson(`${n.url}/api/status/leases.json`, body);
      expect(all.body.leaseCount, JSON.stringify(body)).toBe(4);
    }
    const legacy = await postJson(`${n.url}/api/status/legacy-leases.json`, { serviceIds: ['svc.a'] });
    expect(legacy.body.leaseCount).toBe(0);
  });

  it('/health answers ok; /ready answers 200 while up', async () => {
    const health = await getJson(`${n.url}/health`);
    expect(health.status).toBe(200);
    expect(health.text).toBe('{"status":"ok"}');
    const ready = await getJson(`${n.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.text).toBe('{"status":"ready"}');
  });

  it('message/connections.json answers counts as strings', async () => {
    const res = await getJson(`${n.url}/api/status/message/connections.json`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['registry', 'discovery']);
    expect(res.body.registry).toMatch(/^\d+$/);
    expect(res.body.discovery).toMatch(/^\d+$/);
  });

  it('CORS: an allowed origin (cors.allowedOrigins) is named on every response, including errors; others get none', async () => {
    const cors = await startTestNode({ 'cors.allowedOrigins': ['http://console.example'] });
    try {
      for (const [path, status] of [
        ['/api/status/node.json', 200],
        ['/health', 200],
        ['/no/such/path', 404],
        ['/api/registry/register.json', 405],
      ] as const) {
        const res = await fetch(`${cors.url}${path}`, { headers: { origin: 'http://console.example' } });
        await res.arrayBuffer();
        expect(res.status, path).toBe(status);
        expect(res.headers.get('access-control-allow-origin'), path).toBe('http://console.example');
        expect(res.headers.get('access-control-expose-headers'), path).toBe('*');
        expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
        for (const url of [cors.url, n.url]) {
          const other = await fetch(`${url}${path}`, { headers: { origin: 'http://elsewhere.example' } });
          await other.arrayBuffer();
          expect(other.headers.get('access-control-allow-origin'), path).toBeNull();
        }
      }
    } finally {
      await cors.stop();
    }
  });

  it('OPTIONS preflight: 200; for an allowed origin it echoes the requested method and headers with Max-Age 3600, on any path', async () => {
    const cors = await startTestNode({ 'cors.allowedOrigins': ['http://console.example'] });
    try {
      for (const path of ['/api/registry/register.json', '/api/status/leases.json', '/whatever']) {
        const preflight = (url: string, origin: string) =>
          fetch(`${url}${path}`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-custom-header' },
          });
        const res = await preflight(cors.url, 'http://console.example');
        expect(res.status, path).toBe(200);
        expect(await res.text()).toBe('');
        expect(res.headers.get('access-control-allow-methods'), path).toBe('PUT');
        expect(res.headers.get('access-control-allow-headers'), path).toBe('content-type,x-custom-header');
        expect(res.headers.get('access-control-max-age'), path).toBe('3600');
        expect(res.headers.get('access-control-allow-origin'), path).toBe('http://console.example');
        for (const denied of [await preflight(cors.url, 'http://elsewhere.example'), await preflight(n.url, 'http://console.example')]) {
          expect(denied.status, path).toBe(200);
          expect(denied.headers.get('access-control-allow-methods'), path).toBeNull();
          expect(denied.headers.get('access-control-allow-origin'), path).toBeNull();
        }
      }
      const bare = await fetch(`${cors.url}/api/status/node.json`, { method: 'OPTIONS' });
      expect(bare.status).toBe(200);
      expect(bare.headers.get('access-control-allow-methods')).toBeNull();
    } finally {
      await cors.stop();
    }
  });

  it('unknown paths answer 404 in the ResponseStatus format', async () => {
    for (const [method, path] of [
      ['GET', '/no/such/path'],
      ['POST', '/api/registry/nothing.json'],
      ['GET', '/api/status/node.json/extra'],
    ] as const) {
      const res = await fetch(`${n.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      const text = await res.text();
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      const body = JSON.parse(text);
      expect(Object.keys(body)).toEqual(['responseStatus']);
      expect(Object.keys(body.responseStatus)).toEqual(['errorCode', 'message', 'status']);
      expect(body.responseStatus.status).toBe('fail');
      expect(body.responseStatus.message).toContain(path);
    }
  });

  it('GET on a POST-only path answers 405 in the ResponseStatus format with an Allow header', async () => {
    for (const path of ['/api/registry/register.json', '/api/registry/heartbeat', '/api/registry/unregister.json']) {
      const res = await fetch(`${n.url}${path}`);
      const body = JSON.parse(await res.text());
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      expect(Object.keys(body)).toEqual(['responseStatus']);
      expect(body.responseStatus.status).toBe('fail');
      expect(body.responseStatus.message).toContain('GET');
    }
    const put = await fetch(`${n.url}/api/status/node.json`, { method: 'PUT' });
    await put.arrayBuffer();
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, OPTIONS');
  });
});
