import { createServer, request, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { ClientRateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { NodeMetrics } from '../../src/telemetry/metrics.js';
import { discoveryRoutes } from '../../src/web/discovery-routes.js';
import { createDirectPath, DIRECT_OPERATIONS } from '../../src/web/direct-path.js';
import type { Guard } from '../../src/web/guard.js';
import { registryRoutes } from '../../src/web/registry-routes.js';
import { createWebApp } from '../../src/web/web-app.js';
import { inProcessNode, instance, startTestNode, type RunningNode } from '../helpers/node.js';

/**
 * The direct node:http way in of the hottest routes must answer exactly what the framework routes
 * answer. Each case goes once over real HTTP (direct path) and once through `app.request` (the
 * framework alone), and status, body and the headers clients read are compared.
 */

interface Case {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const inst = (id: string, over: Record<string, unknown> = {}) => instance({ instanceId: id, serviceId: 'fast.demo', ...over });
const json = (v: unknown) => JSON.stringify(v);
const HEADERS = ['content-type', 'content-encoding', 'etag', 'vary', 'access-control-allow-origin', 'access-control-expose-headers', 'access-control-allow-credentials'];

function cases(etag: string): Case[] {
  const ct = { 'content-type': 'application/json' };
  return [
    { name: 'service.json', method: 'GET', path: '/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1' },
    { name: 'service.json other case', method: 'GET', path: '/api/discovery/service.json?serviceId=FAST.DEMO&regionId=SHA' },
    { name: 'service.json gzip', method: 'GET', path: '/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1', headers: { 'accept-encoding': 'gzip' } },
    { name: 'service.json 304', method: 'GET', path: '/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1', headers: { 'if-none-match': etag } },
    { name: 'service.json stale etag', method: 'GET', path: '/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1', headers: { 'if-none-match': 'W/"1"' } },
    { name: 'service.json unknown', method: 'GET', path: '/api/discovery/service.json?serviceId=nothing.here&regionId=SHA' },
    { name: 'service.json without serviceId', method: 'GET', path: '/api/discovery/service.json?regionId=SHA' },
    { name: 'service.json without region', method: 'GET', path: '/api/discovery/service.json?serviceId=fast.demo' },
    { name: 'service.json encoded id', method: 'GET', path: '/api/discovery/service.json?serviceId=fast%2Edemo&regionId=SHA' },
    { name: 'POST service.json', method: 'POST', path: '/api/discovery/service.json', headers: ct, body: json({ discoveryConfig: { serviceId: 'fast.demo' }, regionId: 'SHA', zoneId: 'sha-z1' }) },
    { name: 'unknown content encoding', method: 'POST', path: '/api/registry/heartbeat.json', headers: { ...ct, 'content-encoding': 'br' }, body: json({ instances: [inst('f1')] }) },
    { name: 'register', method: 'POST', path: '/api/registry/register.json', headers: ct, body: json({ instances: [inst('f1'), inst('f2')] }) },
    { name: 'register without .json', method: 'POST', path: '/api/registry/register', headers: ct, body: json({ instances: [inst('f3')] }) },
    { name: 'heartbeat, one unknown', method: 'POST', path: '/api/registry/heartbeat.json', headers: ct, body: json({ instances: [inst('f1'), inst('nope')] }) },
    { name: 'heartbeat gzip', method: 'POST', path: '/api/registry/heartbeat.json', headers: { ...ct, 'content-encoding': 'gzip' }, body: gzipSync(json({ instances: [inst('f1')] })) },
    { name: 'heartbeat, no content type (a body needs one: 415)', method: 'POST', path: '/api/registry/heartbeat.json', body: Buffer.from(json({ instances: [inst('f2')] })) },
    { name: 'bad JSON', method: 'POST', path: '/api/registry/heartbeat.json', headers: ct, body: '{"instances":[' },
    { name: 'bad gzip', method: 'POST', path: '/api/registry/heartbeat.json', headers: { ...ct, 'content-encoding': 'gzip' }, body: 'not gzip' },
    { name: 'empty body', method: 'POST', path: '/api/registry/heartbeat.json', headers: ct, body: '' },
    { name: 'wrong shape', method: 'POST', path: '/api/registry/heartbeat.json', headers: ct, body: json({ instances: 'x' }) },
    { name: 'no instances', method: 'POST', path: '/api/registry/unregister.json', headers: ct, body: json({ instances: [] }) },
    { name: 'other region', method: 'POST', path: '/api/registry/register.json', headers: ct, body: json({ instances: [inst('r1', { regionId: 'NTG' })] }) },
    { name: 'text/plain', method: 'POST', path: '/api/registry/heartbeat.json', headers: { 'content-type': 'text/plain' }, body: json({ instances: [inst('f1')] }) },
    { name: 'body over the limit', method: 'POST', path: '/api/registry/register.json', headers: ct, body: json({ instances: [inst('big', { metadata: { k: 'x'.repeat(40_000) } })] }) },
    { name: 'gzip bomb over the limit', method: 'POST', path: '/api/registry/register.json', headers: { ...ct, 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(100_000, 32)) },
    { name: 'below the context path', method: 'POST', path: '/artemis-web/api/registry/heartbeat.json', headers: ct, body: json({ instances: [inst('f1')] }) },
  ];
}

describe('the direct path answers as the framework does', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ contextPath: '/artemis-web', 'limits.maxBodyBytes': 32_768, 'discovery.gzipMinBytes': 100, 'discovery.coalesceMs': 0 });
    // A service with enough instances that its body is gzip-compressed.
    await fetch(`${n.url}/api/registry/register.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json({ instances: Array.from({ length: 5 }, (_, i) => inst(`seed-${i}`)) }),
    });
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await n.stop();
  });

  it('for every case, over HTTP and through the framework alone', async () => {
    const fastCount = async () => Number(/artemis_http_direct_requests_total (\d+)/.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1]);
    const before = await fastCount();
    const first = await fetch(`${n.url}/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    for (const c of cases(etag)) {
      const init = { method: c.method, headers: { 'accept-encoding': 'identity', ...c.headers }, ...(c.body === undefined ? {} : { body: c.body }) };
      // The same request twice would register twice; registers are idempotent, heartbeats too.
      const viaHttp = await fetch(`${n.url}${c.path}`, { ...init, ...(c.body === undefined ? {} : { duplex: 'half' }) });
      const viaFramework = await n.node.app.request(c.path, init);
      const [a, b] = [Buffer.from(await viaHttp.arrayBuffer()), Buffer.from(await viaFramework.arrayBuffer())];
      expect({ case: c.name, status: viaHttp.status }).toEqual({ case: c.name, status: viaFramework.status });
      const encoding = viaHttp.headers.get('content-encoding');
      // fetch inflates gzip answers; the framework response holds the raw bytes.
      const frameworkText = viaFramework.headers.get('content-encoding') === 'gzip' ? (await import('node:zlib')).gunzipSync(b).toString() : b.toString();
      expect({ case: c.name, body: a.toString() }).toEqual({ case: c.name, body: frameworkText });
      for (const h of HEADERS) {
        if (h === 'content-encoding' && encoding === null) continue;
        expect({ case: c.name, header: h, value: viaHttp.headers.get(h) }).toEqual({ case: c.name, header: h, value: viaFramework.headers.get(h) });
      }
    }
    // Every case went through the direct path, as did the first GET: it serves the endpoint
    // itself, so the odd cases (another content type, a missing serviceId, a declared length over
    // the limit) are answered there too, by the same code as in the framework.
    expect((await fastCount()) - before).toBe(1 + cases(etag).length);
  });

  it('counts direct-path requests under the same route labels', async () => {
    // Counts before and after requests that only the direct path answers: each moves its own
    // route label by one, and the direct-path counter by the same amount.
    const count = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${n.url}/metrics`)).text())?.[1] ?? 0);
    const heartbeat200 = /artemis_http_requests_total\{route="\/api\/registry\/heartbeat\.json",method="POST",code="200"\} (\d+)/;
    const service304 = /artemis_http_requests_total\{route="\/api\/discovery\/service\.json",method="GET",code="304"\} (\d+)/;
    const fast = /artemis_http_direct_requests_total (\d+)/;
    const url = `${n.url}/api/discovery/service.json?serviceId=fast.demo&regionId=SHA&zoneId=sha-z1`;
    const etag = (await fetch(url)).headers.get('etag') as string;
    const [hb0, nm0, fast0] = [await count(heartbeat200), await count(service304), await count(fast)];
    await fetch(`${n.url}/api/registry/heartbeat.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json({ instances: [inst('f1')] }) });
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(await count(heartbeat200)).toBe(hb0 + 1);
    expect(await count(service304)).toBe(nm0 + 1);
    expect(await count(fast)).toBe(fast0 + 2);
  });

  it('refuses an oversized chunked body (no content-length) and keeps serving', async () => {
    const big = json({ instances: [inst('big', { metadata: { k: 'x'.repeat(40_000) } })] });
    const { port } = new URL(n.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/registry/register.json', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 4_096) req.write(big.slice(i, i + 4_096));
      req.end();
    });
    expect(status).toBe(413);
    const next = await fetch(`${n.url}/api/registry/heartbeat.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json({ instances: [inst('f1')] }) });
    expect(next.status).toBe(200);
  });
});

describe('the direct path and the request pipeline share one guard chain', () => {
  const refusal = '{"responseStatus":{"errorCode":"no-permission","errorMessage":"denied","errorType":null,"message":null}}';
  const deny: Guard = (req) => (req.header('x-deny') === 'yes' ? { status: 403, body: refusal, headers: { 'x-denied-path': req.path } } : undefined);

  /** The pieces http-layer wires, with one extra guard in the chain. */
  function wire(withRegistryRoutes: boolean) {
    const node = inProcessNode();
    const metrics = new NodeMetrics();
    const clientLimiter = new ClientRateLimiter({ enabled: false, limit: 1, maxTrackedClients: 1 }, 1_000, systemClock);
    const { app, router, guards, errorAnswer } = createWebApp({ contextPath: '', metrics, logger: silentLogger, isStopping: () => false, guards: [deny] });
    if (withRegistryRoutes) registryRoutes(router, { registry: node.registry, clientLimiter, maxBodyBytes: 65_536 });
    discoveryRoutes(router, { discovery: node.discovery, maxBodyBytes: 65_536, gzipMinBytes: 1_000 });
    const fast = () => createDirectPath({ router, operations: DIRECT_OPERATIONS, guards, metrics, errorAnswer });
    return { app, metrics, fast };
  }

  let server: Server | undefined;
  afterAll(async () => {
    await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)));
  });

  it('a guard added to the pipeline refuses on the direct path as it does in the framework', async () => {
    const { app, metrics, fast } = wire(true);
    const direct = fast();
    const framework = getRequestListener(app.fetch);
    server = createServer((req, res) => {
      if (!direct(req, res)) void framework(req, res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const calls = [
      { path: '/api/registry/heartbeat.json', method: 'POST', body: json({ instances: [inst('g1')] }) },
      { path: '/api/discovery/service.json?serviceId=fast.demo&regionId=SHA', method: 'GET' },
    ];
    for (const call of calls) {
      const init = { method: call.method, headers: { 'content-type': 'application/json', 'x-deny': 'yes' }, ...(call.body === undefined ? {} : { body: call.body }) };
      const viaHttp = await fetch(`http://127.0.0.1:${port}${call.path}`, init);
      const viaFramework = await app.request(call.path, init);
      expect({ path: call.path, status: viaHttp.status, body: await viaHttp.text() }).toEqual({ path: call.path, status: 403, body: refusal });
      expect({ path: call.path, status: viaFramework.status, body: await viaFramework.text() }).toEqual({ path: call.path, status: 403, body: refusal });
      for (const h of ['x-denied-path', 'content-type', 'access-control-allow-origin']) expect(viaHttp.headers.get(h)).toBe(viaFramework.headers.get(h));
      // Without the header the guard lets the same call through.
      const allowed = await fetch(`http://127.0.0.1:${port}${call.path}`, { ...init, headers: { 'content-type': 'application/json' } });
      expect(allowed.status).toBe(200);
    }
    // All four calls, the refused ones included, were answered by the direct path.
    expect(/artemis_http_direct_requests_total (\d+)/.exec(await metrics.registry.metrics())?.[1]).toBe('4');
  });

  it('serves only endpoints the route table declares', () => {
    expect(() => wire(false).fast()).toThrow(/not in the route table/);
  });
});
