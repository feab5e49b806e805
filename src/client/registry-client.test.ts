import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RegistryClient, type RegistryEvents } from './registry-client.js';
import { FakeFetch, FakeSockets, json, rs } from './test-fakes.js';

const OK = { failedInstances: null, responseStatus: rs() };

function setup() {
  const fake = new FakeFetch();
  const sockets = new FakeSockets();
  fake.respond = (c) => (c.url.includes('up-registry-nodes') ? json({ nodes: null, responseStatus: rs('data-not-found') }) : json(OK));
  const client = new RegistryClient({
    urls: ['http://n1:8080'],
    regionId: 'SHA',
    zoneId: 'z1',
    heartbeatIntervalMs: 1_000,
    random: () => 0,
    fetch: fake.fetch,
    createSocket: sockets.create,
    retryDelayMs: 10,
  });
  const events: Array<{ name: keyof RegistryEvents; payload: unknown }> = [];
  for (const name of ['registered', 'heartbeat-failed', 'register-failed', 'node-changed'] as const) {
    client.on(name, (payload) => events.push({ name, payload }));
  }
  return { fake, sockets, client, events };
}

const a = { serviceId: 'demo', instanceId: 'a', url: 'http://a' };
const b = { serviceId: 'demo', instanceId: 'b', url: 'http://b' };
const hbFrames = (s: { frames(): Array<Record<string, unknown>> }) => s.frames().map((f) => (f.instances as Array<{ instanceId: string }>).map((i) => i.instanceId));

describe('RegistryClient', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('registers over HTTP with region and zone filled in, and reports it', async () => {
    const { fake, client, events } = setup();
    const result = await client.register([a, b]);
    expect(result.failedInstances).toEqual([]);
    const call = fake.to('/api/registry/register.json')[0]!;
    expect(call.body).toMatchObject({ instances: [{ instanceId: 'a', regionId: 'SHA', zoneId: 'z1', port: 0, groupId: null }, { instanceId: 'b' }] });
    expect(events.find((e) => e.name === 'registered')?.payload).toMatchObject({ reason: 'register' });
    await client.close();
  });

  it('rejects instances without the required fields', async () => {
    const { client } = setup();
    await expect(client.register({ serviceId: 'demo', instanceId: ' ', url: 'http://x' })).rejects.toThrow(RangeError);
    await client.close();
  });

  it('sends one frame for all instances at once when the socket opens, then every interval', async () => {
    const { sockets, client } = setup();
    await client.register([a, b]);
    const ws = sockets.last;
    expect(ws.url).toBe('ws://n1:8080/ws/registry/heartbeat');
    ws.open();
    expect(hbFrames(ws)).toEqual([['a', 'b']]);
    ws.receive(OK);
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(hbFrames(ws)).toEqual([['a', 'b'], ['a', 'b']]);
    ws.receive(OK);
    await client.unregister(b);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(hbFrames(ws)[2]).toEqual(['a']);
    await client.close();
  });

  it('heartbeats over HTTP while the socket is down', async () => {
    const { fake, client } = setup();
    await client.register(a);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.to('/api/registry/heartbeat.json')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.to('/api/registry/heartbeat.json')).toHaveLength(2);
    await client.close();
  });

  it('registers again the instances a node does not know, and only those', async () => {
    const { fake, sockets, client, events } = setup();
    await client.register([a, b]);
    sockets.last.open();
    const missing = { errorCode: 'data-not-found', errorMessage: 'x', instance: { ...b, regionId: 'sha' } };
    sockets.last.receive({ failedInstances: [missing], responseStatus: rs('partial_fail', 'partial_fail') });
    await vi.advanceTimersByTimeAsync(0);
    const registers = fake.to('/api/registry/register.json');
    expect(registers).toHaveLength(2);
    expect((registers[1]!.body!.instances as Array<{ instanceId: string }>).map((i) => i.instanceId)).toEqual(['b']);
    expect(events.filter((e) => e.name === 'registered').map((e) => (e.payload as { reason: string }).reason)).toEqual(['register', 're-register']);
    await client.close();
  });

  it('reports other refusals as heartbeat-failed', async () => {
    const { sockets, client, events } = setup();
    await client.register(a);
    sockets.last.open();
    sockets.last.receive({ failedInstances: [{ errorCode: 'no-permission', errorMessage: 'zone', instance: { ...a, regionId: 'SHA' } }], responseStatus: rs('partial_fail', 'partial_fail') });
    expect(events.find((e) => e.name === 'heartbeat-failed')?.payload).toMatchObject({ transport: 'websocket', failedInstances: [{ errorCode: 'no-permission' }] });
    await client.close();
  });

  it('a frame unanswered by the next beat fails, sets the node aside and reconnects', async () => {
    const { sockets, client, events } = setup();
    await client.register(a);
    sockets.last.open();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events.find((e) => e.name === 'heartbeat-failed')?.payload).toMatchObject({ error: { code: 'timeout' } });
    expect(sockets.all).toHaveLength(2);
    await client.close();
  });

  it('a "service down" answer moves the socket and heartbeats over HTTP at once', async () => {
    const { fake, sockets, client } = setup();
    await client.register(a);
    sockets.last.open();
    sockets.last.receive({ failedInstances: null, responseStatus: rs('service-unavailable') });
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets.all).toHaveLength(2);
    expect(fake.to('/api/registry/heartbeat.json')).toHaveLength(1);
    await client.close();
  });

  it('close() unregisters every instance, closes the socket and leaves no timer', async () => {
    const { fake, sockets, client } = setup();
    await client.register([a, b]);
    sockets.last.open();
    await client.close();
    const unregister = fake.to('/api/registry/unregister.json');
    expect((unregister[0]!.body!.instances as unknown[]).length).toBe(2);
    expect(sockets.last.readyState).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
    await expect(client.closed()).resolves.toBeUndefined();
    await expect(client.register(a)).rejects.toMatchObject({ code: 'closed' });
    expect(client.close()).toBe(client.close());
  });
});
