import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER_HEADERS } from '../../src/cluster/peer-signature.js';
import { INCARNATION_SLACK } from '../../src/cluster/membership.js';
import { PeerAuthFailures } from '../../src/web/peer-auth.js';
import { FAST_CLUSTER, freePorts, memberStates, peerCall, sendPeerCall, startCluster, testSigner, TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { lookupIds, waitFor, waitForIds } from '../helpers/wait.js';

/**
 * Peer calls are signed with the cluster key (HMAC over method, Host, path, body digest,
 * timestamp and nonce) and checked where the peer-only endpoint records are mounted. The
 * attacks below are the ones an attacker on the network could make against nodes whose peer
 * endpoints took anonymous calls (the default before) or a static secret header; each says what
 * it did then.
 */

function inst(id: string, serviceId: string, url = `http://10.0.3.1/${id}`) {
  return instance({ instanceId: id, serviceId, ip: '10.0.3.1', url });
}

function record(nodeId: string, url: string, incarnation: number, heartbeat: number, state = 'alive', status = 'up') {
  return {
    nodeId, url, incarnation, heartbeat, state,
    nodeStatus: {
      allowDiscoveryFromOtherZone: true, allowRegistryFromOtherZone: true, canServiceDiscovery: true, canServiceRegistry: true,
      node: { url, zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } }, status,
    },
  };
}

interface MemberRow {
  nodeId: string | null;
  url: string;
  state: string;
  incarnation: number | null;
  heartbeat: number | null;
}

async function memberRows(url: string): Promise<MemberRow[]> {
  return (await getJson(`${url}/api/cluster/members.json`)).body.members as MemberRow[];
}

async function row(url: string, nodeId: string): Promise<MemberRow | undefined> {
  return (await memberRows(url)).find((m) => m.nodeId === nodeId);
}

async function discoveryNodes(url: string): Promise<string[]> {
  const { body } = await getJson(`${url}/api/cluster/up-discovery-nodes.json?regionId=SHA&zoneId=sha-z1`);
  return ((body.nodes ?? []) as Array<{ url: string }>).map((n) => n.url).sort();
}

/** Waits until `nodeId`'s heartbeat as `url` sees it rose by `rounds`: that many gossip rounds ran. */
async function gossipRounds(url: string, nodeId: string, rounds: number): Promise<void> {
  const start = (await row(url, nodeId))?.heartbeat ?? 0;
  await waitFor(async () => ((await row(url, nodeId))?.heartbeat ?? 0) >= start + rounds, { message: `${rounds} gossip rounds of ${nodeId}` });
}

/** An HTTP server that counts what it is sent (an attacker's collector). */
async function collector(): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"members":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, server };
}

const refusal = (text: string) => ({ responseStatus: { errorCode: 'no-permission', message: text, status: 'fail' } });

describe('a single node with the default configuration', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'registry.lease.sweepIntervalMs': 20, 'discovery.coalesceMs': 0 });
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('refuses an anonymous replicated register of an attacker URL for a real service', async () => {
    await postJson(`${n.url}/api/registry/register.json`, { instances: [inst('real-1', 'pay.api')] });
    // Before: answered success, and discovery served http://evil.example/ for pay.api.
    const res = await postJson(`${n.url}/api/replication/registry/register.json`, { instances: [inst('evil-1', 'pay.api', 'http://evil.example/')] });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(refusal(PeerAuthFailures.noKey));
    expect(await lookupIds(n.url, 'pay.api')).toEqual(['real-1']);
  });

  it('refuses an anonymous replicated unregister of real instances', async () => {
    await postJson(`${n.url}/api/registry/register.json`, { instances: [inst('real-2', 'pay.api')] });
    await waitForIds(n.url, ['real-1', 'real-2'], 2_000, 'pay.api');
    // Before: answered success, and the next lease sweep removed both instances.
    const res = await postJson(`${n.url}/api/replication/registry/unregister.json`, { instances: [inst('real-1', 'pay.api'), inst('real-2', 'pay.api')] }, { gzip: true });
    expect(res.status).toBe(403);
    await n.node.scheduler.runNow('instance.lease-sweep');
    expect(await lookupIds(n.url, 'pay.api')).toEqual(['real-1', 'real-2']);
  });

  it('answers every peer-only endpoint, under every path variant, with the refusal', async () => {
    const peerOnly = n.node.router.endpoints.filter((e) => e.access === 'peer-only');
    expect(peerOnly.map((e) => e.operationId).sort()).toEqual(
      ['getRegistryDiff', 'getRegistryDigests', 'gossip', 'replicationGetServices', 'replicationHeartbeat', 'replicationRegister', 'replicationUnregister'],
    );
    for (const e of peerOnly) {
      for (const path of n.node.router.variants(e.path)) {
        const res = await postJson(`${n.url}${path}`, { instances: [inst('x', 'pay.api')], members: [], serviceIds: [], regionId: 'SHA' });
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
      }
    }
  });
});

