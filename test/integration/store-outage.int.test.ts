import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { freePort, startRedisServer, type RedisServerProcess } from '../helpers/redis.js';
import { lookupIds, waitFor } from '../helpers/wait.js';

/**
 * A store outage is visible and fast: a node on a real redis-server of its own keeps registry and
 * discovery going from memory while that server is down, answers management writes with
 * service-unavailable at once, shows the outage in status and metrics, and recovers when Redis
 * is back.
 */

const operate = (instanceId: string, complete: boolean) => ({
  instanceKey: { regionId: 'SHA', serviceId: 'demo.outage', instanceId },
  operation: 'pullout',
  operationComplete: complete,
  operatorId: 'alice',
  token: 't',
});

const inst = (id: string) => instance({ instanceId: id, serviceId: 'demo.outage', ip: '10.0.9.1', url: `http://10.0.9.1/${id}` });

async function storeStatus(url: string) {
  return (await getJson(`${url}/api/status/store.json`)).body as { available: boolean; unavailableSince: number; lastError: string; acceptsWrites: boolean; storeId: string };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('a Redis store outage', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('keeps discovery and registry serving, refuses management writes at once as service-unavailable, shows it, and recovers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'artemis-outage-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    let redis: RedisServerProcess = await startRedisServer(dir, port);
    cleanups.push(() => redis.kill());
    const node: RunningNode = await startTestNode({ 'store.url': redis.url, 'store.timeoutMs': 300, 'discovery.coalesceMs': 0, 'management.refreshIntervalMs': 3_600_000 });
    cleanups.push(() => node.stop());
    const { url } = node;

    await postJson(`${url}/api/registry/register.json`, { instances: [inst('a'), inst('b')] });
    expect((await postJson(`${url}/api/management/operate-instance.json`, operate('b', false), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(url, 'demo.outage')).toEqual(['a']);
    const before = await storeStatus(url);
    expect(before).toMatchObject({ available: true, acceptsWrites: true });
    expect(await metric(url, 'artemis_store_available')).toBe(1);

    await redis.kill();

    // The first write after the loss may be the one that finds it out; from then on every write is refused before it reaches the store.
    await waitFor(async () => (await storeStatus(url)).available === false || undefined, { message: 'the outage to show', timeoutMs: 5_000 });
    for (const id of ['a', 'c']) {
      const res = await postJson(`${url}/api/management/operate-instance.json`, operate(id, false), { headers: ADMIN_HEADERS });
      expect(res.status).toBe(200);
      expect(res.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
      expect(res.body.responseStatus.message).toContain('management store is unavailable');
    }
    const during = await storeStatus(url);
    expect(during).toMatchObject({ available: false, acceptsWrites: false });
    expect(during.unavailableSince).toBeGreaterThan(0);
    expect(during.lastError).not.toBe('');
    expect(await metric(url, 'artemis_store_available')).toBe(0);
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    // registry and discovery go on from memory, the pull-out still applied
    expect((await postJson(`${url}/api/registry/register.json`, { instances: [inst('c')] })).body.responseStatus.status).toBe('success');
    expect((await postJson(`${url}/api/registry/heartbeat.json`, { instances: [inst('a')] })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(url, 'demo.outage')).toEqual(['a', 'c']);

    redis = await startRedisServer(dir, port);
    await waitFor(async () => (await storeStatus(url)).available || undefined, { message: 'the store to be back', timeoutMs: 10_000 });
    expect((await storeStatus(url)).storeId).toBe(before.storeId);
    expect(await metric(url, 'artemis_store_available')).toBe(1);
    expect((await postJson(`${url}/api/management/operate-instance.json`, operate('b', true), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect((await postJson(`${url}/api/management/operate-instance.json`, operate('c', false), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(url, 'demo.outage')).toEqual(['a', 'b']);

    // A server that hangs (SIGSTOP) rather than closing: a read times out after store.timeoutMs,
    // writes are refused at once from then on, and the outage ends by itself once the store
    // answers (the periodic reload is off, and no write is left pending to announce itself).
    redis.child.kill('SIGSTOP');
    try {
      const first = await postJson(`${url}/api/management/log/instance-operation-logs.json`, { instanceId: 'a' });
      expect(first.body.responseStatus.status).toBe('fail');
      expect((await storeStatus(url)).available).toBe(false);
      const next = await postJson(`${url}/api/management/operate-instance.json`, operate('a', false), { headers: ADMIN_HEADERS });
      expect(next.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
      expect(await lookupIds(url, 'demo.outage')).toEqual(['a', 'b']);
    } finally {
      redis.child.kill('SIGCONT');
    }
    await waitFor(async () => (await storeStatus(url)).available || undefined, { message: 'the store to answer again after SIGCONT', timeoutMs: 10_000 });
    expect((await postJson(`${url}/api/management/operate-instance.json`, operate('a', false), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(url, 'demo.outage')).toEqual(['b']);
  }, 40_000);
});
