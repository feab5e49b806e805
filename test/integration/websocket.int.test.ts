import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeInstance } from '../../src/core/wire/instance.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

const SUCCESS = '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}';

describe('WebSocket channels', () => {
  let n: RunningNode;
  const sockets: TestSocket[] = [];
  const open = async (path: string) => {
    const s = await TestSocket.open(wsUrl(n.url, path));
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    n = await startTestNode({ 'registry.lease.sweepIntervalMs': 20, 'registry.lease.ttlMs': 1_000, contextPath: '/artemis-web' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await n.stop();
  });

  it('answers a heartbeat for an unknown instance with data-not-found, and success after register', async () => {
    const hb = await open('/ws/registry/heartbeat');
    const inst = instance({ instanceId: 'ws-1', serviceId: 'ws.demo' });
    hb.send({ instances: [inst] });
    const first = await hb.next();
    expect(first.responseStatus.status).toBe('partial_fail');
    expect(first.failedInstances[0].errorCode).toBe('data-not-found');
    await postJson(`${n.url}/api/registry/register.json`, { instances: [inst] });
    hb.send({ instances: [inst] });
    expect(await hb.nextText()).toBe(SUCCESS);
  });

  it('answers every frame exactly once, also a frame that is not JSON', async () => {
    const hb = await open('/artemis-web/ws/registry/heartbeat');
    hb.send('not json');
    const answer = await hb.next();
    expect(answer.responseStatus.errorCode).toBe('bad-request');
    hb.send({ instances: [] });
    expect((await hb.next()).responseStatus.message).toBe('request.instances is null or empty.');
    expect(await hb.quietFor(50)).toBe(true);
  });

  it('answers pings with pongs', async () => {
    const hb = await open('/ws/registry/heartbeat');
    const pong = new Promise<Buffer>((resolve) => hb.ws.once('pong', resolve));
    hb.ws.ping(Buffer.from('x'));
    expect((await pong).toString()).toBe('x');
  });

  it('pushes new to subscribers of the service, then delete after unregister', async () => {
    const sub = await open('/ws/discovery/instance-change');
    const other = await open('/ws/discovery/instance-change');
    sub.send({ discoveryData: null, regionId: null, serviceId: 'push.demo', zoneId: null });
    other.send({ serviceId: 'another.service' });
    await new Promise((r) => setTimeout(r, 20));
    const inst = instance({ instanceId: 'p-1', serviceId: 'push.demo' });
    const t0 = Date.now();
    await postJson(`${n.url}/api/registry/register.json`, { instances: [inst] });
    const change = await sub.next();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(change.changeType).toBe('new');
    expect(change.instance).toEqual(inst);
    expect(Object.keys(change)).toEqual(['changeTime', 'changeType', 'instance', 'version']);
    await postJson(`${n.url}/api/registry/unregister.json`, { instances: [inst] });
    const del = await sub.next();
    expect(del.changeType).toBe('delete');
    expect(del.instance.instanceId).toBe('p-1');
    expect(await other.quietFor(50)).toBe(true);
  });

  it('pushes delete when a lease expires', async () => {
    const sub = await open('/ws/discovery/instance-change');
    sub.send({ serviceId: 'expire.demo' });
    await new Promise((r) => setTimeout(r, 20));
    await postJson(`${n.url}/api/registry/register.json`, { instances: [instance({ instanceId: 'e-1', serviceId: 'expire.demo' })] });
    expect((await sub.next()).changeType).toBe('new');
    expect((await sub.next(3_000)).changeType).toBe('delete');
  });

  it('sends every change of every service to all-instance-change sessions', async () => {
    const all = await open('/ws/discovery/all-instance-change');
    await postJson(`${n.url}/api/registry/register.json`, {
      instances: [instance({ instanceId: 'a-1', serviceId: 'all.one' }), instance({ instanceId: 'a-2', serviceId: 'all.two' })],
    });
    const ids = [(await all.next()).instance.serviceId, (await all.next()).instance.serviceId].sort();
    expect(ids).toEqual(['all.one', 'all.two']);
  });

  it('counts open sessions in message/connections.json', async () => {
    const res = await fetch(`${n.url}/api/status/message/connections.json`);
    const body = (await res.json()) as { registry: string; discovery: string };
    const open = (suffix: string) => sockets.filter((s) => s.ws.url.endsWith(suffix) && s.ws.readyState === WebSocket.OPEN).length;
    expect(open('/heartbeat')).toBeGreaterThan(0);
    expect(open('/instance-change')).toBeGreaterThan(0);
    expect(Number(body.registry)).toBe(open('/heartbeat'));
    expect(Number(body.discovery)).toBe(open('/instance-change'));
  });

  it('refuses unknown WebSocket paths', async () => {
    const s = new TestSocket(wsUrl(n.url, '/ws/nope'));
    await expect(s.opened).rejects.toThrow(/404/);
  });
});

describe('WebSocket limits and shutdown', () => {
  it('refuses sessions beyond websocket.maxSessions and closes sessions with 1001 on shutdown', async () => {
    const n = await startTestNode({ 'websocket.maxSessions': 1 });
    const a = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
    const b = new TestSocket(wsUrl(n.url, '/ws/discovery/instance-change'));
    await expect(b.opened).rejects.toThrow(/503/);
    await n.stop();
    expect(await a.closed).toBe(1001);
  });

  it('cuts off a slow consumer and keeps memory bounded', async () => {
    const n = await startTestNode({ 'websocket.maxBufferedBytes': 64 * 1024 });
    const slow = await TestSocket.open(wsUrl(n.url, '/ws/discovery/all-instance-change'));
    try {
      // stop reading: the socket's receive buffer fills and the server's send buffer grows
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = { pad: 'x'.repeat(32_000) };
      let i = 0;
      const text = await waitFor(
        async () => {
          for (const end = i + 20; i < end; i++) n.node.repository.register(makeInstance(instance({ instanceId: `s-${i}`, serviceId: 'slow.demo', metadata: big })));
          const metrics = await (await fetch(`${n.url}/metrics`)).text();
          return metrics.includes('artemis_ws_slow_consumer_disconnects_total{channel="discoveries"} 1') ? metrics : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 25, message: 'the slow consumer to be cut off' },
      );
      expect(text).toMatch(/artemis_ws_slow_consumer_disconnects_total\{channel="discoveries"\} 1/);
      // once cut off, the session is dropped by the server
      await waitFor(() => n.node.websocket.gateway.connections().discoveries === 0, { timeoutMs: 5_000, intervalMs: 50, message: 'the session to be dropped' });
      expect(n.node.websocket.gateway.connections().discoveries).toBe(0);
    } finally {
      slow.close();
      await n.stop();
    }
  });
});

describe('WebSocket push of an unregistration', () => {
  it('pushes delete as soon as the unregistration answers, while the sweep is a minute away and the coalescing window ten seconds', async () => {
    const n = await startTestNode({ 'registry.lease.sweepIntervalMs': 60_000, 'discovery.coalesceMs': 10_000 });
    const sub = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
    try {
      sub.send({ serviceId: 'gone.demo' });
      await new Promise((r) => setTimeout(r, 20));
      const inst = instance({ instanceId: 'g-1', serviceId: 'gone.demo' });
      // registrations wait for the window (ten seconds); the unregistration does not, and takes them along
      await postJson(`${n.url}/api/registry/register.json`, { instances: [inst, instance({ instanceId: 'g-2', serviceId: 'gone.demo' })] });
      await postJson(`${n.url}/api/registry/unregister.json`, { instances: [inst] });
      const pushed: string[][] = [];
      while (!pushed.some(([type]) => type === 'delete')) {
        const c = (await sub.next()) as { changeType: string; instance: { instanceId: string } };
        pushed.push([c.changeType, c.instance.instanceId]);
      }
      expect(pushed).toEqual([['new', 'g-1'], ['new', 'g-2'], ['delete', 'g-1']]);
    } finally {
      sub.close();
      await n.stop();
    }
  });
});
