/**
 * Replication lag on a local three-node cluster under a steady heartbeat load.
 *
 *   npm run bench:cluster -- [--rate 20000] [--instances 20000] [--seconds 20] [--batch 100] [--dist] [--set key=value]
 *
 * Starts three `artemis server` processes on 127.0.0.1 that join through seeds, registers the
 * fleet spread over the three, then sends `rate` instance-heartbeats per second (each instance
 * to its own node, `batch` instances per request) for `seconds`. Lag is the time from the client
 * write on one node to the peer's acknowledgement, read from the nodes'
 * artemis_replication_lag_seconds histograms of heartbeats (percentiles interpolated inside
 * buckets), counted once the registrations have been replicated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    instances: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '20' },
    batch: { type: 'string', default: '100' },
    set: { type: 'string', multiple: true, default: [] },
    dist: { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate);
const INSTANCES = Number(values.instances);
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);

const root = join(import.meta.dirname, '../..');
const dist = join(root, 'dist/src/cli/main.js');
const useDist = values.dist;
if (useDist && !existsSync(dist)) throw new Error('--dist needs `npm run build` first');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function inst(i: number) {
  return {
    regionId: 'SHA', zoneId: 'z1', serviceId: `bench.svc${i % 100}`, instanceId: `i-${i}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 8080, protocol: 'http', url: `http://10.0.0.1:8080/${i}`, status: 'up', groupId: null, healthCheckUrl: null, machineName: null, metadata: null,
  };
}

async function post(url: string, body: unknown): Promise<{ status: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { responseStatus?: { status?: string } };
  return { status: json.responseStatus?.status ?? `http-${res.status}`, ms: performance.now() - t0 };
}

interface Hist {
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

async function lagHistogram(url: string): Promise<Hist> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const h: Hist = { buckets: new Map(), count: 0, sum: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('artemis_replication_lag_seconds') && !line.includes('operation="heartbeat"')) continue;
    let m = /^artemis_replication_lag_seconds_bucket\{.*le="([^"]+)".*\} (\S+)$/.exec(line);
    if (m !== null) {
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + Number(m[2]));
      continue;
    }
    m = /^artemis_replication_lag_seconds_count\{.*\} (\S+)$/.exec(line);
    if (m !== null) h.count += Number(m[1]);
    m = /^artemis_replication_lag_seconds_sum\{.*\} (\S+)$/.exec(line);
    if (m !== null) h.sum += Number(m[1]);
  }
  return h;
}

function minus(a: Hist, b: Hist): Hist {
  const buckets = new Map<number, number>();
  for (const [le, n] of a.buckets) buckets.set(le, n - (b.buckets.get(le) ?? 0));
  return { buckets, count: a.count - b.count, sum: a.sum - b.sum };
}

function add(a: Hist, b: Hist): Hist {
  const buckets = new Map(a.buckets);
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  return { buckets, count: a.count + b.count, sum: a.sum + b.sum };
}

/** Percentile from cumulative buckets, interpolated linearly inside the bucket. */
function percentile(h: Hist, q: number): number {
  const target = q * h.count;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of [...h.buckets].sort((x, y) => x[0] - y[0])) {
    if (n >= target) {
      if (!Number.isFinite(le)) return prevLe * 1000;
      const frac = n === prevN ? 0 : (target - prevN) / (n - prevN);
      return (prevLe + frac * (le - prevLe)) * 1000;
    }
    prevLe = le;
    prevN = n;
  }
  return NaN;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const dir = mkdtempSync(join(tmpdir(), 'artemis-cluster-bench-'));
  const key = randomBytes(32).toString('hex');
  const children: ChildProcess[] = urls.map((url, i) =>
    spawn(
      process.execPath,
      [...(useDist ? [dist] : ['--import', 'tsx', join(root, 'src/cli/main.ts')]), 'server', '--port', String(ports[i]), '--host', '127.0.0.1',
        '--advertise-url', url, '--node-id', `bench-${i}`, '--region', 'SHA', '--zone', 'z1', '--data-dir', join(dir, `n${i}`),
        '--seeds', urls.join(','), '--log-level', 'warn', ...values.set.flatMap((kv) => ['--set', kv])],
      // Each run has a key of its own, as cluster/start.sh makes one.
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ARTEMIS_CLUSTER_KEY: key } },
    ),
  );
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  try {
    for (const url of urls) {
      for (let t = 0; ; t++) {
        try {
          if ((await fetch(`${url}/ready`)).status === 200) break;
        } catch {
          /* not listening yet */
        }
        if (t > 300) throw new Error(`${url} did not become ready`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await new Promise((r) => setTimeout(r, 1_500)); // membership settles
    console.log(`three nodes ready (${useDist ? 'dist build' : 'tsx'}); registering ${INSTANCES} instances`);
    const batches: Array<{ node: string; ids: number[] }> = [];
    for (let n = 0; n < 3; n++) {
      const ids = Array.from({ length: INSTANCES }, (_, i) => i).filter((i) => i % 3 === n);
      for (let i = 0; i < ids.length; i += BATCH) batches.push({ node: urls[n] as string, ids: ids.slice(i, i + BATCH) });
    }
    for (let i = 0; i < batches.length; i += 10) {
      await Promise.all(batches.slice(i, i + 10).map((b) => post(`${b.node}/api/registry/register.json`, { instances: b.ids.map(inst) })));
    }
    // Registrations are replicated before the heartbeat phase starts.
    for (;;) {
      const texts = await Promise.all(urls.map(async (u) => (await fetch(`${u}/metrics`)).text()));
      const queued = texts.flatMap((t) => t.split('\n')).filter((l) => l.startsWith('artemis_replication_queue_depth{')).reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      if (queued === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const before = await Promise.all(urls.map(lagHistogram));
    const cpu0 = children.map((c) => cpuSeconds(c.pid as number));
    const bodies = batches.map((b) => ({ url: `${b.node}/api/registry/heartbeat.json`, body: JSON.stringify({ instances: b.ids.map(inst) }) }));
    const perSecond = RATE / BATCH;
    const latencies: number[] = [];
    let failed = 0;
    let sent = 0;
    const started = performance.now();
    const inflight = new Set<Promise<void>>();
    console.log(`heartbeats: ${RATE}/s in requests of ${BATCH} for ${SECONDS}s`);
    for (let k = 0; performance.now() - started < SECONDS * 1000; k++) {
      const due = started + (k * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const b = bodies[k % bodies.length] as { url: string; body: string };
      const t0 = performance.now();
      const p = fetch(b.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b.body })
        .then(async (res) => {
          const json = (await res.json()) as { responseStatus?: { status?: string } };
          if (json.responseStatus?.status !== 'success') failed++;
          latencies.push(performance.now() - t0);
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      sent++;
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1_000)); // last batches acknowledged
    const after = await Promise.all(urls.map(lagHistogram));
    const cpu = children.map((c, i) => cpuSeconds(c.pid as number) - (cpu0[i] as number));
    const total = after.map((a, i) => minus(a, before[i] as Hist)).reduce(add);
    latencies.sort((x, y) => x - y);
    const lq = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
    const result = {
      heartbeatsPerSecond: Math.round((sent * BATCH) / elapsed),
      requests: sent,
      failedRequests: failed,
      clientLatencyMs: { p50: Number(lq(0.5)), p99: Number(lq(0.99)) },
      replicationAcks: total.count,
      replicationLagMs: {
        p50: Number(percentile(total, 0.5).toFixed(1)),
        p90: Number(percentile(total, 0.9).toFixed(1)),
        p99: Number(percentile(total, 0.99).toFixed(1)),
        mean: Number(((total.sum / total.count) * 1000).toFixed(1)),
      },
      nodeCpuPercent: cpu.map((s) => Math.round((100 * s) / elapsed)),
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.env['BENCH_DEBUG'] !== undefined) {
      const text = await (await fetch(`${urls[0]}/metrics`)).text();
      console.log(text.split('\n').filter((l) => /^artemis_replication_(dropped|retries|failures|batch_size_(sum|count))|^artemis_anti_entropy|nodejs_gc_duration_seconds_(sum|count)|eventloop_lag_p99/.test(l)).join('\n'));
    }
  } finally {
    stop();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
