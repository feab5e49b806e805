import { describe, expect, it } from 'vitest';
import type { ScheduledTask, TaskTrigger } from '../core/scheduler.js';
import { silentLogger } from '../telemetry/logger.js';
import { ClusterManager, GOSSIP_PATH, type ClusterSettings } from './cluster-manager.js';
import { NodeState } from './node-state.js';
import type { PeerHttp } from './peer-http.js';

const settings: ClusterSettings = {
  seeds: [], peers: [], gossipIntervalMs: 1_000, gossipFanout: 3, gossipTimeoutMs: 100, suspectAfterMs: 3_000,
  deadAfterMs: 8_000, forgetAfterMs: 300_000, seedRefreshMs: 30_000, joinTimeoutMs: 500, statusPollIntervalMs: 5_000, maxClockSkewMs: 30_000,
};

function statusOf(url: string, status: 'up' | 'down') {
  return {
    nodeStatus: { allowDiscoveryFromOtherZone: false, allowRegistryFromOtherZone: false, canServiceDiscovery: true, canServiceRegistry: true, node: { url, zone: { metadata: null, regionId: 'SHA', zoneId: 'z1' } }, status },
    responseStatus: { status: 'success' },
  };
}

/** A cluster manager over a fake scheduler (collects the tasks) and fake peer calls (answers per URL). */
function setup(answer: (url: string, body: unknown) => unknown, extra: Partial<ClusterSettings> = {}) {
  const tasks = new Map<string, ScheduledTask>();
  const runs: string[] = [];
  const scheduler: TaskTrigger = {
    add: (t) => void tasks.set(t.name, t),
    runNow: async (name) => {
      runs.push(name);
      await tasks.get(name)?.run();
    },
  };
  const calls: string[] = [];
  const http = {
    postJson: (url: string, body: unknown) => {
      calls.push(url);
      return new Promise((resolve) => resolve(answer(url, body)));
    },
  } as unknown as PeerHttp;
  const node = new NodeState({ regionId: 'SHA', zoneId: 'z1', allowRegistryFromOtherZone: false, allowDiscoveryFromOtherZone: false }, 'http://self:1');
  const cluster = new ClusterManager({ settings: { ...settings, ...extra }, node, clock: { now: () => 1_000 }, scheduler, http, logger: silentLogger, nodeId: () => 'self' });
  return { cluster, tasks, calls, node, runs };
}