describe('a keyed two-node cluster', () => {
  let nodes: RunningNode[];
  let a: RunningNode, b: RunningNode;
  let evil: Awaited<ReturnType<typeof collector>>;
  const rep = (n: RunningNode, op: string) => `${n.url}/api/replication/registry/${op}.json`;

  beforeAll(async () => {
    evil = await collector();
    nodes = await startCluster(2, { 'registry.lease.sweepIntervalMs': 20 });
    [a, b] = nodes as [RunningNode, RunningNode];
    await waitFor(async () => (await memberStates(a.url))[b.url] === 'alive' && (await memberStates(b.url))[a.url] === 'alive', { message: 'the nodes to join' });
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    evil.server.close();
  });

  it('gossips and replicates with signed calls, and keeps the key out of status', async () => {
    await postJson(`${a.url}/api/registry/register.json`, { instances: [inst('k1', 'keyed.demo')] });
    await waitForIds(b.url, ['k1'], 2_000, 'keyed.demo');
    const config = await getJson(`${b.url}/api/status/config.json`);
    expect(config.text).toContain('cluster.key');
    expect(config.text).not.toContain(TEST_CLUSTER_KEY);
  });

  it('refuses unsigned calls, a wrong key, a stale timestamp, a tampered body and a call signed for another node', async () => {
    const body = { instances: [inst('forged', 'keyed.demo')] };
    const cases: Array<[string, Awaited<ReturnType<typeof sendPeerCall>>]> = [
      [PeerAuthFailures.unsigned, await sendPeerCall(peerCall(rep(b, 'register'), body, { signer: null }))],
      [PeerAuthFailures.badSignature, await sendPeerCall(peerCall(rep(b, 'register'), body, { signer: testSigner('w'.repeat(40)) }))],
      [PeerAuthFailures.stale, await sendPeerCall(peerCall(rep(b, 'register'), body, { signer: testSigner(TEST_CLUSTER_KEY, { now: () => Date.now() - 31_000 }) }))],
      [PeerAuthFailures.malformed, await sendPeerCall(peerCall(rep(b, 'register'), body), { headers: { [PEER_HEADERS.nonce]: '!' } })],
    ];
    // Valid headers over other bytes.
    const tampered = peerCall(rep(b, 'register'), body, { gzip: true });
    cases.push([PeerAuthFailures.badSignature, await sendPeerCall({ ...tampered, body: peerCall(rep(b, 'register'), { instances: [inst('other', 'keyed.demo')] }, { gzip: true }).body })]);
    // Signed for A, sent to B (a call captured on its way to A).
    const forA = peerCall(rep(a, 'register'), body);
    cases.push([PeerAuthFailures.otherNode, await sendPeerCall(forA, { to: rep(b, 'register') })]);
    for (const [text, res] of cases) expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: refusal(text) });
    expect(await lookupIds(b.url, 'keyed.demo')).toEqual(['k1']);
    // each refusal is counted under its reason
    const metrics = (await getJson(`${b.url}/metrics`)).text;
    const refused = Object.fromEntries([...metrics.matchAll(/^artemis_peer_refusals_total\{reason="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));
    expect(refused).toEqual({ unsigned: 1, 'bad-signature': 2, stale: 1, malformed: 1, 'other-node': 1 });
  });

  it('refuses a replay of a captured signed register after the unregister', async () => {
    // Before: the captured call, static secret header and all, brought the instance back on every node.
    const captured = peerCall(rep(b, 'register'), { instances: [inst('replayed', 'keyed.demo')] }, { gzip: true });
    expect((await sendPeerCall(captured)).body.responseStatus.status).toBe('success');
    await waitForIds(b.url, ['k1', 'replayed'], 2_000, 'keyed.demo');
    expect((await sendPeerCall(peerCall(rep(b, 'unregister'), { instances: [inst('replayed', 'keyed.demo')] }, { gzip: true }))).body.responseStatus.status).toBe('success');
    await waitForIds(b.url, ['k1'], 2_000, 'keyed.demo');
    const replay = await sendPeerCall(captured);
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 403, body: refusal(PeerAuthFailures.replayed) });
    const elsewhere = await sendPeerCall(captured, { to: rep(a, 'register') });
    expect(elsewhere.body).toEqual(refusal(PeerAuthFailures.otherNode));
    await b.node.scheduler.runNow('instance.lease-sweep');
    expect(await lookupIds(b.url, 'keyed.demo')).toEqual(['k1']);
    expect(await lookupIds(a.url, 'keyed.demo')).toEqual(['k1']);
  });

  it('takes no member from forged gossip: the attacker URL is never listed nor called', async () => {
    // Before: the node listed http://<attacker> in up-discovery-nodes.json and sent it gossip,
    // digests and live registry writes.
    const forged = { members: [record('evil', evil.url, Date.now(), 1)] };
    const res = await postJson(`${a.url}/api/cluster/gossip.json`, forged);
    expect(res.status).toBe(403);
    expect(res.body).toEqual(refusal(PeerAuthFailures.unsigned));
    // Among keyed peers, a third party cannot move a known member to its URL either.
    const bRow = (await row(a.url, 'node-1'))!;
    const moved = { members: [record('mallory', 'http://127.0.0.1:1', Date.now(), 1, 'alive', 'down'), record('node-1', evil.url, bRow.incarnation!, bRow.heartbeat! + 1_000)] };
    expect((await sendPeerCall(peerCall(`${a.url}/api/cluster/gossip.json`, moved))).status).toBe(200);
    await postJson(`${a.url}/api/registry/register.json`, { instances: [inst('after-forgery', 'keyed.demo')] });
    await gossipRounds(b.url, 'node-0', 10);
    expect((await memberRows(a.url)).map((m) => m.url)).not.toContain(evil.url);
    expect(await discoveryNodes(a.url)).toEqual([a.url, b.url].sort());
    expect((await row(a.url, 'node-1'))?.url).toBe(b.url);
    expect(evil.hits()).toBe(0);
  });

  it('keeps a healthy node that forged gossip marks left or dead with a huge incarnation; it refutes and survives a restart', async () => {
    // Before: the others dropped B, its refutation overflowed the safe-integer check, and it
    // stayed evicted even after a restart.
    const left = { members: [record('mallory', 'http://127.0.0.1:1', Date.now(), 1, 'alive', 'down'), record('node-1', b.url, Number.MAX_SAFE_INTEGER, 0, 'left')] };
    expect((await postJson(`${a.url}/api/cluster/gossip.json`, left)).status).toBe(403);
    // Signed by a keyed third party: `left` only counts from B itself, and no owner made that incarnation.
    expect((await sendPeerCall(peerCall(`${a.url}/api/cluster/gossip.json`, left))).status).toBe(200);
    const dead = { members: [left.members[0], { ...left.members[1], state: 'dead' }] };
    expect((await sendPeerCall(peerCall(`${a.url}/api/cluster/gossip.json`, dead))).status).toBe(200);
    expect((await row(a.url, 'node-1'))?.state).toBe('alive');
    // A claim within the bound is taken, and B refutes it.
    const claim = Date.now() + INCARNATION_SLACK / 2;
    const suspect = { members: [left.members[0], record('node-1', b.url, claim, 0, 'dead')] };
    await sendPeerCall(peerCall(`${a.url}/api/cluster/gossip.json`, suspect));
    await waitFor(async () => ((await row(a.url, 'node-1'))?.incarnation ?? 0) > claim && (await row(a.url, 'node-1'))?.state === 'alive', { message: 'B to refute' });
    expect(Number.isSafeInteger((await row(a.url, 'node-1'))?.incarnation)).toBe(true);
    // B restarts on its port: A takes it back.
    const port = Number(new URL(b.url).port);
    await b.stop();
    await waitFor(async () => (await row(a.url, 'node-1'))?.state === 'left', { message: 'B to leave' });
    const again = await startTestNode({ ...FAST_CLUSTER, port, nodeUrl: b.url, nodeId: 'node-1', 'cluster.seeds': [a.url, b.url].join(',') });
    nodes[1] = again;
    b = again;
    await waitFor(async () => (await row(a.url, 'node-1'))?.state === 'alive', { message: 'A to see B again' });
    expect(await discoveryNodes(a.url)).toEqual([a.url, b.url].sort());
  });
});

