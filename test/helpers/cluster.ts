import { createServer } from 'node:net';
import type { NodeOverrides } from '../../src/app.js';
import { startTestNode, type ConfigFlags, type RunningNode } from './node.js';
import { getJson } from './node.js';

/**
 * Fast gossip and repair settings so cluster tests finish in seconds. Each node keeps its own
 * SQLite store, on purpose (store.nodeLocal); tests of shared management state give a store.url.
 */
export const FAST_CLUSTER: ConfigFlags = {
  'store.nodeLocal': true,
  'cluster.gossipIntervalMs': 100,
  'cluster.gossipTimeoutMs': 300,
  'cluster.suspectAfterMs': 600,
  'cluster.deadAfterMs': 1_200,
  'cluster.joinTimeoutMs': 1_000,
  'replication.antiEntropyIntervalMs': 300,
  'replication.batchDelayMs': 5,
  'discovery.coalesceMs': 0,
};

/** `n` ports that were free a moment ago (the OS picks them). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<import('node:net').Server>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Starts `n` in-process nodes that find each other through seeds listing all of them. */
export async function startCluster(
  n: number,
  flags: ConfigFlags = {},
  overrides: (index: number) => NodeOverrides = () => ({}),
): Promise<RunningNode[]> {
  const ports = await freePorts(n);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  return Promise.all(
    ports.map((port, i) =>
      startTestNode({ ...FAST_CLUSTER, port, nodeUrl: urls[i], nodeId: `node-${i}`, 'cluster.seeds': urls.join(','), ...flags }, overrides(i)),
    ),
  );
}

export interface MemberRow {
  nodeId: string | null;
  url: string;
  state: string;
  status: string;
}

/** `members.json` of a node, as `url -> state`. */
export async function memberStates(url: string): Promise<Record<string, string>> {
  const { body } = await getJson(`${url}/api/cluster/members.json`);
  return Object.fromEntries((body.members as MemberRow[]).map((m) => [m.url, m.state]));
}

/** URLs that `up-registry-nodes.json` lists on a node, sorted. */
export async function upRegistryNodes(url: string): Promise<string[]> {
  const { body } = await getJson(`${url}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z1`);
  return ((body.nodes ?? []) as Array<{ url: string }>).map((n) => n.url).sort();
}
