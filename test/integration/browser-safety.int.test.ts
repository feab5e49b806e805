import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { request } from '../helpers/http.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { wsUrl } from '../helpers/ws.js';

/**
 * "Any web page the operator opens can send management writes." On the old main every answer
 * carried `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`, the
 * preflight echoed whatever a page asked for, and a POST with `text/plain` (a "simple" request
 * a page sends cross-site without a preflight) was read as JSON: a page could pull out any
 * instance. Each assertion below fails against that main.
 */

const KEY = { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' };
const PULL_OUT = JSON.stringify({ instanceKey: KEY, operation: 'pullout', operationComplete: false, operatorId: 'page', token: 't' });
const EVIL = 'http://evil.example';

async function lookupIds(url: string): Promise<string[]> {
  const res = await postJson(`${url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' });
  return ((res.body.services[0].instances ?? []) as Array<{ instanceId: string }>).map((i) => i.instanceId);
}

async function errorOf(res: Response): Promise<{ errorCode: string; message: string }> {
  return ((await res.json()) as { responseStatus: { errorCode: string; message: string } }).responseStatus;
}

describe('browser safety under the default config (no allowed origin)', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode();
    await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] });
  });
  afterAll(() => n.stop());

  it('sends no CORS header to a foreign page, never a wildcard with credentials', async () => {
    for (const path of ['/api/status/node.json', '/api/discovery/service.json?serviceId=demo.order', '/health']) {
      const res = await request(n, path, { headers: { origin: EVIL } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
  });

  it('answers a foreign preflight for a management write without allowing it', async () => {
    const res = await request(n, '/api/management/operate-instance.json', {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('refuses the simple requests a page can send cross-site with 415, and the write is not applied', async () => {
    const simple: Array<Record<string, string>> = [
      { 'content-type': 'text/plain;charset=UTF-8' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      {},
    ];
    for (const headers of simple) {
      const res = await request(n, '/api/management/operate-instance.json', { method: 'POST', headers: { ...headers, origin: EVIL }, body: PULL_OUT });
      expect(res.status, JSON.stringify(headers)).toBe(415);
      const status = await errorOf(res);
      expect(status.errorCode).toBe('bad-request');
      expect(status.message).toMatch(/^Content-Type must be application\/json/);
    }
    expect(await lookupIds(n.url)).toEqual(['10.1.2.3:8080']);
  });

  it('refuses them on the direct registry path too (register, heartbeat, unregister)', async () => {
    const other = JSON.stringify({ instances: [instance({ instanceId: 'page:1' })] });
    for (const op of ['register', 'unregister', 'heartbeat']) {
      const res = await request(n, `/api/registry/${op}.json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: other });
      expect(res.status, op).toBe(415);
      const none = await request(n, `/api/registry/${op}.json`, { method: 'POST', body: other });
      expect(none.status, op).toBe(415);
    }
    const bare = await request(n, '/api/registry/unregister.json', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ instances: [instance()] }) });
    expect(bare.status).toBe(415);
    expect(await lookupIds(n.url)).toEqual(['10.1.2.3:8080']);
  });

  it('refuses a JSON write that names a foreign Origin (403 no-permission), and applies none', async () => {
    const res = await request(n, '/api/management/operate-instance.json', { method: 'POST', headers: { 'content-type': 'application/json', origin: EVIL }, body: PULL_OUT });
    expect(res.status).toBe(403);
    const status = await errorOf(res);
    expect(status.errorCode).toBe('no-permission');
    expect(status.message).toContain(EVIL);
    const reg = await request(n, '/api/registry/unregister.json', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body: JSON.stringify({ instances: [instance()] }) });
    expect(reg.status).toBe(403);
    expect(await lookupIds(n.url)).toEqual(['10.1.2.3:8080']);
    const metrics = await (await request(n, '/metrics')).text();
    expect(metrics).toMatch(/artemis_browser_refusals_total\{reason="content-type"\} [1-9]/);
    expect(metrics).toMatch(/artemis_browser_refusals_total\{reason="origin"\} [1-9]/);
  });

  it('still accepts what Java clients, peers and the SDK send: JSON (twice, gzip), or no body', async () => {
    const body = gzipSync(JSON.stringify({ instances: [instance({ instanceId: 'java:1' })] }));
    const res = await request(n, '/api/registry/register.json', {
      method: 'POST',
      headers: [['content-type', 'application/json'], ['content-type', 'application/json'], ['content-encoding', 'gzip']],
      body,
    });
    expect(res.status).toBe(200);
    expect((await errorOf(res)).errorCode).toBe('success');
    // a POST without a body needs no content type (the status calls peers make)
    expect((await request(n, '/api/status/node.json', { method: 'POST' })).status).toBe(200);
    // the node's own pages are same-origin: their Origin names the Host they talk to
    const host = new URL(n.url).host;
    const own = await request(n, '/api/registry/unregister.json', { method: 'POST', headers: { 'content-type': 'application/json', origin: `http://${host}` }, body: JSON.stringify({ instances: [instance({ instanceId: 'java:1' })] }) });
    expect((await errorOf(own)).errorCode).toBe('success');
  });
});

