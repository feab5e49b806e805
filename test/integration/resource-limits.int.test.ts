import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AntiEntropyFailures } from '../../src/web/api/anti-entropy.js';
import { peerCall, sendPeerCall, TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

/**
 * "Grow the registry without limit." On the old main one anonymous client could register as
 * many instances as it liked, as fast as it liked (it took a node from 0.2 to 2 GB in 25 s),
 * subscribe one WebSocket session to any number of services, open any number of connections,
 * and hold a connection with slowly sent headers for about twice the configured timeout. Each
 * test below would pass those limits on the old main; here the client is stopped at the
 * configured bound (small bounds, so the tests stay fast).
 */

interface Failed {
  errorCode: string;
  errorMessage: string;
}

const batch = (from: number, count: number, over: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, i) => instance({ instanceId: `grow:${from + i}`, serviceId: `grow.s${(from + i) % 7}`, ...over }));

async function register(url: string, instances: unknown[]): Promise<Failed[]> {
  const res = await postJson(`${url}/api/registry/register.json`, { instances });
  expect(res.status).toBe(200);
  return (res.body.failedInstances ?? []) as Failed[];
}

/** The refusals counted under `limit`, read from the node's metrics registry (not over HTTP: the connection limit may be reached). */
async function metric(n: RunningNode, limit: string): Promise<number> {
  const text = await n.node.metrics.text();
  const m = new RegExp(`artemis_limit_refusals_total\\{limit="${limit.replace('.', '\\.')}"\\} (\\d+)`).exec(text);
  return m === null ? 0 : Number(m[1]);
}

describe('capacity limits of client registrations', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({
      'limits.maxInstances': 500,
      'limits.maxInstancesPerService': 40,
      'limits.maxInstancesPerClient': 120,
      'limits.maxRegistrationsPerClientPerSecond': 0,
      'rateLimit.registry.defaultLimit': 1_000_000,
    });
  });
  afterAll(() => n.stop());

  it('stops one client at limits.maxInstancesPerService and limits.maxInstancesPerClient, with a clear reason', async () => {
    // 50 instances of one service: 40 fit
    const one = await register(n.url, batch(0, 50, { serviceId: 'grow.single' }));
    expect(one).toHaveLength(10);
    expect(one[0]!.errorCode).toBe('rate-limited');
    expect(one[0]!.errorMessage).toContain('(limits.maxInstancesPerService): 40');
    expect(n.node.repository.service('grow.single')?.leases.size).toBe(40);
    // re-registering what the service already holds is fine
    expect(await register(n.url, batch(0, 40, { serviceId: 'grow.single' }))).toEqual([]);

    // spread over services, the client stops at 120 in all
    const spread = await register(n.url, batch(1_000, 200));
    expect(spread).toHaveLength(120);
    expect(spread.every((f) => f.errorMessage.includes('(limits.maxInstancesPerClient): 120'))).toBe(true);
    expect(n.node.repository.ownedBy('127.0.0.1')).toBe(120);
    expect(n.node.repository.instanceCount).toBe(120);
    expect(await metric(n, 'limits.maxInstancesPerService')).toBe(10);
    expect(await metric(n, 'limits.maxInstancesPerClient')).toBe(120);

    // unregistering gives the client its room back once the sweep removed the leases
    await postJson(`${n.url}/api/registry/unregister.json`, { instances: batch(0, 40, { serviceId: 'grow.single' }) });
    const deadline = Date.now() + 5_000;
    while (n.node.repository.ownedBy('127.0.0.1') > 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(n.node.repository.ownedBy('127.0.0.1')).toBe(80);
    expect(await register(n.url, batch(5_000, 40))).toEqual([]);
  });

  it('keeps replicated registrations, which a peer admitted, out of the client counts', () => {
    const before = n.node.repository.ownedBy('127.0.0.1');
    const res = n.node.registry.handleReplicated('register', { instances: batch(9_000, 30) });
    expect(res.responseStatus.status).toBe('success');
    expect(n.node.repository.ownedBy('127.0.0.1')).toBe(before);
  });
});

describe('node-wide instance limit and per-client registration rate', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'limits.maxInstances': 60, 'limits.maxRegistrationsPerClientPerSecond': 25, 'limits.maxInstancesPerClient': 0 });
  });
  afterAll(() => n.stop());

  it('answers rate-limited past limits.maxRegistrationsPerClientPerSecond and past limits.maxInstances', async () => {
    const fast = await register(n.url, batch(0, 40));
    // the first second admits 25; a clock second boundary may admit a few more, never all
    expect(fast.length).toBeGreaterThan(0);
    expect(fast.every((f) => f.errorCode === 'rate-limited' && f.errorMessage.includes('(limits.maxRegistrationsPerClientPerSecond): 25'))).toBe(true);
    expect(await metric(n, 'limits.maxRegistrationsPerClientPerSecond')).toBe(fast.length);

    // keep registering at the allowed pace until the node is full
    let full: Failed[] = [];
    for (let i = 0; i < 10 && full.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1_100));
      full = (await register(n.url, batch(100 + i * 20, 20))).filter((f) => f.errorMessage.includes('(limits.maxInstances)'));
    }
    expect(full.length).toBeGreaterThan(0);
    expect(n.node.repository.instanceCount).toBe(60);
    expect(await metric(n, 'limits.maxInstances')).toBeGreaterThan(0);
  }, 20_000);
});