describe('ClusterManager', () => {
  it('registers its periodic tasks when built; they do nothing until the node has joined, or after it left', async () => {
    const { cluster, tasks, calls } = setup((url) => statusOf(url.replace('/api/status/node.json', ''), 'up'), { peers: ['http://static:2'] });
    expect([...tasks.keys()]).toEqual(['cluster.gossip', 'cluster.gossip-probe', 'cluster.static-peer-poll']);
    await tasks.get('cluster.static-peer-poll')?.run();
    expect(calls).toEqual([]);
    await cluster.start();
    expect(calls).toEqual(['http://static:2/api/status/node.json']);
    await tasks.get('cluster.static-peer-poll')?.run();
    expect(calls).toHaveLength(2);
    await cluster.stop(Date.now() + 1_000);
    await tasks.get('cluster.static-peer-poll')?.run();
    expect(calls).toHaveLength(2);
  });

  it('polls a changed static peer list at once, as a run of the poll task', async () => {
    const { cluster, calls, runs } = setup((url) => statusOf(url.replace('/api/status/node.json', ''), 'up'));
    cluster.staticPeers.set(['http://static:2']);
    expect(runs).toEqual([]);
    await cluster.start();
    cluster.staticPeers.set(['http://static:3']);
    expect(runs).toEqual(['cluster.static-peer-poll']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['http://static:2/api/status/node.json', 'http://static:3/api/status/node.json']);
    expect(cluster.peers()).toEqual(['http://static:3']);
  });

  it('probes an unmet seed in a task of its own; the round exchanges only with live members', async () => {
    const { cluster, tasks, calls } = setup(() => {
      throw new Error('no answer');
    }, { seeds: ['http://b:3'] });
    await cluster.start();
    expect(calls).toEqual([`http://b:3${GOSSIP_PATH}`]);
    await tasks.get('cluster.gossip')?.run();
    expect(calls).toHaveLength(1);
    await tasks.get('cluster.gossip-probe')?.run();
    expect(calls).toEqual([`http://b:3${GOSSIP_PATH}`, `http://b:3${GOSSIP_PATH}`]);
  });

  it('stop waits for a join that outlived its timeout, then announces the leave to the members it brought', async () => {
    const peerRecord = { nodeId: 'b', url: 'http://b:3', incarnation: 1, heartbeat: 5, state: 'alive', nodeStatus: statusOf('http://b:3', 'up').nodeStatus };
    let release: () => void = () => undefined;
    const late = new Promise<void>((resolve) => (release = resolve));
    const sent: unknown[] = [];
    const { cluster, calls } = setup(
      (_url, body) => {
        sent.push(body);
        return sent.length === 1 ? late.then(() => ({ members: [peerRecord] })) : { members: [peerRecord] };
      },
      { seeds: ['http://b:3'], joinTimeoutMs: 20 },
    );
    await cluster.start();
    expect(cluster.peers()).toEqual([]);
    let stopped = false;
    const stopping = cluster.stop(Date.now() + 1_000).then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(calls).toEqual([`http://b:3${GOSSIP_PATH}`, `http://b:3${GOSSIP_PATH}`]);
    expect((sent[1] as { members: Array<{ nodeId: string; state: string }> }).members.find((m) => m.nodeId === 'self')?.state).toBe('left');
  });

  it('a DNS seed adds the seed refresh task', () => {
    expect([...setup(() => ({})).tasks.keys()]).not.toContain('cluster.seed-refresh');
    expect([...setup(() => ({}), { seeds: ['dns://artemis.local:8080'] }).tasks.keys()]).toContain('cluster.seed-refresh');
  });

  it('keeps a static peer through two failed polls and drops it after the third', async () => {
    let failing = false;
    const { cluster, tasks } = setup(
      (url) => {
        if (failing) throw new Error('no answer');
        return statusOf(url.replace('/api/status/node.json', ''), 'up');
      },
      { peers: ['http://static:2'] },
    );
    await cluster.start();
    expect(cluster.peers()).toEqual(['http://static:2']);
    expect(cluster.copySources()).toEqual(['http://static:2']);
    failing = true;
    const poll = tasks.get('cluster.static-peer-poll')!;
    await poll.run();
    await poll.run();
    expect(cluster.peers()).toEqual(['http://static:2']);
    await poll.run();
    expect(cluster.peers()).toEqual([]);
    expect(cluster.statuses().map((s) => [s.node.url, s.status])).toEqual([['http://self:1', 'starting'], ['http://static:2', 'unknown']]);
  });

  it('joins through a seed, lists the member, and announces its leave on stop', async () => {
    const peerRecord = { nodeId: 'b', url: 'http://b:3', incarnation: 1, heartbeat: 5, state: 'alive', nodeStatus: statusOf('http://b:3', 'up').nodeStatus };
    const sent: unknown[] = [];
    const { cluster, calls } = setup((url, body) => {
      if (url.endsWith(GOSSIP_PATH)) sent.push(body);
      return { members: [peerRecord] };
    }, { seeds: ['http://b:3'] });
    await cluster.start();
    expect(cluster.peers()).toEqual(['http://b:3']);
    expect(cluster.members().map((m) => [m.url, m.source, m.state])).toEqual([['http://self:1', 'self', 'alive'], ['http://b:3', 'gossip', 'alive']]);
    await cluster.stop(Date.now() + 1_000);
    expect(calls).toEqual([`http://b:3${GOSSIP_PATH}`, `http://b:3${GOSSIP_PATH}`]);
    const leave = sent[1] as { members: Array<{ nodeId: string; state: string }> };
    expect(leave.members.find((m) => m.nodeId === 'self')?.state).toBe('left');
  });
});
