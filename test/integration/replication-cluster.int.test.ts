import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/app.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { instance, postJson, startTestNode, testConfig, type RunningNode } from '../helpers/node.js';
import { lookupIds, waitForIds } from '../helpers/wait.js';

/**
 * Three real nodes in one process replicating to each other over HTTP. Nodes start on port 0
 * with no peers; each one's peers are then set at run time through `replication.peers.set`.
 */

const FLAGS = {
  'cluster.key': TEST_CLUSTER_KEY,
  'registry.lease.ttlMs': 1_000,
  'registry.lease.sweepIntervalMs': 20,
  'discovery.coalesceMs': 0,
};
const lags: number[] = [];

function inst(id: string) {
  return instance({ instanceId: id, ip: `10.0.1.${id.length}`, url: `http://10.0.1.1/${id}` });
}

async function clientCall(n: RunningNode, op: string, ids: string[]) {
  const res = await postJson(`${n.url}/api/registry/${op}.json`, { instances: ids.map(inst) });
  expect(res.body.responseStatus.status).toBe('success');
}

function link(nodes: RunningNode[]): void {
  for (const n of nodes) n.node.replication.peers.set(nodes.map((m) => m.url));
}

describe('replication between three nodes', () => {
  let a: RunningNode, b: RunningNode, c: RunningNode;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startTestNode(FLAGS), startTestNode(FLAGS), startTestNode(FLAGS)]);
    link([a, b, c]);
  });
  afterAll(async () => {
    const lag = (await a?.node.metrics.registry.getSingleMetric('artemis_replication_lag_seconds')?.get())?.values ?? [];
    const total = (suffix: string) => lag.filter((v) => (v as { metricName?: string }).metricName?.endsWith(suffix) === true).reduce((s, v) => s + v.value, 0);
    console.log(`replication lag metric on A: ${total('_count')} acks, mean ${((1000 * total('_sum')) / total('_count')).toFixed(1)}ms`);
    await Promise.all([a, b, c].map((n) => n?.stop()));
    const sorted = [...lags].sort((x, y) => x - y);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);
    console.log(`replication register->lookup on peer: n=${sorted.length} p50=${q(0.5)}ms max=${q(1)}ms`);
  });

  it('a register on A is discoverable on B and C', async () => {
    for (const id of ['x1', 'x2', 'x3']) {
      await clientCall(a, 'register', [id]);
      const want = ['x1', 'x2', 'x3'].slice(0, Number(id[1]));
      lags.push(...(await Promise.all([waitForIds(b.url, want), waitForIds(c.url, want)])));
    }
    expect(await lookupIds(a.url)).toEqual(['x1', 'x2', 'x3']);
    expect(await lookupIds(b.url)).toEqual(['x1', 'x2', 'x3']);
  });

  it('heartbeats sent only to A keep the copies on B and C alive past the TTL', async () => {
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      await clientCall(a, 'heartbeat', ['x1', 'x2', 'x3']);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await lookupIds(b.url)).toEqual(['x1', 'x2', 'x3']);
    expect(await lookupIds(c.url)).toEqual(['x1', 'x2', 'x3']);
  });

  it('an unregister on A removes the instance from B and C', async () => {
    await clientCall(a, 'unregister', ['x1', 'x2', 'x3']);
    await Promise.all([waitForIds(b.url, []), waitForIds(c.url, [])]);
  });

  it('a replicated heartbeat registers an instance the peer lacks', async () => {
    a.node.replication.peers.set([]);
    await clientCall(a, 'register', ['lonely']);
    link([a, b, c]);
    expect(await lookupIds(b.url)).toEqual([]);
    await clientCall(a, 'heartbeat', ['lonely']);
    await Promise.all([waitForIds(b.url, ['lonely']), waitForIds(c.url, ['lonely'])]);
    await clientCall(a, 'unregister', ['lonely']);
    await Promise.all([waitForIds(b.url, []), waitForIds(c.url, [])]);
  });

  it('a peer that is down gets the write once it is back within the task TTL', async () => {
    const port = Number(new URL(b.url).port);
    await b.stop();
    await clientCall(a, 'register', ['late']);
    await waitForIds(c.url, ['late']);
    await new Promise((r) => setTimeout(r, 300));
    b = await startTestNode({ ...FLAGS, port });
    link([a, b, c]);
    await waitForIds(b.url, ['late'], 10_000);
    const retries = (await a.node.metrics.registry.getSingleMetric('artemis_replication_retries_total')?.get())?.values ?? [];
    expect(retries.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
  });

  it('reports lag, batch sizes and queue depth as metrics', async () => {
    const text = await a.node.metrics.registry.metrics();
    expect(text).toMatch(/artemis_replication_lag_seconds_count\{operation="register"\} [1-9]/);
    expect(text).toMatch(/artemis_replication_batch_size_count\{operation="heartbeat"\} [1-9]/);
    expect(text).toContain(`artemis_replication_queue_depth{peer="${c.url}"} 0`);
  });
});

describe('start-up copy', () => {
  let a: RunningNode;
  beforeAll(async () => {
    a = await startTestNode(FLAGS);
    await clientCall(a, 'register', ['s1', 's2']);
  });
  afterAll(async () => {
    await a?.stop();
  });

  it("a new node holds its peer's instances before it reports up", async () => {
    const node = createNode(testConfig({ ...FLAGS, 'cluster.peers': [a.url] }));
    const markUp = node.state.markUp.bind(node.state);
    let heldAtUp = -1;
    node.state.markUp = () => {
      heldAtUp = node.repository.instanceCount;
      markUp();
    };
    try {
      const { url } = await node.start();
      expect(heldAtUp).toBe(2);
      expect(await lookupIds(url)).toEqual(['s1', 's2']);
    } finally {
      await node.stop();
    }
  });

  it('starts empty when no peer answers', async () => {
    const n = await startTestNode({ ...FLAGS, 'cluster.peers': ['http://127.0.0.1:1'], 'replication.startupSyncTimeoutMs': 500 });
    try {
      expect(n.node.readiness()).toBe('ready');
      expect(n.node.repository.instanceCount).toBe(0);
    } finally {
      await n.stop();
    }
  });
});
