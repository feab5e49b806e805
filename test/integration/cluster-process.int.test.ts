import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, memberStates, TEST_CLUSTER_KEY, upRegistryNodes } from '../helpers/cluster.js';
import { getJson, instance, postJson } from '../helpers/node.js';
import { noteNodeUnderTest } from '../helpers/openapi-responses.js';
import { lookupIds, waitFor, waitForIds } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

/**
 * Three real `artemis server` processes on 127.0.0.1 that find each other through seeds: kill,
 * restart and graceful stop as an operator would do them.
 */

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const DEAD_AFTER_MS = 2_000;
/** One test registers 3,000 instances from this process's address at once, past the per-client registration rate. */
const BULK = ['limits.maxRegistrationsPerClientPerSecond=0'];
const TIMING = [
  'cluster.gossipIntervalMs=100',
  'cluster.gossipTimeoutMs=300',
  'cluster.suspectAfterMs=800',
  `cluster.deadAfterMs=${DEAD_AFTER_MS}`,
  'registry.lease.ttlMs=1000',
  'registry.lease.sweepIntervalMs=50',
  'replication.batchDelayMs=5',
  'replication.antiEntropyIntervalMs=500',
  'discovery.coalesceMs=0',
  // every process keeps its own SQLite store, on purpose
  'store.nodeLocal=true',
];

interface Proc {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
}

function inst(id: string, serviceId = 'demo.order') {
  return instance({ instanceId: id, serviceId, ip: '10.0.3.1', url: `http://10.0.3.1/${id}` });
}

async function call(url: string, op: string, ids: string[], serviceId = 'demo.order') {
  const res = await postJson(`${url}/api/registry/${op}.json`, { instances: ids.map((id) => inst(id, serviceId)) });
  expect(res.body.responseStatus.status).toBe('success');
}

/** Heartbeats like a client does: instances the node no longer knows are registered again. */
async function keepAlive(url: string, ids: string[], serviceId: string) {
  const res = await postJson(`${url}/api/registry/heartbeat.json`, { instances: ids.map((id) => inst(id, serviceId)) });
  if (res.body.responseStatus.status === 'success') return;
  const lost = (res.body.failedInstances as Array<{ instance: { instanceId: string } }>).map((f) => f.instance.instanceId);
  await call(url, 'register', lost, serviceId);
}

