import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import type { WireInstance, WireChange, WireService } from '../helpers/wire-types.js';
import { waitFor } from '../helpers/wait.js';

/** Discovery over real HTTP: 3 instances of 2 services on a node listening on port 0. */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function rawGet(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const a1 = instance({ instanceId: 'a1', ip: '10.0.0.1', url: 'http://10.0.0.1/a' });
const a2 = instance({ instanceId: 'a2', ip: '10.0.0.2', url: 'http://10.0.0.2/a' });
const b1 = instance({ serviceId: 'Demo.Pay', instanceId: 'b1', ip: '10.0.0.3', url: 'http://10.0.0.3/b' });

describe('discovery over HTTP', () => {
  let n: RunningNode;
  let version = 0;

  beforeAll(async () => {
    n = await startTestNode({ 'discovery.gzipMinBytes': 200, 'registry.lease.sweepIntervalMs': 20 });
    const start = n.node.discovery.cache.version;
    const res = await postJson(`${n.url}/api/registry/register.json`, { instances: [a1, a2, b1] }, { gzip: true });
    expect(res.body.responseStatus.status).toBe('success');
    version = await waitFor(async () => {
      const { body } = await getJson(`${n.url}/api/discovery/services.json`);
      return body.version > start && body.services.length === 2 ? (body.version as number) : undefined;
    }, { message: 'the registration to reach services.json' });
  });

  afterAll(async () => {
    await n?.stop();
  });

  it('lookup finds both services in any letter case', async () => {
    const configs = ['DEMO.ORDER', 'demo.pay', 'demo.none'].map((serviceId) => ({ serviceId }));
    const { body } = await postJson(`${n.url}/api/discovery/lookup.json`, { discoveryConfigs: configs, regionId: 'SHA', zoneId: 'sha-z1' });
    expect(body.services.map((s: WireService) => [s.serviceId, (s.instances ?? []).map((i: WireInstance) => i.instanceId)])).toEqual([
      ['demo.order', ['a1', 'a2']],
      ['Demo.Pay', ['b1']],
      ['demo.none', []],
    ]);
  });

  it('service.json answers the same by GET and POST', async () => {
    const viaGet = await getJson(`${n.url}/api/discovery/service.json?serviceId=demo.pay&regionId=SHA&zoneId=sha-z1`);
    const viaPost = await postJson(`${n.url}/api/discovery/service.json`, { discoveryConfig: { serviceId: 'demo.pay' }, regionId: 'SHA' });
    expect(viaGet.text).toBe(viaPost.text);
    expect(viaGet.body.service.instances.map((i: WireInstance) => i.instanceId)).toEqual(['b1']);
  });

  it('services.json answers 304 to a matching If-None-Match, for both GET endpoints', async () => {
    for (const path of ['/api/discovery/services.json', '/api/discovery/service.json?serviceId=demo.order&regionId=SHA']) {
      const first = await rawGet(`${n.url}${path}`);
      const etag = first.headers['etag'] as string;
      expect(etag).toMatch(/^W\/"\d+"$/);
      const again = await rawGet(`${n.url}${path}`, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect((await rawGet(`${n.url}${path}`, { 'if-none-match': 'W/"1"' })).status).toBe(200);
    }
    const posted = await postJson(`${n.url}/api/discovery/services.json`, {});
    expect(posted.body.version).toBe(version);
  });

  it('compresses with gzip only for callers that accept it', async () => {
    const plain = await rawGet(`${n.url}/api/discovery/services.json`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toBe('Accept-Encoding');
    const zipped = await rawGet(`${n.url}/api/discovery/services.json`, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    const identity = await rawGet(`${n.url}/api/discovery/services.json`, { 'accept-encoding': 'gzip;q=0' });
    expect(identity.headers['content-encoding']).toBeUndefined();
  });

  it('exports the cache version and rebuild count as metrics', async () => {
    const text = await (await fetch(`${n.url}/metrics`)).text();
    expect(text).toMatch(/^artemis_discovery_cache_rebuilds_total [1-9]\d*$/m);
    expect(text).toContain(`artemis_discovery_version ${n.node.discovery.cache.version}`);
  });

  it('services-delta.json reports an unregistered instance as delete', async () => {
    const res = await postJson(`${n.url}/api/registry/unregister.json`, { instances: [a2] });
    expect(res.body.responseStatus.status).toBe('success');
    const delta = await waitFor(async () => {
      const { body } = await postJson(`${n.url}/api/discovery/services-delta.json`, { version });
      return body.responseStatus.status === 'success' ? (body as { version: number; delta: Record<string, WireChange[]> }) : undefined;
    }, { message: 'the delta after unregister' });
    expect(delta.version).toBeGreaterThan(version);
    expect(Object.keys(delta.delta)).toEqual(['demo.order']);
    expect(delta.delta['demo.order']!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([['delete', 'a2']]);
    const { body } = await postJson(`${n.url}/api/discovery/services-delta.json`, { version: delta.version });
    expect(body.responseStatus.errorCode).toBe('data-not-found');
  });
});
