import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import { DiscoveryClient } from './discovery-client.js';
import type { ServiceChangeEvent } from './service-entry.js';
import { FakeFetch, FakeSockets, json, rs, type FakeCall } from './test-fakes.js';

const inst = (id: string, status = 'up') => makeInstance({ regionId: 'SHA', serviceId: 'demo', instanceId: id, url: `http://${id}`, status });

function setup() {
  const fake = new FakeFetch();
  const sockets = new FakeSockets();
  let instances = [inst('a')];
  let version = 100;
  let down = false;
  fake.respond = (c: FakeCall) => {
    if (c.url.includes('up-discovery-nodes')) return json({ nodes: null, responseStatus: rs('data-not-found') });
    if (down) return new Error('ECONNREFUSED');
    const tag = `W/"${version}"`;
    if (c.headers['if-none-match'] === tag) return new Response(null, { status: 304, headers: { etag: tag } });
    return json({ responseStatus: rs(), service: { instances, serviceId: 'demo' } }, 200, { etag: tag });
  };
  const client = new DiscoveryClient({ urls: 'http://n1', regionId: 'SHA', zoneId: 'z1', random: () => 0, fetch: fake.fetch, createSocket: sockets.create, refreshIntervalMs: 10_000, retryAttempts: 1 });
  const events: ServiceChangeEvent[] = [];
  const server = {
    set: (list: typeof instances, v: number) => ((instances = list), (version = v)),
    down: (d: boolean) => (down = d),
  };
  return { fake, sockets, client, events, server, gets: () => fake.to('/api/discovery/service.json') };
}

const ids = (s: { instances: Array<{ instanceId: string | null }> | null }) => (s.instances ?? []).map((i) => i.instanceId);

describe('DiscoveryClient', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fetches a service once and answers later calls from the cache', async () => {
    const { client, gets } = setup();
    expect(ids(await client.getService('demo'))).toEqual(['a']);
    expect(ids(await client.getService('DEMO'))).toEqual(['a']);
    expect(gets()).toHaveLength(1);
    expect(gets()[0]!.url).toBe('http://n1/api/discovery/service.json?serviceId=demo&regionId=SHA&zoneId=z1');
    await client.close();
  });

  it('subscribes with the fetched version, applies pushes and tells listeners', async () => {
    const { client, sockets, events } = setup();
    client.subscribe('demo', (e) => events.push(e));
    await client.getService('demo');
    sockets.last.open();
    expect(sockets.last.url).toBe('ws://n1/ws/discovery/instance-change');
    expect(sockets.last.frames()).toEqual([{ discoveryData: null, regionId: 'SHA', serviceId: 'demo', zoneId: 'z1', version: 100 }]);
    sockets.last.receive({ changeTime: 1, changeType: 'new', instance: inst('b'), version: 110 });
    expect(events.map((e) => [e.changeType, e.instance?.instanceId])).toEqual([['new', 'b']]);
    expect(ids(await client.getService('demo'))).toEqual(['a', 'b']);
    await client.close();
  });

  it('resumes after a reconnect from the last complete version', async () => {
    const { client, sockets } = setup();
    await client.getService('demo');
    sockets.last.open();
    sockets.last.receive({ changeTime: 1, changeType: 'new', instance: inst('b'), version: 110 });
    sockets.last.receive({ changeTime: 1, changeType: 'new', instance: inst('c'), version: 120 });
    sockets.last.drop(1001);
    await vi.advanceTimersByTimeAsync(500);
    sockets.last.open();
    expect(sockets.last.frames()[0]).toMatchObject({ serviceId: 'demo', version: 110 });
    await client.close();
  });

  it('fetches again on reload and fires reload when the data changed', async () => {
    const { client, sockets, events, server, gets } = setup();
    client.subscribe('demo', (e) => events.push(e));
    await client.getService('demo');
    sockets.last.open();
    server.set([inst('z')], 200);
    sockets.last.receive({ changeTime: 1, changeType: 'reload', instance: { serviceId: 'demo', instanceId: 'reload' }, version: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(gets()).toHaveLength(2);
    expect(events.map((e) => e.changeType)).toEqual(['reload']);
    expect(ids(events[0]!.service)).toEqual(['z']);
    await client.close();
  });

  it('refreshes with a conditional GET, and keeps serving the last data when nodes fail', async () => {
    const { client, server, gets } = setup();
    const failures: string[] = [];
    client.on('refresh-failed', (f) => failures.push(f.error.code));
    await client.getService('demo');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(gets()[1]!.headers['if-none-match']).toBe('W/"100"');
    server.down(true);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(failures).toEqual(['network']);
    expect(ids(await client.getService('demo'))).toEqual(['a']);
    await expect(client.getService('never.seen')).rejects.toMatchObject({ code: 'network' });
    await client.close();
  });

  it('without a known version, subscribes plainly and fetches again to catch up', async () => {
    const { client, sockets, fake, gets } = setup();
    fake.respond = (c) =>
      c.url.includes('service.json') ? json({ responseStatus: rs(), service: { instances: null, serviceId: 'demo' } }) : json({ responseStatus: rs('data-not-found') });
    expect(ids(await client.getService('demo'))).toEqual([]);
    sockets.last.open();
    expect(sockets.last.frames()[0]).not.toHaveProperty('version');
    await vi.advanceTimersByTimeAsync(0);
    expect(gets()).toHaveLength(2);
    await client.close();
  });

  it('picks up instances round robin', async () => {
    const { client, server } = setup();
    server.set([inst('a'), inst('b', 'down'), inst('c')], 100);
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await client.pick('demo'))?.instanceId);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
    await client.close();
  });

  it('close() leaves no timer and later calls fail', async () => {
    const { client, sockets } = setup();
    await client.getService('demo');
    sockets.last.open();
    await client.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(sockets.last.readyState).toBe(3);
    expect(() => client.subscribe('demo', () => undefined)).toThrow('closed');
  });
});
