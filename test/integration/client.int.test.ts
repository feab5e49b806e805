import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiscoveryClient, RegistryClient, type RegistryEvents, type ServiceChangeEvent } from '../../src/client/index.js';
import { ADMIN_HEADERS, getJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

const LEASE = { 'registry.lease.ttlMs': 1_000, 'registry.lease.sweepIntervalMs': 50 };
const ZONE = { regionId: 'SHA', zoneId: 'sha-z1' };
const FAST = { ...ZONE, backoff: { initialMs: 100, maxMs: 800 }, requestTimeoutMs: 1_000, retryDelayMs: 50 };
const HEARTBEAT_MS = 300;
const ENTRY = join(import.meta.dirname, '../../src/client/index.ts');

/** Uses both clients, closes them, reports what is left; the process must then exit by itself. */
const CHILD = `
import { DiscoveryClient, RegistryClient } from ${JSON.stringify(ENTRY)};
const opts = { urls: process.env.NODE_URL, regionId: 'SHA', zoneId: 'sha-z1', heartbeatIntervalMs: 100 };
const registry = new RegistryClient(opts);
const discovery = new DiscoveryClient(opts);
await registry.register({ serviceId: 'demo.leak', instanceId: 'l1', url: 'http://10.0.0.5:80' });
await discovery.getService('demo.leak');
const pushed = new Promise((resolve) => discovery.subscribe('demo.leak', (e) => e.instance?.instanceId === 'l2' && resolve(e)));
const deadline = Date.now() + 5000;
while (Date.now() < deadline) {
  await registry.register({ serviceId: 'demo.leak', instanceId: 'l2', url: 'http://10.0.0.6:80' });
  if (await Promise.race([pushed.then(() => true), new Promise((r) => setTimeout(r, 200, false))])) break;
}
await new Promise((r) => setTimeout(r, 250));
await Promise.all([registry.close(), discovery.close()]);
const left = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate');
console.log(JSON.stringify({ closed: true, left }));
`;

/** Instance ids the node lists for a service, read over plain HTTP. */
async function listed(n: RunningNode, serviceId: string): Promise<string[]> {
  const res = await getJson(`${n.url}/api/discovery/service.json?serviceId=${serviceId}&regionId=SHA&zoneId=sha-z1`);
  return ((res.body?.service?.instances ?? []) as Array<{ instanceId: string }>).map((i) => i.instanceId).sort();
}

const ids = (s: { instances: ReadonlyArray<{ instanceId: string | null }> | null } | undefined) => (s?.instances ?? []).map((i) => i.instanceId).sort();

function record(client: RegistryClient) {
  const events: Array<{ name: keyof RegistryEvents; at: number; payload: unknown }> = [];
  for (const name of ['registered', 'heartbeat-failed', 'node-changed'] as const) client.on(name, (payload) => events.push({ name, at: Date.now(), payload }));
  return events;
}

describe('client SDK against a real node', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('registers, heartbeats past the TTL, pushes, survives a restart and all nodes down, and unregisters on close', async () => {
    let node = await startTestNode(LEASE);
    cleanup.push(() => node.stop());
    const port = Number(new URL(node.url).port);
    const registry = new RegistryClient({ urls: node.url, ...FAST, heartbeatIntervalMs: HEARTBEAT_MS });
    const other = new RegistryClient({ urls: node.url, ...FAST, heartbeatIntervalMs: HEARTBEAT_MS });
    const discovery = new DiscoveryClient({ urls: node.url, ...FAST, refreshIntervalMs: 500 });
    cleanup.push(() => registry.close(), () => other.close(), () => discovery.close());
    const events = record(registry);

    // register → discoverable
    await registry.register({ serviceId: 'demo.sdk', instanceId: 'a', url: 'http://10.0.0.1:80', status: 'up' });
    expect(ids(await discovery.getService('demo.sdk'))).toEqual(['a']);

    // heartbeats keep it alive well past the TTL
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await listed(node, 'demo.sdk')).toEqual(['a']);
    expect(events.filter((e) => e.name === 'registered')).toHaveLength(1);

    // a second instance registered by another client is pushed to the subscriber
    const changes: ServiceChangeEvent[] = [];
    discovery.subscribe('demo.sdk', (e) => changes.push(e));
    await other.register({ serviceId: 'demo.sdk', instanceId: 'b', url: 'http://10.0.0.2:80' });
    await waitFor(() => changes.find((c) => c.changeType === 'new' && c.instance?.instanceId === 'b'), { message: 'the push of b', intervalMs: 25 });
    expect(ids(discovery.cachedService('demo.sdk'))).toEqual(['a', 'b']);

    // restart on the same port: both clients register again by themselves, the subscriber recovers
    await node.stop();
    node = await startTestNode({ ...LEASE, port });
    const upAt = Date.now();
    const again = await waitFor(() => events.find((e) => e.name === 'registered' && e.at >= upAt), { message: 're-registration', intervalMs: 25 });
    expect(again.at - upAt).toBeLessThan(2 * HEARTBEAT_MS + 500);
    await waitFor(async () => (await listed(node, 'demo.sdk')).length === 2, { message: 'both instances on the new node', intervalMs: 25 });
    await waitFor(() => ids(discovery.cachedService('demo.sdk')).join() === 'a,b', { message: 'the cache to match the new node', intervalMs: 25 });
    await other.register({ serviceId: 'demo.sdk', instanceId: 'c', url: 'http://10.0.0.3:80' });
    // c arrives as its own push, or inside the reload that follows the resubscription when it was
    // registered while the subscriber was reconnecting.
    await waitFor(
      () => changes.find((c) => (c.changeType === 'new' && c.instance?.instanceId === 'c') || (c.changeType === 'reload' && ids(c.service ?? undefined).includes('c'))),
      { message: 'the push of c after the restart', intervalMs: 25 },
    );
    await other.unregister({ serviceId: 'demo.sdk', instanceId: 'c' });
    await waitFor(() => changes.find((c) => c.changeType === 'delete' && c.instance?.instanceId === 'c'), { message: 'the delete of c', intervalMs: 25 });

    // every node down: the last known data keeps being served
    const failures: string[] = [];
    discovery.on('refresh-failed', (f) => failures.push(f.error.code));
    await node.stop();
    await waitFor(() => failures.length > 0, { message: 'a failed refresh', timeoutMs: 3_000, intervalMs: 25 });
    expect(ids(await discovery.getService('demo.sdk'))).toEqual(['a', 'b']);
    expect((await discovery.pick('demo.sdk'))?.instanceId).toMatch(/^[ab]$/);

    // back up; close() unregisters
    node = await startTestNode({ ...LEASE, port });
    await waitFor(async () => (await listed(node, 'demo.sdk')).length === 2, { message: 'both registered again', intervalMs: 25 });
    await registry.close();
    await waitFor(async () => (await listed(node, 'demo.sdk')).join() === 'b', { message: 'a to be unregistered', intervalMs: 25 });
    await expect(registry.closed()).resolves.toBeUndefined();
  });

  it('close() leaves nothing running: a process using both clients exits by itself', async () => {
    const node = await startTestNode(LEASE);
    cleanup.push(() => node.stop());
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { env: { ...process.env, NODE_URL: node.url } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = once(child, 'exit') as Promise<[number | null]>;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code] = await exit;
    clearTimeout(timer);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ closed: true, left: [] });
    await waitFor(async () => (await listed(node, 'demo.leak')).length === 0, { message: 'the child to have unregistered', intervalMs: 25 });
  });

  it('unregisters by key: its own instances as registered, another client\'s as the node lists it, unknown ones as data-not-found', async () => {
    const node = await startTestNode(LEASE);
    cleanup.push(() => node.stop());
    const owner = new RegistryClient({ urls: node.url, ...FAST, heartbeatIntervalMs: HEARTBEAT_MS });
    const stranger = new RegistryClient({ urls: node.url, ...FAST, heartbeatIntervalMs: HEARTBEAT_MS });
    cleanup.push(() => owner.close(), () => stranger.close());
    await owner.register([
      { serviceId: 'demo.keys', instanceId: 'k1', url: 'http://10.0.0.1:80' },
      { serviceId: 'demo.keys', instanceId: 'k2', url: 'http://10.0.0.2:80' },
    ]);
    await owner.unregister({ serviceId: 'demo.keys', instanceId: 'K1' });
    expect(owner.instances().map((i) => i.instanceId)).toEqual(['k2']);
    await waitFor(async () => (await listed(node, 'demo.keys')).join() === 'k2', { message: 'k1 to be unregistered', intervalMs: 25 });

    const result = await stranger.unregister([{ serviceId: 'demo.keys', instanceId: 'k2' }, { serviceId: 'demo.keys', instanceId: 'nope' }]);
    expect(result.failedInstances).toEqual([{ errorCode: 'data-not-found', errorMessage: `demo.keys/nope: not registered by this client, and ${node.url} has no such instance`, instance: null }]);
    await waitFor(async () => (await listed(node, 'demo.keys')).length === 0, { message: 'k2 to be unregistered', intervalMs: 25 });
    await expect(stranger.unregister({ serviceId: 'demo.keys', instanceId: 'nope' })).rejects.toMatchObject({ code: 'data-not-found' });
  });

  it('a client left at region default against a node of region SHA: register rejects with no-permission and names the settings to change', async () => {
    const node = await startTestNode(LEASE);
    cleanup.push(() => node.stop());
    const registry = new RegistryClient({ urls: node.url, backoff: FAST.backoff, requestTimeoutMs: 1_000, heartbeatIntervalMs: HEARTBEAT_MS });
    cleanup.push(() => registry.close());
    const failed: RegistryEvents['register-failed'][] = [];
    registry.on('register-failed', (e) => failed.push(e));
    const err = await registry.register({ serviceId: 'demo.region', instanceId: 'r1', url: 'http://10.0.0.1:80' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ArtemisClientError', code: 'no-permission', node: node.url });
    const message = (err as Error).message;
    expect(message).toContain('regionId: default, registry node.regionId: SHA');
    expect(message).toContain('set regionId and zoneId in the client options (both default to "default")');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBe(err);
    // never accepted: not heartbeated any more
    expect(registry.instances()).toEqual([]);
  });

  it('moves to the other node when the one in use stops', async () => {
    const first = await startTestNode(LEASE);
    const second = await startTestNode(LEASE);
    cleanup.push(() => first.stop(), () => second.stop());
    const registry = new RegistryClient({ urls: [first.url, second.url], ...FAST, heartbeatIntervalMs: HEARTBEAT_MS, random: () => 0 });
    cleanup.push(() => registry.close());
    const events = record(registry);
    await registry.register({ serviceId: 'demo.failover', instanceId: 'x', url: 'http://10.0.0.9:80' });
    const inUse = (events.find((e) => e.name === 'node-changed')?.payload as { to: string }).to;
    const [used, spare] = inUse === first.url ? [first, second] : [second, first];
    expect(await listed(used, 'demo.failover')).toEqual(['x']);
    await used.stop();
    await waitFor(async () => (await listed(spare, 'demo.failover')).join() === 'x', { message: 'registration on the other node', intervalMs: 25 });
    expect(events.some((e) => e.name === 'node-changed' && (e.payload as { to: string }).to === spare.url)).toBe(true);
  });

  it('picks by route rule: groups in proportion to their released weights, default-route-rule otherwise', async () => {
    const node = await startTestNode();
    cleanup.push(() => node.stop());
    const post = (path: string, body: unknown) => fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...ADMIN_HEADERS }, body: JSON.stringify(body) });
    const inst = (instanceId: string, groupId: string) => ({ regionId: 'SHA', zoneId: 'sha-z1', serviceId: 'demo.routed', instanceId, groupId, ip: '10.0.0.1', port: 80, url: `http://10.0.0.1/${instanceId}`, status: 'up' });
    await post('/api/registry/register.json', { instances: [inst('b1', 'blue'), inst('b2', 'blue'), inst('g1', 'green')] });
    const audit = { operation: 'release', operatorId: 'alice', token: 't' };
    const group = (name: string, weight: number) => ({ serviceId: 'demo.routed', regionId: 'SHA', zoneId: 'sha-z1', name, appId: 'app', status: 'active', weight });
    await post('/api/management/group/create-route-rule.json', { routeRule: { serviceId: 'demo.routed', name: 'split', status: 'active', strategy: 'weighted-round-robin' }, groups: [group('blue', 3), group('green', 1)], ...audit });
    await post('/api/management/group/release-route-rule-groups.json', { routeRuleGroups: [{ routeRuleId: 1, groupId: 1 }, { routeRuleId: 1, groupId: 2 }], ...audit });

    const discovery = new DiscoveryClient({ urls: node.url, ...FAST });
    cleanup.push(() => discovery.close());
    await waitFor(async () => (await discovery.routeRules('demo.routed'))[0]?.groups?.map((g) => g.weight).join() === '3,1', { message: 'the released weights', intervalMs: 25 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const id = (await discovery.pick('demo.routed', { routeId: 'split' }))?.instanceId ?? 'none';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ b1: 150, b2: 150, g1: 100 });
    const byDefault = new Set<string>();
    for (let i = 0; i < 6; i++) byDefault.add((await discovery.pick('demo.routed', { routeId: 'no-such-rule' }))?.instanceId ?? 'none');
    expect([...byDefault].sort()).toEqual(['b1', 'b2', 'g1']);
  });
});