describe('browser safety with allowed origins', () => {
  let n: RunningNode;
  const CONSOLE = 'https://console.example:8443';
  beforeAll(async () => {
    n = await startTestNode({ 'cors.allowedOrigins': [CONSOLE] });
    await postJson(`${n.url}/api/registry/register.json`, { instances: [instance()] });
  });
  afterAll(() => n.stop());

  it('names the allowed origin (never *, never credentials) on answers and preflights, on both paths', async () => {
    for (const path of ['/api/status/node.json', '/api/discovery/service.json?serviceId=demo.order']) {
      const res = await request(n, path, { headers: { origin: CONSOLE } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe(CONSOLE);
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
      expect((await request(n, path, { headers: { origin: EVIL } })).headers.get('access-control-allow-origin'), path).toBeNull();
    }
    const pre = await request(n, '/api/management/operate-instance.json', {
      method: 'OPTIONS',
      headers: { origin: CONSOLE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
  });

  it('lets the allowed origin write with JSON, still refuses text/plain from it', async () => {
    const plain = await request(n, '/api/management/operate-instance.json', { method: 'POST', headers: { 'content-type': 'text/plain', origin: CONSOLE }, body: PULL_OUT });
    expect(plain.status).toBe(415);
    const register = await request(n, '/api/registry/register.json', { method: 'POST', headers: { 'content-type': 'application/json', origin: CONSOLE }, body: JSON.stringify({ instances: [instance({ instanceId: 'console:1' })] }) });
    expect(register.status).toBe(200);
    expect(register.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect((await errorOf(register)).errorCode).toBe('success');
  });
});

describe('WebSocket upgrades from web pages', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'cors.allowedOrigins': ['https://console.example'] });
  });
  afterAll(() => n.stop());

  /** The HTTP status an upgrade to `path` with `origin` gets (101 when it opens). */
  function upgrade(path: string, origin: string | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(n.url, path), origin === undefined ? {} : { origin });
      ws.once('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
    });
  }

  it('refuses a foreign page (no heartbeats or subscriptions through the operator browser), admits clients, the node itself and allowed origins', async () => {
    // on the old main any Origin was accepted: a page could keep dead instances alive over /ws/registry/heartbeat
    for (const path of ['/ws/registry/heartbeat', '/ws/discovery/instance-change', '/ws/discovery/all-instance-change']) {
      expect(await upgrade(path, EVIL), path).toBe(403);
      expect(await upgrade(path, undefined), path).toBe(101);
      expect(await upgrade(path, 'https://console.example'), path).toBe(101);
      expect(await upgrade(path, `http://${new URL(n.url).host}`), path).toBe(101);
    }
  });
});
