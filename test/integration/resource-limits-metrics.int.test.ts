import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerCall, sendPeerCall, TEST_CLUSTER_KEY, testSigner } from '../helpers/cluster.js';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

/**
 * "Every limit is named in config, answered with a clear error, counted in metrics": each limit
 * of the README's limits table, the rate limiters, management refusals and refused peer calls
 * are tripped over real HTTP and WebSocket, and the node's /metrics, scraped over HTTP, counts
 * exactly the refusals the answers showed.
 */

/** The sum of the samples of `name` whose labels include `labels`, from a Prometheus text page. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** A gossiped member record of `nodeId` at `http://127.0.0.1:<2 for gossip-b, else 1>`, where nothing listens. */
function member(nodeId: string, incarnation: number, heartbeat: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const url = `http://127.0.0.1:${nodeId === 'gossip-b' ? 2 : 1}`;
  const nodeStatus = { status: 'up', node: { url, zone: { regionId: 'SHA', zoneId: 'sha-z1' } } };
  return { nodeId, url, incarnation, heartbeat, state: 'alive', nodeStatus, storeId: '', ...over };
}

async function scrape(n: RunningNode): Promise<string> {
  const res = await fetch(`${n.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

interface RegisterAnswer {
  failedInstances?: Array<{ errorMessage: string }> | null;
  responseStatus: { message: string | null };
}

const refusedBy = (failed: Array<{ errorMessage: string }> | null | undefined, limit: string) => (failed ?? []).filter((f) => f.errorMessage.includes(`(${limit})`)).length;

const batch = (prefix: string, count: number, over: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: count }, (_, i) => instance({ instanceId: `${prefix}-${i}`, serviceId: `${prefix}.svc`, ...over(i) }));

/** Sends `first`, then `drip` a byte every 100 ms, until the node closes the connection; resolves with what came back. */
function slowClient(n: RunningNode, first: string, drip: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(Number(new URL(n.url).port), '127.0.0.1', () => sock.write(first));
    let text = '';
    let i = 0;
    const timer = setInterval(() => sock.writable && sock.write(drip[i++ % drip.length]!), 100);
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.on('error', () => undefined);
    sock.once('close', () => {
      clearInterval(timer);
      resolve(text);
    });
    setTimeout(() => sock.destroy(), 10_000).unref();
  });
}

describe('request, instance and session limits, timeouts, rate limiters and refusals are counted in /metrics', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({
      'limits.maxInstancesPerService': 5,
      'limits.maxInstancesPerClient': 12,
      'limits.maxRegistrationsPerClientPerSecond': 0,
      'limits.maxInstancesPerRequest': 20,
      'limits.maxBodyBytes': 16_384,
      'limits.maxFieldLength': 64,
      'limits.maxMetadataEntries': 4,
      'limits.maxMetadataBytes': 100,
      'limits.maxSubscriptionsPerSession': 2,
      'websocket.maxFrameBytes': 1_024,
      'http.headersTimeoutMs': 600,
      'http.requestTimeoutMs': 1_500,
      'rateLimit.cluster.defaultLimit': 2,
    });
  });
  afterAll(() => n.stop());

  it('counts every refusal under its config key', async () => {
    const register = async (instances: unknown[]) => (await postJson(`${n.url}/api/registry/register.json`, { instances })).body as RegisterAnswer;
    const perService = refusedBy((await register(batch('one', 8))).failedInstances, 'limits.maxInstancesPerService');
    const perClient = refusedBy((await register(batch('spread', 15, (i) => ({ serviceId: `spread.s${i % 5}` })))).failedInstances, 'limits.maxInstancesPerClient');
    expect([perService, perClient]).toEqual([3, 8]);

    const tooMany = await register(batch('many', 21));
    expect(tooMany.responseStatus.message).toContain('(limits.maxInstancesPerRequest)');
    const big = await postJson(`${n.url}/api/registry/heartbeat.json`, { instances: batch('big', 1, () => ({ metadata: { pad: 'x'.repeat(20_000) } })) });
    expect(big.status).toBe(413);
    expect(big.body.responseStatus.message).toContain('(limits.maxBodyBytes)');

    // each per-instance limit refuses one instance of a heartbeat (no capacity is used)
    const heartbeat = (await postJson(`${n.url}/api/registry/heartbeat.json`, {
      instances: [
        instance({ instanceId: 'f'.repeat(65) }),
        instance({ instanceId: 'meta-entries', metadata: { a: '1', b: '2', c: '3', d: '4', e: '5' } }),
        instance({ instanceId: 'meta-bytes', metadata: { a: 'y'.repeat(60), b: 'z'.repeat(60) } }),
      ],
    })).body;
    for (const limit of ['limits.maxFieldLength', 'limits.maxMetadataEntries', 'limits.maxMetadataBytes']) expect(refusedBy(heartbeat.failedInstances, limit), limit).toBe(1);

    const ws = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
    for (const serviceId of ['a.one', 'a.two', 'a.three']) ws.send({ serviceId });
    expect(await ws.closed).toBe(1008);
    const bigFrame = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
    bigFrame.send(JSON.stringify({ serviceId: 'x'.repeat(2_000) }));
    expect(await bigFrame.closed).toBe(1009);

    const [headers, body] = await Promise.all([
      slowClient(n, 'GET /health HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n'),
      slowClient(n, 'POST /api/registry/heartbeat.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{', ' '),
    ]);
    expect(headers).toMatch(/^HTTP\/1\.1 408 /);
    expect(body === '' || /^HTTP\/1\.1 408 /.test(body)).toBe(true);

    let clusterRefused = 0;
    for (let i = 0; i < 5; i++) {
      const res = await getJson(`${n.url}/api/cluster/up-registry-nodes.json?regionId=SHA&zoneId=sha-z1`);
      if (res.body.responseStatus.errorCode === 'rate-limited') clusterRefused++;
    }
    expect(clusterRefused).toBe(3);

    const anonymous = await postJson(`${n.url}/api/management/operate-instance.json`, {
      instanceKey: { regionId: 'SHA', serviceId: 'one.svc', instanceId: 'one-0' }, operation: 'pullout', operationComplete: false, operatorId: 'x', token: 'guess',
    });
    expect(anonymous.status).toBe(403);
    // a node without a cluster key refuses every peer call
    const peer = await sendPeerCall(peerCall(`${n.url}/api/replication/registry/unregister.json`, { instances: [instance({ instanceId: 'nobody' })] }));
    expect(peer.status).toBe(403);

    const text = await scrape(n);
    const limit = (key: string) => sample(text, 'artemis_limit_refusals_total', { limit: key });
    expect({
      perService: limit('limits.maxInstancesPerService'),
      perClient: limit('limits.maxInstancesPerClient'),
      perRequest: limit('limits.maxInstancesPerRequest'),
      body: limit('limits.maxBodyBytes'),
      field: limit('limits.maxFieldLength'),
      entries: limit('limits.maxMetadataEntries'),
      bytes: limit('limits.maxMetadataBytes'),
      subscriptions: limit('limits.maxSubscriptionsPerSession'),
      frame: limit('websocket.maxFrameBytes'),
      headersTimeout: limit('http.headersTimeoutMs'),
      requestTimeout: limit('http.requestTimeoutMs'),
    }).toEqual({ perService: 3, perClient: 8, perRequest: 1, body: 1, field: 1, entries: 1, bytes: 1, subscriptions: 1, frame: 1, headersTimeout: 1, requestTimeout: 1 });
    expect(sample(text, 'artemis_rate_limited_total', { limiter: 'artemis.service.cluster' })).toBe(clusterRefused);
    expect(sample(text, 'artemis_security_refused_total', { scope: 'operate' })).toBe(1);
    expect(sample(text, 'artemis_peer_refusals_total', { reason: 'no-key' })).toBe(1);
  }, 20_000);
});

describe('node-wide, rate, connection and anti-entropy limits, signed peer calls and gossip rules are counted in /metrics', () => {
  let n: RunningNode;
  const raw: Socket[] = [];
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    n = await startTestNode({
      'limits.maxInstances': 4,
      'limits.maxInstancesPerClient': 0,
      'limits.maxRegistrationsPerClientPerSecond': 3,
      'limits.maxConnectionsPerAddress': 8,
      'websocket.maxSessions': 2,
      'rateLimit.perClient.enabled': true,
      'rateLimit.perClient.limit': 4,
      'cluster.key': TEST_CLUSTER_KEY,
      'limits.maxAntiEntropyServices': 1_000,
    });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const s of raw) s.destroy();
    await n.stop();
  });

  it('counts every refusal', async () => {
    const register = async (instances: unknown[]) => (await postJson(`${n.url}/api/registry/register.json`, { instances })).body as RegisterAnswer;
    const first = await register(batch('rate', 10, (i) => ({ serviceId: `rate.s${i}` })));
    // two windows later the per-second limiter has forgotten the first request
    await new Promise((r) => setTimeout(r, 2_100));
    const second = await register(batch('full', 5, (i) => ({ serviceId: `full.s${i}` })));
    const rate = refusedBy(first.failedInstances, 'limits.maxRegistrationsPerClientPerSecond') + refusedBy(second.failedInstances, 'limits.maxRegistrationsPerClientPerSecond');
    const full = refusedBy(first.failedInstances, 'limits.maxInstances') + refusedBy(second.failedInstances, 'limits.maxInstances');
    expect(rate).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(0);
    expect(n.node.repository.instanceCount).toBe(4);

    // rateLimit.perClient: 4 registry calls per window from one address, 2 made above
    let perClient = 0;
    for (let i = 0; i < 4; i++) {
      const res = await postJson(`${n.url}/api/registry/heartbeat.json`, { instances: [instance({ instanceId: 'rate-0', serviceId: 'rate.s0' })] });
      if (res.body.responseStatus.errorCode === 'rate-limited') perClient++;
    }
    expect(perClient).toBe(2);

    // connections: open raw ones until the node answers 429
    let refusedAnswer = '';
    for (let i = 0; i < 12 && refusedAnswer === ''; i++) {
      const sock = connect(Number(new URL(n.url).port), '127.0.0.1');
      raw.push(sock);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      refusedAnswer = await new Promise<string>((resolve) => {
        let text = '';
        sock.on('data', (d: Buffer) => (text += d.toString()));
        sock.once('close', () => resolve(text));
        setTimeout(() => resolve(''), 150);
      });
    }
    expect(refusedAnswer).toMatch(/^HTTP\/1\.1 429 [\s\S]*\(limits\.maxConnectionsPerAddress\): 8/);
    for (const s of raw.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 100));

    // websocket.maxSessions: the third session of a channel is refused with 503
    for (let i = 0; i < 2; i++) sockets.push(await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change')));
    await expect(TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'))).rejects.toThrow(/503/);
    for (const s of sockets.splice(0)) s.close();

    // signed peer calls: unsigned, another key, stale, replayed
    const url = `${n.url}/api/replication/registry/unregister.json`;
    const body = { instances: [instance({ instanceId: 'nobody' })] };
    const signed = peerCall(url, body);
    expect((await sendPeerCall(signed)).status).toBe(200);
    const refusals = [
      peerCall(url, body, { signer: null }),
      peerCall(url, body, { signer: testSigner('another-cluster-key-0123456789abcdef0123') }),
      peerCall(url, body, { signer: testSigner(TEST_CLUSTER_KEY, { now: () => Date.now() - 120_000 }) }),
      signed,
    ];
    for (const call of refusals) expect((await sendPeerCall(call)).status).toBe(403);

    // limits.maxAntiEntropyServices: a signed diff asking for one service too many
    const diff = await sendPeerCall(peerCall(`${n.url}/api/replication/registry/diff.json`, { serviceIds: Array.from({ length: 1_001 }, (_, i) => `diff.s${i}`) }));
    expect(diff.status).toBe(200);
    expect(diff.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'bad-request' });

    // membership rules: signed gossip from a peer that tells of another member's leave and URL,
    // an impossible incarnation and a record that is none
    const gossip = async (members: unknown[]) => {
      const res = await sendPeerCall(peerCall(`${n.url}/api/cluster/gossip.json`, { members }));
      expect(res.status).toBe(200);
    };
    const now = Date.now();
    await gossip([member('gossip-a', now, 1), member('gossip-b', now, 1)]);
    await gossip([
      member('gossip-a', now, 2),
      member('gossip-b', now, 2, { state: 'left' }),
      member('gossip-b', now, 3, { url: 'http://127.0.0.1:3' }),
      member('gossip-c', Number.MAX_SAFE_INTEGER, 1),
      { nodeId: 'gossip-d', state: 'alive' },
    ]);
    expect(n.node.cluster.members().find((m) => m.nodeId === 'gossip-b')).toMatchObject({ state: 'alive', url: 'http://127.0.0.1:2' });

    const text = await scrape(n);
    const limit = (key: string) => sample(text, 'artemis_limit_refusals_total', { limit: key });
    expect({ rate: limit('limits.maxRegistrationsPerClientPerSecond'), full: limit('limits.maxInstances'), connections: limit('limits.maxConnectionsPerAddress') }).toEqual({ rate, full, connections: 1 });
    expect(sample(text, 'artemis_rate_limited_total', { limiter: 'artemis.service.client', identity: 'client' })).toBe(perClient);
    expect(sample(text, 'artemis_ws_refused_total')).toBe(1);
    const peer = (reason: string) => sample(text, 'artemis_peer_refusals_total', { reason });
    expect({ unsigned: peer('unsigned'), badSignature: peer('bad-signature'), stale: peer('stale'), replayed: peer('replayed') }).toEqual({ unsigned: 1, badSignature: 1, stale: 1, replayed: 1 });
    expect(limit('limits.maxAntiEntropyServices')).toBe(1);
    const rule = (reason: string) => sample(text, 'artemis_gossip_refusals_total', { reason });
    expect({ malformed: rule('malformed'), incarnation: rule('incarnation'), left: rule('left-from-other'), url: rule('url-from-other') }).toEqual({ malformed: 1, incarnation: 1, left: 1, url: 1 });
  }, 20_000);
});
