import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { ADMIN_HEADERS, getJson, instance, postJson, TEST_ADMIN_TOKEN } from '../helpers/node.js';
import { noteNodeUnderTest } from '../helpers/openapi-responses.js';
import { deleteKeysWithPrefix, redisUrlForTests, stopTestRedis, uniqueKeyPrefix } from '../helpers/redis.js';
import { lookupIds, waitFor } from '../helpers/wait.js';

/**
 * One management state per cluster, checked, with three real `artemis server` processes: on
 * node-local SQLite stores they report not ready and say why; restarted on one shared Redis they
 * are ready, and a pull-out on one is hidden on all three.
 */

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const TIMING = ['cluster.gossipIntervalMs=100', 'cluster.gossipTimeoutMs=300', 'cluster.suspectAfterMs=800', 'cluster.deadAfterMs=2000', 'replication.batchDelayMs=5', 'discovery.coalesceMs=0'];
const SERVICE = 'demo.shared';

const redisUrl = await redisUrlForTests();
const keyPrefix = uniqueKeyPrefix('shared-process');

const operate = (complete: boolean, instanceId = 'p-1') => ({
  instanceKey: { regionId: 'SHA', serviceId: SERVICE, instanceId },
  operation: 'pullout',
  operationComplete: complete,
  operatorId: 'alice',
  token: 't',
});

describe.runIf(redisUrl !== undefined)('three node processes and their management stores', () => {
  let urls: string[] = [];
  let ports: number[] = [];
  let children: ChildProcess[] = [];
  const root = mkdtempSync(join(tmpdir(), 'artemis-shared-'));

  function launch(extra: string[]): void {
    children = ports.map((port, i) => {
      const args = ['server', '--port', String(port), '--host', '127.0.0.1', '--advertise-url', urls[i] as string, '--node-id', `node-${i + 1}`,
        '--region', 'SHA', '--zone', 'sha-z1', '--data-dir', join(root, `node-${i + 1}`), '--seeds', urls.join(','), '--log-level', 'warn',
        ...TIMING.flatMap((kv) => ['--set', kv]), '--set', `security.initialAdminToken=${TEST_ADMIN_TOKEN}`, '--set', `cluster.key=${TEST_CLUSTER_KEY}`, ...extra];
      return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    });
  }

  async function stopAll(): Promise<void> {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGTERM');
        await once(c, 'exit');
      }),
    );
  }

  async function readiness(url: string): Promise<{ code: number; body: { status?: string; reason?: string } } | undefined> {
    try {
      const res = await fetch(`${url}/ready`);
      return { code: res.status, body: (await res.json()) as { status?: string; reason?: string } };
    } catch {
      return undefined;
    }
  }

  beforeAll(async () => {
    ports = await freePorts(3);
    urls = ports.map((p) => `http://127.0.0.1:${p}`);
  });

  afterAll(async () => {
    await stopAll();
    rmSync(root, { recursive: true, force: true });
    if (redisUrl !== undefined) await deleteKeysWithPrefix(redisUrl, keyPrefix);
    await stopTestRedis();
  });

  it('on node-local stores: not ready, with the reason, and management writes refused', async () => {
    launch([]);
    try {
      await localStores();
    } finally {
      await stopAll();
    }
  }, 60_000);

  async function localStores(): Promise<void> {
    for (const url of urls) {
      // not-ready as soon as one peer on another store is known; both, once gossip has met them
      const both = (r: Awaited<ReturnType<typeof readiness>>) => r?.body.status === 'not-ready' && (r.body.reason?.match(/ uses store /g)?.length ?? 0) === 2;
      const answer = await waitFor(() => readiness(url), { until: both, message: `${url} to report not-ready for both peers`, timeoutMs: 30_000, intervalMs: 100 });
      expect(answer?.code).toBe(503);
      expect(answer?.body.reason).toMatch(/^management store \S+ differs from the peers': node-\d at http:\/\/127\.0\.0\.1:\d+ uses store \S+; node-\d at .* uses store \S+ \(set store\.nodeLocal/);
      await noteNodeUnderTest(url);
    }
    const { body: status } = await getJson(`${urls[0]}/api/status/store.json`);
    expect(status).toMatchObject({ kind: 'sqlite', available: true, acceptsWrites: false, nodeLocal: false });
    expect((status.peers as Array<{ sameStore: boolean }>).map((p) => p.sameStore)).toEqual([false, false]);
    const metrics = await (await fetch(`${urls[0]}/metrics`)).text();
    expect(metrics).toMatch(/^artemis_store_peers_on_other_store 2$/m);
    const refused = await postJson(`${urls[0]}/api/management/operate-instance.json`, operate(false), { headers: ADMIN_HEADERS });
    expect(refused.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
    expect(refused.body.responseStatus.message).toContain("management store differs from its peers'");
  }

  it('on one shared Redis: ready, and a pull-out on node 1 is hidden on all three', async () => {
    launch(['--store', redisUrl as string, '--set', `store.keyPrefix=${keyPrefix}`]);
    try {
      await sharedStore();
    } finally {
      await stopAll();
    }
  }, 60_000);

  async function sharedStore(): Promise<void> {
    for (const url of urls) {
      await waitFor(() => readiness(url), { until: (r) => r?.code === 200, message: `${url} to be ready`, timeoutMs: 30_000, intervalMs: 100 });
    }
    const ids = await Promise.all(urls.map(async (u) => (await getJson(`${u}/api/status/store.json`)).body.storeId as string));
    expect(new Set(ids).size).toBe(1);
    // and every node's member table shows the same store for everyone
    for (const u of urls) {
      const { body } = await getJson(`${u}/api/cluster/members.json`);
      await waitFor(async () => {
        const members = ((await getJson(`${u}/api/cluster/members.json`)).body.members as Array<{ storeId: string | null }>).map((m) => m.storeId);
        return members.length === 3 && members.every((m) => m === ids[0]);
      }, { message: `${u} to show one store for all members` });
      expect(body.responseStatus.status).toBe('success');
    }
    const [one, two, three] = urls as [string, string, string];
    await postJson(`${one}/api/registry/register.json`, { instances: [instance({ instanceId: 'p-1', serviceId: SERVICE })] });
    for (const u of urls) await waitFor(async () => (await lookupIds(u, SERVICE)).includes('p-1'), { message: `${u} to list p-1` });

    // a first write through each node's path (fresh processes compile it on first use)
    for (const complete of [false, true]) expect((await postJson(`${one}/api/management/operate-instance.json`, operate(complete, 'warm-up'), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');

    const t0 = performance.now();
    expect((await postJson(`${one}/api/management/operate-instance.json`, operate(false), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    const acknowledgedAfter = performance.now() - t0;
    await Promise.all([one, two, three].map((u) => waitFor(async () => (await lookupIds(u, SERVICE)).length === 0, { message: `${u} to hide p-1`, timeoutMs: 200, intervalMs: 5 })));
    console.log(`pull-out on node 1 acknowledged after ${Math.round(acknowledgedAfter)} ms, hidden on all three ${Math.round(performance.now() - t0)} ms after the call was sent`);
  }
});