describe('Java static peers', () => {
  it('may replicate unsigned from a trusted address, but not gossip or use anti-entropy', async () => {
    const n = await startTestNode({ ...FAST_CLUSTER, 'cluster.trustedAddresses': '127.0.0.1' });
    try {
      const res = await postJson(`${n.url}/api/replication/registry/register.json`, { instances: [inst('java-1', 'trusted.demo')] });
      expect(res.status).toBe(200);
      expect(res.body.responseStatus.status).toBe('success');
      expect((await getJson(`${n.url}/api/replication/registry/services.json?regionId=SHA`)).status).toBe(200);
      expect(await lookupIds(n.url, 'trusted.demo')).toEqual(['java-1']);
      // Gossip and anti-entropy still need the key: a trusted host cannot pose as a member.
      expect((await postJson(`${n.url}/api/cluster/gossip.json`, { members: [] })).status).toBe(403);
      expect((await postJson(`${n.url}/api/replication/registry/digest.json`, {})).status).toBe(403);
      // A call that is signed is checked, also from a trusted address.
      const wrong = await sendPeerCall(peerCall(`${n.url}/api/replication/registry/register.json`, { instances: [inst('java-2', 'trusted.demo')] }, { signer: testSigner('w'.repeat(40)) }));
      expect(wrong.status).toBe(403);
    } finally {
      await n.stop();
    }
  });
});

describe('nodes with peers and no cluster key', () => {
  it('refuse to start unless cluster.insecure is set; insecure nodes gossip unsigned', async () => {
    const [p1, p2] = await freePorts(2);
    const urls = [`http://127.0.0.1:${p1}`, `http://127.0.0.1:${p2}`];
    const flags = { ...FAST_CLUSTER, 'cluster.key': '', 'cluster.seeds': urls.join(',') };
    await expect(startTestNode({ ...flags, port: p1 })).rejects.toThrow(/cluster\.key.*needs a cluster key/);
    const insecure = await Promise.all(
      [p1, p2].map((port, i) => startTestNode({ ...flags, port, nodeUrl: urls[i], nodeId: `insecure-${i}`, 'cluster.insecure': true })),
    );
    try {
      await waitFor(async () => (await memberStates(urls[0]!))[urls[1]!] === 'alive', { message: 'the insecure nodes to join' });
      expect((await postJson(`${urls[0]}/api/cluster/gossip.json`, { members: [] })).status).toBe(200);
    } finally {
      await Promise.all(insecure.map((n) => n.stop()));
    }
  });
});
