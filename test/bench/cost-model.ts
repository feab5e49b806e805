/**
 * `npm run bench:cost`: the node's cost model. For each fleet size it starts a node from dist/
 * in its own process (with test/bench/stall-probe.mjs preloaded), then, one phase at a time:
 * registers the fleet, holds it 5 s, heartbeats every instance over WebSocket, reads discovery,
 * and unregisters the fleet (a fleet under 100,000 instances goes through register, unregister and
 * heartbeat several times, so that each phase makes 100,000 operations). From the server's CPU read in /proc before and after each phase and
 * the phase's operation count it derives CPU microseconds per operation; the probe gives the
 * longest event-loop stall and GC pause of each phase and the memory after loading.
 *
 *   npm run build && npm run bench:cost -- [--instances 10000,1000000] [--batch 100]
 *     [--connections 4] [--reads 20000] [--heap-mib 2048] [--out file.json]
 *
 * Per-operation CPU is the phase's server CPU minus what the node used idle over the same
 * time (its sweeps and timers, measured for 3 s after loading), divided by the instances (or
 * reads) of the phase. The register phase lasts until the node is quiet again (below a fifth of
 * a core for a second), so work that registrations leave for later counts as theirs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batchBody, wholeFleet, type Fleet } from '../../src/cli/bench/fleet.js';
import { discoveryRequests } from '../../src/cli/bench/scenarios-http.js';
import { HttpClient, timedRequest } from '../../src/cli/bench/http-load.js';
import { Recorders, type OpRecorder } from '../../src/cli/bench/stats.js';
import { HeartbeatSessions } from '../../src/cli/bench/ws-heartbeat.js';
import { formatTable } from '../../src/cli/common.js';
import { ROOT, cpuSeconds, startArtemis } from './compare-targets.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '10000,1000000' },
    batch: { type: 'string', default: '100' },
    connections: { type: 'string', default: '4' },
    reads: { type: 'string', default: '20000' },
    'heap-mib': { type: 'string', default: '2048' },
    out: { type: 'string' },
  },
});
const SIZES = values.instances.split(',').map(Number);
const BATCH = Number(values.batch);
const CONNECTIONS = Number(values.connections);
const READS = Number(values.reads);
const PROBE_MS = 100;
/** A phase of a smaller fleet is repeated until it made this many operations. */
const MIN_OPERATIONS = 100_000;
const REGISTER = '/api/registry/register.json';
const UNREGISTER = '/api/registry/unregister.json';

interface ProbeLine {
  t: number;
  stallMs: number;
  gcMaxMs: number;
  gcKind: string;
  heapMiB: number;
  rssMiB: number;
}

/** One phase's figures. */
interface Phase {
  phase: string;
  operations: number;
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds less the node's idle use over the same time. */
  netCpuSeconds: number;
  cpuUsPerOp: number;
  longestStallMs: number;
  longestGcMs: number;
  errors: number;
  errorKinds?: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the process used less than a fifth of a core over a second (at most 120 s). */
async function settled(pid: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const cpu0 = cpuSeconds(pid) ?? 0;
    await sleep(1_000);
    if ((cpuSeconds(pid) ?? 0) - cpu0 < 0.2) return;
  }
}

function probeLines(file: string): ProbeLine[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ProbeLine);
  } catch {
    return [];
  }
}

/** Heartbeats every instance of the fleet once, frames of `batch`, at most 8 frames in flight per session. */
async function heartbeatAll(sessions: HeartbeatSessions, fleet: Fleet, batch: number): Promise<void> {
  const frames = Math.ceil(fleet.count / batch);
  let next = 0;
  await Promise.all(Array.from({ length: sessions.size * 8 }, async (_, w) => {
    const session = w % sessions.size;
    while (next < frames) {
      const f = next++;
      const size = Math.min(batch, fleet.count - f * batch);
      await sessions.send(session, batchBody(fleet, f * batch, size), size);
    }
  }));
}

