import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport, type ReplicationTransport } from '../../src/replication/transport.js';
import { allAlive, cutLinks, FAST_CLUSTER, memberStates, startCluster, testSigner, upRegistryNodes } from '../helpers/cluster.js';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { lookupIds, waitFor, waitForIds } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

function inst(id: string, serviceId = 'demo.order') {
  return instance({ instanceId: id, serviceId, ip: '10.0.2.1', url: `http://10.0.2.1/${id}` });
}

async function call(n: RunningNode, op: string, ids: string[], serviceId = 'demo.order') {
  const res = await postJson(`${n.url}/api/registry/${op}.json`, { instances: ids.map((id) => inst(id, serviceId)) });
  expect(res.body.responseStatus.status).toBe('success');
}

describe('a three-node cluster joined through seeds', () => {
  let nodes: RunningNode[];
  let a: RunningNode, b: RunningNode, c: RunningNode;
  /** URLs whose links are cut: a cut node reaches nobody and nobody reaches it. */
  const cut = new Set<string>();
  /** While set, A's replication batches are acknowledged without ever reaching the peer. */
  let loseBatches = false;
  const signer = testSigner();
  const httpTransport = createHttpTransport((method, url, body) => signer.headers(method, url, body));
  const lossy: ReplicationTransport = {
    send: (peer, operation, instances, timeoutMs, headers, stamps) =>
      loseBatches
        ? Promise.resolve({ status: 'success', errorCode: 'success', failed: [] })
        : httpTransport.send(peer, operation, instances, timeoutMs, headers, stamps),
  };

  beforeAll(async () => {
    nodes = await startCluster(
      3,
      {
        'registry.lease.ttlMs': 1_000,
        'registry.lease.sweepIntervalMs': 50,
        'registry.selfPreservation.windowMs': 1_000,
        'registry.selfPreservation.maxCountThreshold': 10,
        'registry.selfPreservation.maxCountResetIntervalMs': 1_000,
        'registry.selfPreservation.checkIntervalMs': 50,
        'replication.antiEntropyIntervalMs': 150,
      },
      (i) => ({
        peerFilter: cutLinks(cut, () => nodes, i),
        ...(i === 0 ? { replicationTransport: lossy } : {}),
      }),
    );
    [a, b, c] = nodes as [RunningNode, RunningNode, RunningNode];
    await waitFor(() => allAlive(nodes), { message: 'every node to see every other alive' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  afterEach(() => {
    cut.clear();
    loseBatches = false;
  });

  it('every node lists all three in the Java cluster views', async () => {
    for (const n of nodes) {
      expect(await upRegistryNodes(n.url)).toEqual(nodes.map((m) => m.url).sort());
      const { body } = await getJson(`${n.url}/api/status/cluster.json`);
      expect(body.nodeCount).toBe(3);
      expect(body.nodesStatus[0].node.url).toBe(n.url);
      expect(body.nodesStatus.map((s: { status: string }) => s.status)).toEqual(['up', 'up', 'up']);
      const nodesJson = await getJson(`${n.url}/api/cluster/nodes.json`);
      expect(nodesJson.body.nodes).toHaveLength(3);
    }
  });

  it('a register on A is discoverable on B and C within 500 ms and pushed to B subscribers', async () => {
    const sub = await TestSocket.open(wsUrl(b.url, '/ws/discovery/instance-change'));
    try {
      sub.send({ serviceId: 'push.cluster' });
      await new Promise((r) => setTimeout(r, 30));
      const t0 = Date.now();
      await call(a, 'register', ['p1'], 'push.cluster');
      const change = await sub.next(2_000);
      expect(change.changeType).toBe('new');
      expect(change.instance.instanceId).toBe('p1');
      await Promise.all([b, c].map((n) => waitFor(async () => ((await lookupIds(n.url, 'push.cluster')).includes('p1') ? true : undefined), { message: 'p1', timeoutMs: 500 })));
      expect(Date.now() - t0).toBeLessThan(500);
    } finally {
      sub.close();
      await call(a, 'unregister', ['p1'], 'push.cluster');
    }
  });

  it('anti-entropy heals a lost register batch and a lost unregister within 5 s', async () => {
    const repairs = async (n: RunningNode, kind: string) =>
      Number(new RegExp(`artemis_anti_entropy_repairs_total\\{kind="${kind}"\\} (\\d+)`).exec((await getJson(`${n.url}/metrics`)).text)?.[1] ?? 0);
    loseBatches = true; // the register and every replicated heartbeat vanish on the way
    await call(a, 'register', ['lost-1'], 'lost.batch');
    // The client heartbeats A all along, as a real one does.
    let beating = true;
    const heartbeats = (async () => {
      while (beating) {
        await call(a, 'heartbeat', ['lost-1'], 'lost.batch');
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await lookupIds(b.url, 'lost.batch')).toEqual([]);
      const t0 = Date.now();
      await Promise.all([b, c].map((n) => waitForIds(n.url, ['lost-1'], 5_000, 'lost.batch')));
      console.log(`lost register healed by anti-entropy after ${Date.now() - t0} ms`);
      expect(await repairs(b, 'register')).toBeGreaterThanOrEqual(1);
      // Heartbeats reach B and C again; then the unregister is lost.
      loseBatches = false;
      await new Promise((r) => setTimeout(r, 300));
      const removedBefore = await repairs(b, 'unregister');
      loseBatches = true;
      beating = false;
      await heartbeats;
      await call(a, 'unregister', ['lost-1'], 'lost.batch');
      const t1 = Date.now();
      await Promise.all([b, c].map((n) => waitForIds(n.url, [], 5_000, 'lost.batch')));
      console.log(`lost unregister healed after ${Date.now() - t1} ms`);
      // Removed by the tombstone, not by the lease running out.
      expect(await repairs(b, 'unregister')).toBeGreaterThan(removedBefore);
      expect(await lookupIds(a.url, 'lost.batch')).toEqual([]);
    } finally {
      beating = false;
      await heartbeats;
    }
  });

  it('a partitioned node keeps serving without mass expiry, and both sides converge within 5 s of healing', async () => {
    const fleet = Array.from({ length: 10 }, (_, i) => `f${i}`);
    await call(a, 'register', fleet, 'fleet');
    await Promise.all(nodes.map((n) => waitForIds(n.url, fleet, 2_000, 'fleet')));
    let beating = true;
    let beat = fleet;
    let beatOnC: string[] = [];
    const heartbeats = (async () => {
      while (beating) {
        await call(a, 'heartbeat', beat, 'fleet');
        // The client of c-only sits on C's side of the partition.
        if (beatOnC.length > 0) await call(c, 'heartbeat', beatOnC, 'fleet');
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 1_500)); // renewals establish a baseline everywhere
      cut.add(c.url);
      // Both sides see the other as dead and drop it from their views.
      await waitFor(async () => ((await upRegistryNodes(a.url)).includes(c.url) ? undefined : true), { message: 'A to drop C', timeoutMs: 5_000 });
      await waitFor(async () => ((await upRegistryNodes(c.url)).length === 1 ? true : undefined), { message: 'C to drop A and B', timeoutMs: 5_000 });
      // Writes on both sides during the partition.
      await call(c, 'register', ['c-only'], 'fleet');
      beatOnC = ['c-only'];
      beat = fleet.slice(0, 9);
      await new Promise((r) => setTimeout(r, 150));
      await call(a, 'unregister', ['f9'], 'fleet');
      // Several TTLs without a renewal on C: self-preservation keeps the fleet.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await lookupIds(c.url, 'fleet')).toEqual([...fleet, 'c-only'].sort());
      expect(await lookupIds(a.url, 'fleet')).toEqual(fleet.slice(0, 9));
      const healed = Date.now();
      cut.clear();
      const want = [...fleet.slice(0, 9), 'c-only'].sort();
      try {
        await Promise.all(nodes.map((n) => waitForIds(n.url, want, 5_000, 'fleet')));
      } catch (err) {
        for (const n of nodes) console.log(n.url, JSON.stringify(await lookupIds(n.url, 'fleet')), JSON.stringify(await memberStates(n.url)), (await getJson(`${n.url}/metrics`)).text.split('\n').filter((l) => l.startsWith('artemis_anti_entropy')).join(' | '));
        throw err;
      }
      await waitFor(() => allAlive(nodes), { message: 'membership to heal', timeoutMs: 5_000 });
      console.log(`partition healed: registries and membership converged ${Date.now() - healed} ms after the link came back`);
    } finally {
      beating = false;
      await heartbeats;
    }
  });
});

describe('seeds and static peers', () => {
  it('joins through a DNS seed whose A records list the peers', async () => {
    const first = await startTestNode({ ...FAST_CLUSTER, nodeId: 'dns-a' });
    const port = Number(new URL(first.url).port);
    const second = await startTestNode(
      { ...FAST_CLUSTER, nodeId: 'dns-b', 'cluster.seeds': `dns://artemis-headless.test:${port}` },
      { seedResolver: { addresses: (host) => Promise.resolve(host === 'artemis-headless.test' ? ['127.0.0.1'] : []), srv: () => Promise.resolve([]) } },
    );
    try {
      await waitFor(async () => ((await memberStates(first.url))[second.url] === 'alive' ? true : undefined), { message: 'first to learn the second' });
      expect((await memberStates(second.url))[first.url]).toBe('alive');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('follows a static peer by polling its node.json and replicates to it', async () => {
    const javaLike = await startTestNode({ ...FAST_CLUSTER, nodeId: 'static-target' });
    const node = await startTestNode({ ...FAST_CLUSTER, 'cluster.peers': javaLike.url, 'cluster.statusPollIntervalMs': 100 });
    try {
      const { body } = await getJson(`${node.url}/api/cluster/members.json`);
      const row = body.members.find((m: { url: string }) => m.url === javaLike.url);
      expect(row).toMatchObject({ source: 'static', state: 'polled', status: 'up' });
      expect(await upRegistryNodes(node.url)).toEqual([node.url, javaLike.url].sort());
      await call(node, 'register', ['st-1'], 'static.demo');
      await waitForIds(javaLike.url, ['st-1'], 2_000, 'static.demo');
      // The static peer stops: polling marks it unknown and it leaves the views.
      await javaLike.stop();
      await waitFor(async () => ((await upRegistryNodes(node.url)).length === 1 ? true : undefined), { message: 'static peer to drop out' });
      const after = await getJson(`${node.url}/api/status/cluster.json`);
      expect(after.body.nodesStatus[1]).toMatchObject({ status: 'unknown', canServiceRegistry: null });
    } finally {
      await node.stop();
    }
  });
});
