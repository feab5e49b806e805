/**
 * Push fan-out benchmark: N WebSocket subscribers of one service (in worker threads), a node in
 * its own process; each round registers one instance over HTTP and measures, per subscriber,
 * the time from sending the register to receiving the pushed `new` change.
 *
 * The same subscribers are then measured against a bare `ws` server in this process that writes
 * one pre-built frame to every socket. Last, when a C compiler is installed, fanout-floor.c
 * measures the kernel's own floor for the same fan-out (raw writes to loopback TCP sockets, one
 * epoll reader; with one and with two writing threads): what no server on this machine can beat.
 *
 *   npx tsx test/bench/push-fanout.ts [subscribers=2000] [rounds=30]
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const cli = join(import.meta.dirname, '../../src/cli/main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'server', '--port', '0', '--host', '127.0.0.1',
    '--set', 'websocket.maxSessions=100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port !== undefined) {
      child.stdout.resume();
      return { port, stop: () => child.kill('SIGTERM') };
    }
  }
  throw new Error('server exited before listening');
}

function startWorkers(wsUrl: string, subscribers: number, threads = 2): Worker[] {
  return Array.from({ length: threads }, (_, i) =>
    new Worker(new URL('./push-subscriber.mjs', import.meta.url), {
      workerData: { url: wsUrl, count: Math.floor(subscribers / threads) + (i < subscribers % threads ? 1 : 0), serviceId: 'bench.push' },
    }),
  );
}

async function collect(workers: Worker[], sent: Map<string, number>, subscribers: number) {
  const results = await Promise.all(
    workers.map(
      (w) =>
        new Promise<{ received: Array<[string, number[]]>; frameBytes: number }>((resolve) => {
          w.once('message', resolve);
          w.postMessage('report');
        }),
    ),
  );
  for (const w of workers) await w.terminate();
  const byId = new Map<string, number[]>();
  for (const part of results) for (const [id, times] of part.received) byId.set(id, [...(byId.get(id) ?? []), ...times]);
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, t0] of sent) {
    const times = byId.get(id) ?? [];
    for (const t of times) latencies.push(t - t0);
    missing += subscribers - times.length;
  }
  latencies.sort((a, b) => a - b);
  const fmt = (n: number) => Number(n.toFixed(2));
  return {
    frameBytes: Math.max(...results.map((r) => r.frameBytes)),
    deliveries: latencies.length,
    missing,
    latencyMs: { p50: fmt(percentile(latencies, 50)), p90: fmt(percentile(latencies, 90)), p99: fmt(percentile(latencies, 99)), max: fmt(latencies.at(-1) ?? NaN) },
  };
}

const ready = (workers: Worker[]) => Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
/** Rounds run before measuring (JIT, connection pools). */
const WARMUP = 5;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measureArtemis(subscribers: number, rounds: number) {
  const server = await startServer();
  const base = `http://127.0.0.1:${server.port}`;
  const workers = startWorkers(`ws://127.0.0.1:${server.port}/ws/discovery/instance-change`, subscribers);
  await ready(workers);
  const sent = new Map<string, number>();
  for (let r = 0; r < rounds + WARMUP; r++) {
    const id = `r-${r}`;
    const body = JSON.stringify({ instances: [{ regionId: 'default', zoneId: 'default', serviceId: 'bench.push', instanceId: id, url: `http://10.0.0.1:${r}` }] });
    if (r >= WARMUP) sent.set(id, now());
    await fetch(`${base}/api/registry/register.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await pause(150);
  }
  const result = await collect(workers, sent, subscribers);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  server.stop();
  const fanout = metrics.split('\n').filter((l) => /^artemis_ws_push_latency_seconds_(sum|count)/.test(l)).map((l) => Number(l.split(' ')[1]));
  return { ...result, serverChangeToLastSendMs: Number((((fanout[0] ?? 0) / (fanout[1] ?? 1)) * 1000).toFixed(2)) };
}

async function measureBareWs(subscribers: number, rounds: number) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => sockets.push(ws));
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const workers = startWorkers(`ws://127.0.0.1:${port}/`, subscribers);
  await ready(workers);
  const sent = new Map<string, number>();
  for (let r = 0; r < rounds + WARMUP; r++) {
    const id = `r-${r}`;
    const frame = Buffer.from(JSON.stringify({ changeTime: Date.now(), changeType: 'new', instance: { instanceId: id, serviceId: 'bench.push' } }));
    if (r >= WARMUP) sent.set(id, now());
    for (const ws of sockets) ws.send(frame);
    await pause(150);
  }
  const result = await collect(workers, sent, subscribers);
  wss.close();
  return result;
}

/** Kernel floor from fanout-floor.c, or why it was not measured. */
function measureKernelFloor(subscribers: number, rounds: number, frameBytes: number): unknown {
  const binary = join(tmpdir(), `artemis-fanout-floor-${process.pid}`);
  try {
    execFileSync('cc', ['-O2', '-pthread', '-o', binary, join(import.meta.dirname, 'fanout-floor.c')], { stdio: 'ignore' });
  } catch {
    return { skipped: 'no working C compiler (cc)' };
  }
  const run = (senders: number) =>
    JSON.parse(execFileSync(binary, [String(subscribers), String(senders), String(rounds), String(frameBytes)], { encoding: 'utf8' })) as unknown;
  try {
    return { oneWriter: run(1), twoWriters: run(2) };
  } finally {
    rmSync(binary, { force: true });
  }
}

async function main(): Promise<void> {
  const subscribers = Number(process.argv[2] ?? 2000);
  const rounds = Number(process.argv[3] ?? 30);
  const artemis = await measureArtemis(subscribers, rounds);
  const bare = await measureBareWs(subscribers, rounds);
  const kernelFloor = measureKernelFloor(subscribers, rounds, artemis.frameBytes || 500);
  console.log(JSON.stringify({ subscribers, rounds, artemis, bareWsBroadcast: bare, kernelFloor, node: process.version }, null, 2));
}

await main();
