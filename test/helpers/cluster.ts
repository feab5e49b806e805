import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { NodeOverrides } from '../../src/app.js';
import { startTestNode, type ConfigFlags, type RunningNode } from './node.js';
import { gzipSync } from 'node:zlib';
import { keyBytes, PeerSigner } from '../../src/cluster/peer-signature.js';
import { getJson, type JsonCall } from './node.js';

/** The cluster key of test clusters. */
export const TEST_CLUSTER_KEY = 'test-cluster-key-0123456789abcdef0123456789';

/**
 * Fast gossip and repair settings so cluster tests finish in seconds, and the cluster key. Each
 * node keeps its own SQLite store, on purpose (store.nodeLocal); tests of shared management
 * state give a store.url.
 */
export const FAST_CLUSTER: ConfigFlags = {
  'store.nodeLocal': true,
  'cluster.key': TEST_CLUSTER_KEY,
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

/** True once every node lists every node of `nodes` (itself included) as alive; undefined before (for waitFor). */
export async function allAlive(nodes: readonly RunningNode[]): Promise<true | undefined> {
  for (const n of nodes) {
    const states = await memberStates(n.url);
    if (nodes.some((m) => states[m.url] !== 'alive')) return undefined;
  }
  return true;
}

/**
 * The peer-link filter of node `i` of `nodes()` that cuts every link of the URLs in `cut`: a cut
 * node reaches nobody and nobody reaches it.
 */
export function cutLinks(cut: ReadonlySet<string>, nodes: () => readonly RunningNode[] | undefined, i: number): (url: string) => boolean {
  return (url) => {
    const self = nodes()?.[i]?.url;
    if (self !== undefined && cut.has(self)) return false;
    return ![...cut].some((u) => url.startsWith(u));
  };
}

/** URLs that `up-registry-nodes.json` lists on a node, sorted. */
export async function upRegistryNodes(url: string): Promise<string[]> {
  const { body } = await getJson(`${url}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z1`);
  return ((body.nodes ?? []) as Array<{ url: string }>).map((n) => n.url).sort();
}

/** A signer with `key` (the test cluster key by default) on the real clock, or a given one. */
export function testSigner(key = TEST_CLUSTER_KEY, clock = { now: () => Date.now() }): PeerSigner {
  return new PeerSigner(keyBytes(key), clock);
}

export interface PeerCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** A peer call as a node sends it: JSON (gzip with `gzip`), signed by `signer` (none: unsigned). */
export function peerCall(url: string, body: unknown, opts: { signer?: PeerSigner | null; gzip?: boolean; method?: 'GET' | 'POST' } = {}): PeerCall {
  const method = opts.method ?? 'POST';
  let bytes: Buffer | null = null;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    bytes = Buffer.from(JSON.stringify(body));
    headers['content-type'] = 'application/json';
    if (opts.gzip === true) {
      bytes = gzipSync(bytes);
      headers['content-encoding'] = 'gzip';
    }
  }
  const signer = opts.signer === undefined ? testSigner() : opts.signer;
  if (signer !== null) Object.assign(headers, signer.headers(method, url, bytes));
  return { method, url, headers, body: bytes };
}

/**
 * Sends a peer call byte for byte as captured (its Host header included) to its URL, or to
 * `to` (a replay at another node), and parses the answer.
 */
export async function sendPeerCall(call: PeerCall, opts: { to?: string; headers?: Record<string, string> } = {}): Promise<JsonCall> {
  const target = new URL(opts.to ?? call.url);
  const headers = { ...call.headers, host: new URL(call.url).host, ...opts.headers };
  const { status, text, responseHeaders } = await new Promise<{ status: number; text: string; responseHeaders: Headers }>((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, method: call.method, path: `${target.pathname}${target.search}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), responseHeaders: h });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(call.body ?? undefined);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status, body: parsed, text, headers: responseHeaders };
}