describe('service ids per anti-entropy diff', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'cluster.key': TEST_CLUSTER_KEY, 'limits.maxAntiEntropyServices': 1_000 });
  });
  afterAll(() => n.stop());

  it('answers a peer diff of up to limits.maxAntiEntropyServices services and refuses one more with bad-request', async () => {
    const ids = (count: number) => Array.from({ length: count }, (_, i) => `diff.s${i}`);
    const diff = (count: number) => sendPeerCall(peerCall(`${n.url}/api/replication/registry/diff.json`, { serviceIds: ids(count) }));
    const within = await diff(1_000);
    expect(within.body.responseStatus.status).toBe('success');
    const over = await diff(1_001);
    expect(over.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'bad-request', message: AntiEntropyFailures.tooManyServices.replace('<max>', '1000') });
  });
});

describe('WebSocket subscriptions and connections per address', () => {
  let n: RunningNode;
  const sockets: TestSocket[] = [];
  const raw: Socket[] = [];
  beforeAll(async () => {
    n = await startTestNode({ 'limits.maxSubscriptionsPerSession': 5, 'limits.maxConnectionsPerAddress': 8 });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const s of raw) s.destroy();
    await n.stop();
  });

  it('closes a session that subscribes to more services than limits.maxSubscriptionsPerSession (1008)', async () => {
    const s = await TestSocket.open(wsUrl(n.url, '/ws/discovery/instance-change'));
    sockets.push(s);
    for (let i = 0; i < 5; i++) s.send({ serviceId: `sub.s${i}` });
    // the same services again count once
    for (let i = 0; i < 5; i++) s.send({ serviceId: `SUB.S${i}` });
    expect(await s.quietFor(100)).toBe(true);
    expect(s.closeCode).toBeUndefined();
    s.send({ serviceId: 'sub.s5' });
    expect(await s.closed).toBe(1008);
    expect(await metric(n, 'limits.maxSubscriptionsPerSession')).toBe(1);
  });

  it('answers a connection over limits.maxConnectionsPerAddress with 429 and closes it', async () => {
    const open = async (): Promise<Socket> => {
      const sock = connect(Number(new URL(n.url).port), '127.0.0.1');
      raw.push(sock);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      return sock;
    };
    const held = [];
    for (let i = 0; i < 8; i++) held.push(await open());
    const extra = await open();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      extra.on('data', (d: Buffer) => (text += d.toString()));
      extra.once('close', () => resolve(text));
      extra.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer).toContain('(limits.maxConnectionsPerAddress): 8');
    expect(answer).not.toContain('"UP"');
    expect(await metric(n, 'limits.maxConnectionsPerAddress')).toBeGreaterThanOrEqual(1);
    // one closed connection makes room for a new one
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const res = await new Promise<string>((resolve) => {
      const sock = connect(Number(new URL(n.url).port), '127.0.0.1', () => sock.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      raw.push(sock);
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.once('close', () => resolve(text));
    });
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
    for (const s of held) s.destroy();
  });
});

describe('header and request timeouts', () => {
  let n: RunningNode;
  beforeAll(async () => {
    n = await startTestNode({ 'http.headersTimeoutMs': 600, 'http.requestTimeoutMs': 1_500 });
  });
  afterAll(() => n.stop());

  /** Opens a raw connection, sends `first`, then one header byte every 100 ms; resolves with when it was closed and what came back. */
  function slowClient(first: string, drip: string): Promise<{ afterMs: number; text: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const sock = connect(Number(new URL(n.url).port), '127.0.0.1', () => sock.write(first));
      let text = '';
      let i = 0;
      const timer = setInterval(() => {
        if (!sock.destroyed && sock.writable) sock.write(drip[i++ % drip.length]!);
      }, 100);
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.on('error', () => undefined);
      sock.once('close', () => {
        clearInterval(timer);
        resolve({ afterMs: Date.now() - started, text });
      });
      // the test's own bound: far beyond what the node may take
      setTimeout(() => sock.destroy(), 10_000).unref();
    });
  }

  it('closes a connection whose headers arrive slowly within http.headersTimeoutMs (not twice it)', async () => {
    const { afterMs, text } = await slowClient('GET /health HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeGreaterThanOrEqual(500);
    expect(afterMs).toBeLessThan(1_200);
  });

  it('closes a connection whose body arrives slowly within http.requestTimeoutMs', async () => {
    const { afterMs, text } = await slowClient(
      'POST /api/registry/heartbeat.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
      ' ',
    );
    expect(text === '' || /^HTTP\/1\.1 408 /.test(text)).toBe(true);
    expect(afterMs).toBeGreaterThanOrEqual(1_400);
    expect(afterMs).toBeLessThan(3_000);
  });
});
