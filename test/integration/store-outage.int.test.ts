import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKENS_UNAVAILABLE } from '../../src/auth/failures.js';
import { AUTH_PATHS } from '../../src/core/wire/api-paths.js';
import { ADMIN_HEADERS, getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { freePort, startRedisServer, type RedisServerProcess } from '../helpers/redis.js';
import { lookupIds, waitFor } from '../helpers/wait.js';

/**
 * A store outage is visible and fast: a node on a real redis-server of its own keeps registry and
 * discovery going from memory while that server is down, answers management writes with
 * service-unavailable at once, answers management reads from the state it last loaded (the audit
 * logs, kept only in the store, with service-unavailable), shows the outage in status and
 * metrics, and recovers when Redis is back.
 */

const G = '/api/management/group';
const AUDIT = { operation: 'release', operatorId: 'alice', token: 't-1', reason: 'outage' };
const group = { serviceId: 'demo.outage', regionId: 'SHA', zoneId: 'sha-z1', name: 'blue', appId: '100001', status: 'active', description: 'blue' };

/** What a node answers to the management reads: operations and groups from memory, and the audit log. */
async function reads(url: string) {
  const ops = await getJson(`${url}/api/management/all-instance-operations.json`);
  const groups = await postJson(`${url}${G}/get-groups.json`, { serviceId: 'demo.outage' });
  const logs = await postJson(`${url}/api/management/log/instance-operation-logs.json`, { serviceId: 'demo.outage' });
  return {
    operations: (ops.body.allInstanceOperations as Array<{ instanceKey: { instanceId: string }; operations: string[] }>).map((o) => [o.instanceKey.instanceId, o.operations]),
    groups: (groups.body.groups as Array<{ name: string }> | null | undefined)?.map((g) => g.name),
    groupsStatus: groups.body.responseStatus.status as string,
    logs: logs.body.responseStatus as { status: string; errorCode?: string; message?: string },
    logCount: (logs.body.logs as unknown[] | undefined)?.length,
  };
}

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
    expect((await postJson(`${url}${G}/insert-groups.json`, { groups: [group], ...AUDIT }, { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    const readsBefore = await reads(url);
    expect(readsBefore).toMatchObject({ operations: [['b', ['pullout']]], groups: ['blue'], groupsStatus: 'success', logs: { status: 'success' }, logCount: 1 });
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

    // management reads: what the node applies, from memory; the audit log refused as unavailable
    const readsDuring = await reads(url);
    expect(readsDuring).toMatchObject({ operations: readsBefore.operations, groups: ['blue'], groupsStatus: 'success', logs: { status: 'fail', errorCode: 'service-unavailable' } });
    expect(readsDuring.logs.message).toContain('audit logs are kept only there');
    // token administration writes to the store too: refused as unavailable, with the store's cause
    const token = await postJson(`${url}${AUTH_PATHS.createToken}`, { name: 'outage-bot', scopes: ['operate'] }, { headers: ADMIN_HEADERS });
    expect(token.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
    expect(token.body.responseStatus.message).toContain(`${TOKENS_UNAVAILABLE} `);
    expect(token.body.responseStatus.message).not.toBe(`${TOKENS_UNAVAILABLE} `);
    const refusedGroup = await postJson(`${url}${G}/insert-groups.json`, { groups: [{ ...group, name: 'green' }], ...AUDIT }, { headers: ADMIN_HEADERS });
    expect(refusedGroup.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });

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
      expect(first.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
      expect((await storeStatus(url)).available).toBe(false);
      // known to be down: the reads answer without asking the hung server
      expect(await reads(url)).toMatchObject({ operations: [['c', ['pullout']]], groups: ['blue'], groupsStatus: 'success', logs: { status: 'fail', errorCode: 'service-unavailable' } });
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
