import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { allAlive, cutLinks, startCluster, TEST_CLUSTER_KEY, upRegistryNodes } from '../helpers/cluster.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { lookupIds, waitFor, waitForIds } from '../helpers/wait.js';

/**
 * Lease ages and unregistrations across real nodes over HTTP: a restarted node keeps how long
 * ago each copied instance was renewed, and unregistrations reach a node whose clock runs 90 s
 * ahead, without coming back anywhere.
 */

function inst(id: string, serviceId = 'demo.order') {
  return instance({ instanceId: id, serviceId, ip: '10.0.3.1', url: `http://10.0.3.1/${id}` });
}

async function call(n: RunningNode, op: string, ids: string[], serviceId = 'demo.order') {
  if (ids.length === 0) return;
  const res = await postJson(`${n.url}/api/registry/${op}.json`, { instances: ids.map((id) => inst(id, serviceId)) });
  expect(res.body.responseStatus.status).toBe('success');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a restarted node keeps the lease ages of its copy', () => {
  /** Both nodes' clock: real time plus `offset`, which the test moves forward one second per step. */
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset };
  const FLAGS = {
    'cluster.key': TEST_CLUSTER_KEY,
    'registry.lease.ttlMs': 20_000,
    'registry.lease.sweepIntervalMs': 20,
    // The test moves the clock a second at a time: checks run often enough not to look late.
    'registry.selfPreservation.checkIntervalMs': 20,
    'replication.batchDelayMs': 5,
    'replication.antiEntropyIntervalMs': 0,
    'discovery.coalesceMs': 0,
  };
  const fleet = Array.from({ length: 20 }, (_, i) => `r${i}`);
  let a: RunningNode;
  const started: RunningNode[] = [];

  beforeAll(async () => {
    a = await startTestNode(FLAGS, { clock });
    started.push(a);
  });
  afterAll(async () => {
    await Promise.all(started.map((n) => n.stop()));
  });

  /** One second of the clock: the fleet heartbeats A (which forwards to its peers). */
  async function step(ids = fleet) {
    await call(a, 'heartbeat', ids);
    await sleep(60);
    offset += 1_000;
  }

  it('an instance silent for 12 s before the node restarts expires at its original deadline there', async () => {
    await call(a, 'register', [...fleet, 'silent']);
    for (let s = 0; s < 4; s++) await step([...fleet, 'silent']);
    const lastRenewal = clock.now() - 1_000;
    // B runs, goes down, and A's clients go on; "silent" stops heartbeating now.
    const first = await startTestNode({ ...FLAGS, 'cluster.peers': [a.url] }, { clock });
    await first.stop();
    for (let s = 0; s < 12; s++) await step();
    const b = await startTestNode({ ...FLAGS, 'cluster.peers': [a.url] }, { clock });
    started.push(b);
    a.node.replication.peers.set([b.url]);
    const copied = b.node.repository.lease('sha.demo.order.silent');
    expect(copied).toBeDefined();
    // The copy kept the lease's age: its last renewal is the one A saw (up to one step).
    expect(Math.abs((copied?.renewalTime ?? 0) - lastRenewal)).toBeLessThanOrEqual(1_000);
    const deadline = (copied?.renewalTime ?? 0) + 20_000;
    while (clock.now() < deadline - 1_000) {
      await step();
      expect(await lookupIds(b.url)).toContain('silent');
    }
    // At the deadline and one sweep later it is gone on B, while the fleet stays.
    while (clock.now() <= deadline) await step();
    await sleep(100);
    expect(await lookupIds(b.url)).toEqual([...fleet].sort());
    expect(b.node.repository.normal.safety.isSafe).toBe(true);
  });
});

describe('a partition with one node’s clock 90 s ahead', () => {
  let nodes: RunningNode[];
  let a: RunningNode, b: RunningNode, c: RunningNode;
  const cut = new Set<string>();

  beforeAll(async () => {
    nodes = await startCluster(
      3,
      {
        // Leases far longer than the test: only the unregistrations themselves can remove instances.
        'registry.lease.ttlMs': 60_000,
        'registry.lease.sweepIntervalMs': 50,
        'registry.selfPreservation.maxCountThreshold': 10,
        'replication.antiEntropyIntervalMs': 150,
        // Signed peer calls are refused beyond cluster.maxClockSkewMs; the window must cover the skew.
        'cluster.maxClockSkewMs': 120_000,
      },
      (i) => ({
        ...(i === 2 ? { clock: { now: () => Date.now() + 90_000 } } : {}),
        peerFilter: cutLinks(cut, () => nodes, i),
      }),
    );
    [a, b, c] = nodes as [RunningNode, RunningNode, RunningNode];
    await waitFor(() => allAlive(nodes), { message: 'every node to see every other alive' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('unregistrations from the majority reach the skewed node within 5 s of healing and come back nowhere', async () => {
    const fleet = Array.from({ length: 10 }, (_, i) => `s${i}`);
    const gone = fleet.slice(0, 4);
    const stay = fleet.slice(4);
    await call(a, 'register', fleet, 'skew');
    await call(c, 'register', ['from-c'], 'skew'); // C's own stamps run 90 s ahead of A's and B's
    await Promise.all(nodes.map((n) => waitForIds(n.url, [...fleet, 'from-c'], 2_000, 'skew')));
    let beat = fleet;
    let beatOnC = ['from-c'];
    let beating = true;
    const heartbeats = (async () => {
      while (beating) {
        await call(a, 'heartbeat', beat, 'skew');
        await call(c, 'heartbeat', beatOnC, 'skew');
        await sleep(100);
      }
    })();
    try {
      await sleep(500);
      cut.add(c.url);
      await waitFor(async () => ((await upRegistryNodes(a.url)).includes(c.url) ? undefined : true), { message: 'A to drop C', timeoutMs: 5_000 });
      await call(c, 'register', ['c-only'], 'skew');
      beatOnC = ['from-c', 'c-only'];
      beat = stay;
      await call(a, 'unregister', gone, 'skew');
      await Promise.all([a, b].map((n) => waitForIds(n.url, [...stay, 'from-c'], 2_000, 'skew')));
      await sleep(1_000);
      expect(await lookupIds(c.url, 'skew')).toEqual([...fleet, 'c-only', 'from-c'].sort());
      const healed = Date.now();
      cut.clear();
      const want = [...stay, 'c-only', 'from-c'].sort();
      const reappeared: string[] = [];
      await Promise.all(
        nodes.map((n) =>
          waitFor(
            async () => {
              const ids = await lookupIds(n.url, 'skew');
              if (n !== c) reappeared.push(...ids.filter((id) => gone.includes(id)));
              return JSON.stringify(ids) === JSON.stringify(want);
            },
            { timeoutMs: 5_000, intervalMs: 25, message: `${n.url} to converge` },
          ),
        ),
      );
      console.log(`clock skew 90 s: all three nodes converged ${Date.now() - healed} ms after the partition healed`);
      // Stays converged: nothing unregistered comes back on any node.
      for (let i = 0; i < 10; i++) {
        await sleep(100);
        for (const n of nodes) expect(await lookupIds(n.url, 'skew')).toEqual(want);
      }
      expect(reappeared).toEqual([]);
    } finally {
      beating = false;
      await heartbeats;
    }
  });
});
