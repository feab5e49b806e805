import { request } from 'node:http';
import { gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type RunningNode } from '../helpers/node.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

/**
 * Replays what an unchanged Java Artemis client sends (spec 12.1-12.5): gzip-compressed POSTs
 * with Content-Type and Accept each sent twice, Accept-Encoding gzip, chunked bodies; heartbeats
 * and subscriptions over WebSocket. JSON is serialised as the Java client's Jackson does:
 * every property, nulls included, alphabetical.
 */
function javaPost(base: string, path: string, json: string): Promise<{ status: number; body: string }> {
  const url = new URL(base + path);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: [
          ['Host', `${url.hostname}:${url.port}`],
          ['Content-Type', 'application/json'],
          ['Accept', 'application/json'],
          ['Content-Type', 'application/json'],
          ['Accept', 'application/json'],
          ['Content-Encoding', 'gzip'],
          ['Accept-Encoding', 'gzip,deflate'],
          ['Transfer-Encoding', 'chunked'],
        ].flat(),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          resolve({ status: res.statusCode ?? 0, body: body.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(gzipSync(json));
  });
}

const INSTANCE =
  '{"groupId":null,"healthCheckUrl":"http://10.1.2.3:8080/health","instanceId":"10.1.2.3:8080","ip":"10.1.2.3","machineName":"order-host-01","metadata":null,"port":8080,"protocol":"http","regionId":"SHA","serviceId":"demo.order","status":"up","url":"http://10.1.2.3:8080/order","zoneId":"sha-z1"}';
const SUCCESS_STATUS = '{"errorCode":"success","message":"","status":"success"}';

describe('the Java client start-up sequence, replayed', () => {
  let n: RunningNode;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    n = await startTestNode({ contextPath: '/artemis-service' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await n.stop();
  });

  it('registers through heartbeat → data-not-found → register, and the instance is discoverable and pushed', async () => {
    const base = `${n.url}/artemis-service/`.replace(/\/$/, '');
    const zone = '{"regionId":"SHA","zoneId":"sha-z1"}';

    const nodes = await javaPost(base, '/api/cluster/up-registry-nodes.json', zone);
    expect(nodes.status).toBe(200);
    const nodeUrl = (JSON.parse(nodes.body) as { nodes: Array<{ url: string }> }).nodes[0]!.url.replace(/\/+$/, '');
    expect(nodeUrl).toBe(n.node.state.self.url);

    // a second application is already watching the service
    const watcher = await TestSocket.open(wsUrl(base, '/ws/discovery/instance-change'));
    sockets.push(watcher);
    watcher.send('{"discoveryData":null,"regionId":"SHA","serviceId":"demo.order","zoneId":"sha-z1"}');

    // RegistryClient.register() sends an HTTP unregister first
    const unreg = await javaPost(base, '/api/registry/unregister.json', `{"instances":[${INSTANCE}]}`);
    expect(unreg.body).toBe(`{"failedInstances":null,"responseStatus":${SUCCESS_STATUS}}`);

    const hb = await TestSocket.open(wsUrl(base, '/ws/registry/heartbeat'));
    sockets.push(hb);
    hb.send(`{"instances":[${INSTANCE}]}`);
    const notFound = await hb.nextText();
    expect(notFound).toBe(
      `{"failedInstances":[{"errorCode":"data-not-found","errorMessage":"sha/sha-z1/demo.order/10.1.2.3:8080: Instance is not exising! Need re-register.","instance":${INSTANCE}}],"responseStatus":{"errorCode":"partial_fail","message":"","status":"partial_fail"}}`,
    );

    const reg = await javaPost(base, '/api/registry/register.json', `{"instances":[${INSTANCE}]}`);
    expect(reg.body).toBe(`{"failedInstances":null,"responseStatus":${SUCCESS_STATUS}}`);
    hb.send(`{"instances":[${INSTANCE}]}`);
    expect(await hb.nextText()).toBe(`{"failedInstances":null,"responseStatus":${SUCCESS_STATUS}}`);

    const pushed = (await watcher.next()) as { changeType: string; instance: unknown };
    expect(pushed.changeType).toBe('new');
    expect(JSON.stringify(pushed.instance)).toBe(INSTANCE);

    const dnodes = await javaPost(base, '/api/cluster/up-discovery-nodes.json', zone);
    expect(JSON.parse(dnodes.body).responseStatus.status).toBe('success');
    const lookup = await javaPost(
      base,
      '/api/discovery/lookup.json',
      '{"discoveryConfigs":[{"discoveryData":null,"regionId":"SHA","serviceId":"demo.order","zoneId":"sha-z1"}],"regionId":"SHA","zoneId":"sha-z1"}',
    );
    const services = (JSON.parse(lookup.body) as { services: Array<{ instances: unknown[] }> }).services;
    expect(services[0]!.instances.map((i) => JSON.stringify(i))).toEqual([INSTANCE]);

    const sub = await TestSocket.open(wsUrl(base, '/ws/discovery/instance-change'));
    sockets.push(sub);
    sub.send('{"discoveryData":null,"regionId":"SHA","serviceId":"demo.order","zoneId":"sha-z1"}');
    await new Promise((r) => setTimeout(r, 20));
    const second = INSTANCE.replaceAll('10.1.2.3', '10.1.2.4');
    await javaPost(base, '/api/registry/register.json', `{"instances":[${second}]}`);
    expect(JSON.stringify((await sub.next()).instance)).toBe(second);
  });
});