describe('a cluster of three node processes', () => {
  let ports: number[];
  let urls: string[];
  const procs: Proc[] = [];
  const root = mkdtempSync(join(tmpdir(), 'artemis-cluster-'));

  function launch(i: number): Proc {
    const port = ports[i] as number;
    const url = urls[i] as string;
    const dataDir = join(root, `node-${i}`);
    const args = ['server', '--port', String(port), '--host', '127.0.0.1', '--advertise-url', url, '--node-id', `node-${i}`,
      '--region', 'SHA', '--zone', 'sha-z1', '--data-dir', dataDir, '--seeds', urls.join(','), '--log-level', 'warn',
      ...[...TIMING, ...BULK].flatMap((kv) => ['--set', kv])];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ARTEMIS_CLUSTER_KEY: TEST_CLUSTER_KEY },
    });
    const p = { url, port, dataDir, child };
    procs[i] = p;
    return p;
  }

  async function ready(url: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => {
      try {
        return (await fetch(`${url}/ready`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, { message: `${url} to be ready`, timeoutMs });
    await noteNodeUnderTest(url);
  }

  beforeAll(async () => {
    ports = await freePorts(3);
    urls = ports.map((p) => `http://127.0.0.1:${p}`);
    for (let i = 0; i < 3; i++) launch(i);
    await Promise.all(urls.map((u) => ready(u)));
    await waitFor(async () => {
      for (const u of urls) {
        const states = await memberStates(u);
        if (urls.some((m) => states[m] !== 'alive')) return undefined;
      }
      return true;
    }, { message: 'all three to see each other', timeoutMs: 10_000 });
  }, 40_000);

  afterAll(async () => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGKILL');
          await once(p.child, 'exit');
        }
      }),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('a register on A is discoverable on B and C within 500 ms and pushed to B subscribers', async () => {
    const [a, b, c] = urls as [string, string, string];
    const sub = await TestSocket.open(wsUrl(b, '/ws/discovery/instance-change'));
    try {
      sub.send({ serviceId: 'proc.push' });
      await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      await call(a, 'register', ['pp-1'], 'proc.push');
      expect((await sub.next(2_000)).instance.instanceId).toBe('pp-1');
      await Promise.all([b, c].map((u) => waitForIds(u, ['pp-1'], 500, 'proc.push')));
      expect(Date.now() - t0).toBeLessThan(500);
    } finally {
      sub.close();
    }
  });

  it('heartbeats sent only to A keep the instance alive on B and C past several TTLs', async () => {
    const [a, b, c] = urls as [string, string, string];
    await call(a, 'register', ['hb-1'], 'proc.hb');
    const until = Date.now() + 3_500; // three and a half TTLs
    while (Date.now() < until) {
      await call(a, 'heartbeat', ['hb-1'], 'proc.hb');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await lookupIds(b, 'proc.hb')).toEqual(['hb-1']);
    expect(await lookupIds(c, 'proc.hb')).toEqual(['hb-1']);
  });

  it('SIGKILL of B: A and C drop it from up-*-nodes within the dead timeout and keep serving', async () => {
    const [a, b, c] = urls as [string, string, string];
    const killed = Date.now();
    procs[1]?.child.kill('SIGKILL');
    await Promise.all(
      [a, c].map((u) => waitFor(async () => ((await upRegistryNodes(u)).includes(b) ? undefined : true), { message: `${u} to drop B`, timeoutMs: DEAD_AFTER_MS + 2_000 })),
    );
    const took = Date.now() - killed;
    console.log(`killed node dropped from up-registry-nodes after ${took} ms (dead timeout ${DEAD_AFTER_MS} ms)`);
    expect(took).toBeLessThan(DEAD_AFTER_MS + 1_000);
    const { body } = await getJson(`${a}/api/cluster/up-discovery-nodes.json?regionId=SHA&zoneId=sha-z1`);
    expect(body.nodes.map((n: { url: string }) => n.url).sort()).toEqual([a, c].sort());
    await call(a, 'register', ['after-kill'], 'proc.kill');
    await waitForIds(c, ['after-kill'], 1_000, 'proc.kill');
  });

  it('B restarted reports ready only once it holds the same registry as A', async () => {
    const [a] = urls as [string, string, string];
    // A registry large enough that copying it takes a moment.
    const bulk = Array.from({ length: 3_000 }, (_, i) => `bulk-${i}`);
    for (let i = 0; i < bulk.length; i += 1_000) await call(a, 'register', bulk.slice(i, i + 1_000), 'proc.bulk');
    let beating = true;
    const heartbeats = (async () => {
      while (beating) {
        for (let i = 0; i < bulk.length; i += 1_000) await keepAlive(a, bulk.slice(i, i + 1_000), 'proc.bulk');
        await keepAlive(a, ['after-kill'], 'proc.kill');
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await restartAndCompare(bulk);
    } finally {
      beating = false;
      await heartbeats;
    }
  });

  async function restartAndCompare(bulk: string[]): Promise<void> {
    const [a] = urls as [string, string, string];
    const b = launch(1);
    let sawStarting = false;
    await waitFor(async () => {
      try {
        const res = await fetch(`${b.url}/ready`);
        if (res.status === 503) sawStarting = true;
        return res.status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, { message: 'restarted B to be ready', timeoutMs: 20_000 });
    const [onA, onB] = await Promise.all([lookupIds(a, 'proc.bulk'), lookupIds(b.url, 'proc.bulk')]);
    expect(onB.length).toBe(bulk.length);
    expect(onB).toEqual(onA);
    expect(await lookupIds(b.url, 'proc.kill')).toEqual(['after-kill']);
    expect(sawStarting).toBe(true);
    await waitFor(async () => ((await memberStates(a))[b.url] === 'alive' ? true : undefined), { message: 'A to see B alive again' });
  }

  it('SIGTERM of C: peers see the leave at once', async () => {
    const [a, b, c] = urls as [string, string, string];
    const child = procs[2]?.child as ChildProcess;
    const exited = once(child, 'exit');
    const t0 = Date.now();
    child.kill('SIGTERM');
    await exited;
    const states = await Promise.all([a, b].map((u) => memberStates(u)));
    expect(states.map((s) => s[c])).toEqual(['left', 'left']);
    const took = Date.now() - t0;
    console.log(`graceful stop: peers saw the leave by the time C exited, ${took} ms after SIGTERM`);
    expect(await upRegistryNodes(a)).toEqual([a, b].sort());
    const { body } = await getJson(`${a}/api/status/cluster.json`);
    const cStatus = body.nodesStatus.find((s: { node: { url: string } }) => s.node.url === c);
    expect(cStatus.status).toBe('down');
  });

  it('artemis cluster status shows the members and their states', async () => {
    const [a, b, c] = urls as [string, string, string];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'cluster', 'status', '--url', a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const line = (url: string) => out.split('\n').find((l) => l.startsWith(`${url} `)) ?? '';
    expect(line(a)).toMatch(/node-0\s+self\s+alive\s+up/);
    expect(line(b)).toMatch(/node-1\s+gossip\s+alive\s+up/);
    expect(line(c)).toMatch(/node-2\s+gossip\s+left\s+down/);
    expect(out).toContain('java view');
  });
});
