import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
import { ADMIN_HEADERS, getJson, postJson, type RunningNode } from '../helpers/node.js';
import { testRedisClient } from '../helpers/redis.js';
import { startSentinelSet, type SentinelSet } from '../helpers/redis-sentinel.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Redis high availability with real processes: a primary, two replicas and three sentinels
 * (redis-server and redis-server --sentinel on spare ports). Two nodes share the store through
 * the sentinels and acknowledge a management write only once a replica has it
 * (store.minReplicas = 1); a third only watches. The primary is SIGKILLed during 1,000 pull-outs,
 * each retried until it is acknowledged, as an operator's tool would: afterwards every
 * acknowledged write is in the promoted primary, and every node shows exactly what the store
 * holds. The periodic full reload is off, so the watching node learns of writes only through
 * the change feed, which must have subscribed again on the promoted primary.
 */

const WRITES = 1_000;
const KILL_AT = 300;
const WORKERS = 4;

const operate = (i: number) => ({
  instanceKey: { regionId: 'SHA', serviceId: 'demo.failover', instanceId: `i-${i}` },
  operation: 'pullout',
  operationComplete: false,
  operatorId: 'ops',
  token: 't',
});

async function nodeView(url: string): Promise<string[]> {
  const { body } = await getJson(`${url}/api/management/all-instance-operations.json`);
  return (body.allInstanceOperations as Array<{ instanceKey: { instanceId: string } }>).map((o) => o.instanceKey.instanceId).sort();
}

describe('a Sentinel failover during management writes', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('loses no acknowledged write, and every node converges on what the promoted primary holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'artemis-sentinel-'));
    if (process.env.KEEP_SENTINEL_DIR === undefined) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    else console.log(dir);
    const t0 = Date.now();
    // down after 1 s: less, and a loaded machine makes sentinels fail over a freshly promoted primary too
    const set: SentinelSet = await startSentinelSet(dir, { replicaCount: 2, downAfterMs: 1_000 });
    const setUpMs = Date.now() - t0;
    cleanups.push(() => set.stop());
    const nodes: RunningNode[] = await startCluster(3, {
      'store.url': set.url,
      'management.refreshIntervalMs': 3_600_000,
      'store.nodeLocal': false,
      'store.minReplicas': 1,
      'store.replicaTimeoutMs': 1_000,
      'store.timeoutMs': 500,
    });
    cleanups.push(() => Promise.all(nodes.map((n) => n.stop())));
    const before = await set.currentPrimary();
    expect(before.port).toBe(set.primary.port);

    const writers = nodes.slice(0, 2);
    const observer = nodes[2] as RunningNode;
    const writesStarted = Date.now();
    const acknowledged = new Set<number>();
    const refusals = new Map<string, number>();
    let killedAt = 0;
    let failedOverAfterMs = 0;
    let next = 0;
    const deadline = Date.now() + 25_000;
    const worker = async () => {
      for (let i = next++; i < WRITES; i = next++) {
        const url = (writers[i % writers.length] as RunningNode).url;
        for (;;) {
          const sentAt = Date.now();
          const res = await postJson(`${url}/api/management/operate-instance.json`, operate(i), { headers: ADMIN_HEADERS });
          const status = res.body.responseStatus as { status: string; errorCode?: string; message?: string };
          if (status.status === 'success') {
            acknowledged.add(i);
            if (killedAt > 0 && sentAt > killedAt && failedOverAfterMs === 0) failedOverAfterMs = Date.now() - killedAt;
            break;
          }
          refusals.set(status.errorCode ?? '?', (refusals.get(status.errorCode ?? '?') ?? 0) + 1);
          if (Date.now() > deadline) throw new Error(`write ${i} still refused at the deadline: ${JSON.stringify(status)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        if (acknowledged.size === KILL_AT && killedAt === 0) {
          await set.primary.kill();
          killedAt = Date.now();
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    console.log(`failover: redis set up in ${setUpMs} ms, writes took ${Date.now() - writesStarted} ms (the kill after ${killedAt - writesStarted} ms); ${acknowledged.size} writes acknowledged; first write sent after the SIGKILL acknowledged ${failedOverAfterMs} ms after it; refusals meanwhile: ${JSON.stringify(Object.fromEntries(refusals))}`);
    expect(acknowledged.size).toBe(WRITES);
    expect(killedAt).toBeGreaterThan(0);
    // every refusal during the failover was the documented one
    expect([...refusals.keys()].every((code) => code === 'service-unavailable')).toBe(true);

    const after = await set.currentPrimary();
    expect(after.port).not.toBe(before.port);
    const admin = testRedisClient(`redis://${after.host}:${after.port}`);
    let stored: string[];
    try {
      await admin.connect();
      const rows = await admin.hvals('artemis:operations');
      stored = rows.map((r) => (JSON.parse(r) as { instanceId: string }).instanceId).sort();
    } finally {
      admin.disconnect();
    }
    const missing = [...acknowledged].map((i) => `i-${i}`).filter((id) => !stored.includes(id));
    expect(missing).toEqual([]);
    // every node is connected to the promoted primary again (none left with a client ioredis gave up on)
    for (const n of nodes) {
      await waitFor(async () => ((await getJson(`${n.url}/api/status/store.json`)).body as { available: boolean; acceptsWrites: boolean }).acceptsWrites || undefined, {
        message: `${n.url} to take management writes again`,
        timeoutMs: 10_000,
        intervalMs: 100,
      });
    }
    for (const n of nodes) {
      await waitFor(() => nodeView(n.url), { until: (view) => JSON.stringify(view) === JSON.stringify(stored), message: `${n.url} to show the store's ${stored.length} operations`, timeoutMs: 10_000, intervalMs: 100 });
    }
    // one more write after the failover reaches the watching node through the change feed
    expect((await postJson(`${(writers[0] as RunningNode).url}/api/management/operate-instance.json`, operate(WRITES), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    await waitFor(async () => (await nodeView(observer.url)).includes(`i-${WRITES}`), { message: 'the watching node to see the write made after the failover', timeoutMs: 5_000 });
  }, 60_000);
});