/** `count` discovery reads, GET service.json and POST lookup.json in turn, over the fleet's first 100 services. */
async function readMany(client: HttpClient, fleet: Fleet, count: number, rec: OpRecorder): Promise<void> {
  let next = 0;
  const reads = Array.from({ length: Math.min(100, fleet.services) }, (_, s) => discoveryRequests(undefined as never, fleet, s));
  await Promise.all(Array.from({ length: CONNECTIONS * 4 }, async () => {
    while (next < count) {
      const i = next++;
      const r = reads[i % reads.length]!;
      if (i % 2 === 0) await timedRequest(client, rec, r.get);
      else await timedRequest(client, rec, '/api/discovery/lookup.json', r.lookup);
    }
  }));
}

async function measureSize(count: number, log: (t: string) => void) {
  const work = mkdtempSync(join(tmpdir(), 'artemis-cost-'));
  const probeFile = join(work, 'probe.jsonl');
  const node = await startArtemis({
    mode: 'built',
    settings: [
      'rateLimit.registry.defaultLimit=100000000', 'limits.maxInstancesPerClient=0', 'limits.maxRegistrationsPerClientPerSecond=0',
      'limits.maxInstances=0', 'limits.maxConnectionsPerAddress=0', 'registry.lease.ttlMs=600000',
    ],
    nodeFlags: [`--max-old-space-size=${values['heap-mib']}`, '--import', join(ROOT, 'test/bench/stall-probe.mjs')],
    env: { STALL_PROBE_FILE: probeFile, STALL_PROBE_MS: String(PROBE_MS) },
    log,
  });
  const client = new HttpClient(node.url, CONNECTIONS * 4 + 2, 30_000);
  const fleet: Fleet = { regionId: 'default', zoneId: 'default', prefix: `cost${count}`, count, services: Math.max(1, Math.ceil(count / 100)), metadataBytes: 0 };
  const recorders = new Recorders();
  const phases: Phase[] = [];
  let idleCpuPerS = 0;
  let settleSeconds = 0;
  const cycles = Math.max(1, Math.ceil(MIN_OPERATIONS / count));
  const phase = async (name: string, operations: number, rec: OpRecorder | null, body: () => Promise<void>) => {
    await sleep(2 * PROBE_MS);
    const cpu0 = cpuSeconds(node.pid) ?? 0;
    const t0 = Date.now();
    await body();
    const t1 = Date.now();
    const cpu = (cpuSeconds(node.pid) ?? 0) - cpu0;
    await sleep(2 * PROBE_MS);
    const seen = probeLines(probeFile).filter((l) => l.t > t0 && l.t <= t1 + PROBE_MS);
    const seconds = (t1 - t0) / 1_000;
    const net = rec === null ? cpu : Math.max(0, cpu - idleCpuPerS * seconds);
    // a phase run several times (small fleets) adds up
    const p = phases.find((q) => q.phase === name) ?? { phase: name, operations: 0, seconds: 0, cpuSeconds: 0, netCpuSeconds: 0, cpuUsPerOp: 0, longestStallMs: 0, longestGcMs: 0, errors: 0 };
    if (!phases.includes(p)) phases.push(p);
    p.operations += operations;
    p.seconds = Number((p.seconds + seconds).toFixed(2));
    p.cpuSeconds = Number((p.cpuSeconds + cpu).toFixed(2));
    p.netCpuSeconds += net;
    p.cpuUsPerOp = p.operations > 0 ? Number(((p.netCpuSeconds / p.operations) * 1e6).toFixed(2)) : 0;
    p.longestStallMs = Math.max(p.longestStallMs, ...seen.map((l) => l.stallMs));
    p.longestGcMs = Math.max(p.longestGcMs, ...seen.map((l) => l.gcMaxMs));
    p.errors = rec?.errors ?? 0;
    if (rec !== null && rec.errors > 0) p.errorKinds = rec.summary(1).errorKinds;
    log(`${count} instances, ${name}: ${JSON.stringify(p)}\n`);
  };
  const memory: Record<string, { heapMiB: number; rssMiB: number }> = {};
  try {
    await phase('idle (3 s)', 0, null, async () => void (await sleep(3_000)));
    // a small fleet is registered and unregistered several times, so each phase runs long enough to measure
    for (let c = 1; c < cycles; c++) {
      await phase('register', count, recorders.get('register'), () => wholeFleet(client, fleet, REGISTER, BATCH, CONNECTIONS, recorders.get('register')));
      await phase('unregister', count, recorders.get('unregister'), () => wholeFleet(client, fleet, UNREGISTER, BATCH, CONNECTIONS, recorders.get('unregister')));
    }
    const last = () => probeLines(probeFile).at(-1)!;
    let answered = 0;
    await phase('register', count, recorders.get('register'), async () => {
      await wholeFleet(client, fleet, REGISTER, BATCH, CONNECTIONS, recorders.get('register'));
      answered = Date.now();
      await sleep(PROBE_MS);
      memory.afterLoading = { heapMiB: last().heapMiB, rssMiB: last().rssMiB };
      // work the registrations left behind (cache rebuilds) counts as theirs: until the node is quiet
      await settled(node.pid);
      settleSeconds = (Date.now() - answered) / 1_000;
    });
    await sleep(answered + 5_000 + 2 * PROBE_MS - Date.now());
    const later = probeLines(probeFile).find((l) => l.t >= answered + 5_000) ?? last();
    memory.fiveSecondsLater = { heapMiB: later.heapMiB, rssMiB: later.rssMiB };
    const t0 = Date.now();
    const cpu0 = cpuSeconds(node.pid) ?? 0;
    await sleep(3_000);
    idleCpuPerS = ((cpuSeconds(node.pid) ?? 0) - cpu0) / ((Date.now() - t0) / 1_000);
    const sessions = await HeartbeatSessions.open(node.url, CONNECTIONS, recorders.get('heartbeat'));
    try {
      for (let c = 0; c < cycles; c++) await phase('heartbeat', count, recorders.get('heartbeat'), () => heartbeatAll(sessions, fleet, BATCH));
    } finally {
      sessions.close();
    }
    await phase('discovery read', READS, recorders.get('read'), () => readMany(client, fleet, READS, recorders.get('read')));
    await phase('unregister', count, recorders.get('unregister'), () => wholeFleet(client, fleet, UNREGISTER, BATCH, CONNECTIONS, recorders.get('unregister')));
  } finally {
    client.close();
    await node.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return { instances: count, batch: BATCH, cycles, settleSeconds: Number(settleSeconds.toFixed(1)), idleCpuPercent: Number((idleCpuPerS * 100).toFixed(1)), memory, phases };
}

const runs = [];
for (const size of SIZES) runs.push(await measureSize(size, (t) => process.stderr.write(t)));
const rows = runs.flatMap((r) => r.phases.map((p) => [String(r.instances), p.phase, String(p.operations), p.seconds.toFixed(2), p.cpuUsPerOp.toFixed(2), p.longestStallMs.toFixed(1), p.longestGcMs.toFixed(1), String(p.errors)]));
process.stdout.write(`${formatTable(['instances', 'phase', 'operations', 's', 'CPU µs/op', 'longest stall ms', 'longest GC ms', 'errors'], rows)}\n`);
for (const r of runs) process.stdout.write(`${r.instances} instances: idle CPU ${r.idleCpuPercent} %, after loading heap ${r.memory.afterLoading?.heapMiB} MiB RSS ${r.memory.afterLoading?.rssMiB} MiB, 5 s later heap ${r.memory.fiveSecondsLater?.heapMiB} MiB RSS ${r.memory.fiveSecondsLater?.rssMiB} MiB\n`);
const out = values.out ?? join(ROOT, 'bench-results', `cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify({ node: process.version, startedAt: new Date().toISOString(), runs }, null, 2));
process.stdout.write(`results: ${out}\n`);
