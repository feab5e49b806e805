// Why the latency tail of a saturated node:http server grows faster than its CPU per request.
//
//   node test/bench/tail-probe.mjs --burn-us 400 --connections 50 [--instances 100] [--duration 5] [--threads 2] [--warmup 0] [--slice-ms 0]
//
// Starts a plain node:http server (its own process) that reads each POST body, burns a fixed CPU
// time and answers a short body, then loads it with wrk (closed loop, keep-alive). Besides wrk's
// percentiles it prints what the server saw, to tell the candidate causes apart:
// - turns: event-loop iterations that handled requests, and the requests handled in each;
// - skipped turns: per request, the loop turns between its socket's previous answer and this
//   request (0 or 1 when every ready socket is served each turn; more when sockets are passed over);
// - cycle: per socket, the time from one answer to the next (wrk latency plus wrk's own delay);
// - per-socket share: requests each connection got (fair: all about equal);
// - first answer: per connection, from its accept to the answer of its first request;
// - body chunks per request, and the longest GC pause (PerformanceObserver 'gc');
// - with --trace: every request's own latency as the client saw it, without wrk's correction.
// - with --slice-ms N: request work past N ms of a loop turn waits for the next turn, first come
//   first served (what the node does with http.turnSliceMs).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'burn-us': { type: 'string', default: '400' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    instances: { type: 'string', default: '100' },
    duration: { type: 'string', default: '5' },
    serve: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '0' },
    trace: { type: 'boolean', default: false },
    'slice-ms': { type: 'string', default: '0' },
  },
});

function pct(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function serve(burnUs, sliceMs) {
  // With sliceMs > 0, request work past sliceMs of a loop turn waits in a FIFO for the next turn,
  // so a turn (and the accept of the next waiting connection) never waits longer than that.
  const queue = [];
  let turnStart = -1;
  let draining = false;
  const resetTurn = () => { turnStart = -1; };
  const drain = () => {
    draining = false;
    const start = performance.now();
    while (queue.length > 0 && performance.now() - start < sliceMs) queue.shift()();
    if (queue.length > 0) { draining = true; setImmediate(drain); }
  };
  const admit = (fn) => {
    if (sliceMs <= 0) return fn();
    if (queue.length === 0) {
      const now = performance.now();
      if (turnStart < 0) { turnStart = now; setImmediate(resetTurn); }
      if (now - turnStart < sliceMs) return fn();
    }
    queue.push(fn);
    if (!draining) { draining = true; setImmediate(drain); }
  };
  // A turn ends at the check phase after a poll phase that handled requests (setImmediate armed
  // by the first request of the turn), so an idle loop still blocks in epoll.
  let turn = 0;
  let armed = false;
  const endTurn = () => {
    turn++;
    armed = false;
  };
  const perTurn = new Map();
  const skipped = [];
  const cycles = [];
  const chunks = [];
  const perSocket = new Map();
  const firstAnswers = [];
  let gcMax = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
  }).observe({ entryTypes: ['gc'] });
  let nextId = 0;
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const sock = req.socket;
    sock.probeId ??= nextId++;
    let n = 0;
    req.on('data', () => n++);
    req.on('end', () => admit(() => {
      if (!armed) {
        armed = true;
        setImmediate(endTurn);
      }
      const t = turn;
      perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
      if (sock.lastTurn !== undefined) skipped.push(t - sock.lastTurn);
      chunks.push(n);
      const until = process.hrtime.bigint() + BigInt(burnUs) * 1000n;
      while (process.hrtime.bigint() < until);
      const q = req.url.indexOf('?id=');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2, 'x-id': q < 0 ? '0' : req.url.slice(q + 4) });
      res.end('{}');
      const now = performance.now();
      if (sock.lastAnswer !== undefined) cycles.push(now - sock.lastAnswer);
      else firstAnswers.push(now - sock.connectedAt);
      sock.lastAnswer = now;
      sock.lastTurn = turn;
      perSocket.set(sock.probeId, (perSocket.get(sock.probeId) ?? 0) + 1);
    }));
  });
  const accepts = [];
  server.on('connection', (sock) => {
    sock.connectedAt = performance.now();
    accepts.push(sock.connectedAt);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
  process.on('SIGTERM', () => {
    const turns = [...perTurn.values()].sort((a, b) => a - b);
    const sk = skipped.sort((a, b) => a - b);
    const cy = cycles.sort((a, b) => a - b);
    const share = [...perSocket.values()].sort((a, b) => a - b);
    const ch = chunks.sort((a, b) => a - b);
    const first = firstAnswers.sort((a, b) => a - b);
    process.stdout.write(`${JSON.stringify({
      requestsPerBusyTurn: { p50: pct(turns, 50), p99: pct(turns, 99), max: turns.at(-1) },
      skippedTurns: { p50: pct(sk, 50), p99: pct(sk, 99), max: sk.at(-1) },
      cycleMs: { p50: +pct(cy, 50).toFixed(2), p99: +pct(cy, 99).toFixed(2), max: +(cy.at(-1) ?? 0).toFixed(2) },
      perSocketRequests: { min: share[0], p50: pct(share, 50), max: share.at(-1), sockets: share.length },
      acceptSpreadMs: +((accepts.at(-1) ?? 0) - (accepts[0] ?? 0)).toFixed(2),
      firstAnswerMs: { p50: +pct(first, 50).toFixed(2), max: +(first.at(-1) ?? 0).toFixed(2), sockets: first.length },
      bodyChunks: { p50: pct(ch, 50), max: ch.at(-1) },
      gcMaxMs: +gcMax.toFixed(2),
    })}\n`);
    process.exit(0);
  });
}

// Pairs each request with its answer (the server echoes ?id= as x-id) and times it with
// gettimeofday, as wrk does, but without wrk's coordinated-omission correction; keeps when (µs
// since the thread's first request) each latency ended.
const TRACE_LUA = `
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long s; long us; } probe_tv; int gettimeofday(probe_tv *tv, void *tz); ]]
local tv = ffi.new("probe_tv")
local function now() ffi.C.gettimeofday(tv, nil) return tonumber(tv.s) * 1000000 + tonumber(tv.us) end
local seq, starts, first, body = 0, {}, nil, nil
lat, at = {}, {}
function init(args)
  body = io.open(args[1]):read("*l")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  seq = seq + 1
  local t = now()
  first = first or t
  starts[seq] = t
  return wrk.format(nil, "/?id=" .. seq, nil, body)
end
function response(status, headers, b)
  local id = tonumber(headers["x-id"])
  local t = now()
  lat[#lat + 1] = t - starts[id]
  at[#at + 1] = t - first
  starts[id] = nil
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local out = {}
  for _, th in ipairs(threads) do
    local l, a = th:get("lat"), th:get("at")
    for i = 1, #l do out[#out + 1] = l[i] .. ":" .. a[i] end
  end
  io.write("TRACE " .. table.concat(out, ",") .. "\\n")
end
`;

function body(instances) {
  const list = [];
  for (let i = 0; i < instances; i++) {
    list.push({ regionId: 'local', zoneId: 'zone-1', groupId: 'g', serviceId: `svc-${i % 100}`, instanceId: `inst-${i}`, machineName: `m-${i}`, ip: '10.0.0.1', port: 8080, protocol: 'http', url: `http://10.0.0.1:${8000 + i}/api`, healthCheckUrl: null, status: 'up', metadata: { version: '1.0.0', weight: '100' } });
  }
  return JSON.stringify({ instances: list });
}

async function main() {
  if (values.serve) return serve(Number(values['burn-us']), Number(values['slice-ms']));
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', '--burn-us', values['burn-us'], '--slice-ms', values['slice-ms']], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise((resolve) => child.stdout.on('data', (d) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl >= 0) { resolve(JSON.parse(out.slice(0, nl)).port); out = out.slice(nl + 1); }
  }));
  const dir = mkdtempSync(join(tmpdir(), 'tail-probe-'));
  const file = join(dir, 'bodies.txt');
  writeFileSync(file, `${body(Number(values.instances))}\n`);
  const script = new URL('./wrk-report.lua', import.meta.url).pathname;
  const traceLua = join(dir, 'trace.lua');
  writeFileSync(traceLua, TRACE_LUA);
  const run = (seconds) => spawnSync('wrk', [`-t${values.threads}`, `-c${values.connections}`, `-d${seconds}s`, '--latency', '-s', values.trace ? traceLua : script, `http://127.0.0.1:${port}/`, '--', ...(values.trace ? [file] : ['POST', file])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // A warm-up run leaves the server warm, but the measured run still opens its own connections.
  if (Number(values.warmup) > 0) run(values.warmup);
  const wrk = run(values.duration);
  const lines = wrk.stdout.split('\n');
  const trace = lines.find((l) => l.startsWith('TRACE '));
  if (trace !== undefined) {
    const samples = trace.slice(6).split(',').map((p) => p.split(':').map(Number));
    const sorted = samples.map(([l]) => l / 1000).sort((a, b) => a - b);
    const slow = samples.filter(([l]) => l > 100_000).map(([l, t]) => `${(l / 1000).toFixed(0)} ms ending at ${(t / 1000).toFixed(0)} ms`);
    process.stdout.write(`${JSON.stringify({ uncorrectedMs: { samples: sorted.length, p50: pct(sorted, 50), p99: pct(sorted, 99), max: sorted.at(-1) }, over100ms: slow.slice(0, 20), over100msCount: slow.length })}\n`);
  }
  const p = (k) => Number((wrk.stdout.match(new RegExp(`^\\s+${k}%\\s+([\\d.]+)(us|ms|s)`, 'm')) ?? [])[1] ?? NaN) * ({ us: 1e-3, ms: 1, s: 1e3 }[(wrk.stdout.match(new RegExp(`^\\s+${k}%\\s+[\\d.]+(us|ms|s)`, 'm')) ?? [])[1]] ?? NaN);
  const json = lines.find((l) => l.startsWith('WRK_JSON '));
  const reqLine = wrk.stdout.match(/(\d+) requests in ([\d.]+)s/);
  const w = json !== undefined ? JSON.parse(json.slice(9)) : { requests: Number(reqLine[1]), durationUs: Number(reqLine[2]) * 1e6, latencyUs: { p50: p(50) * 1000, p99: p(99) * 1000, max: NaN } };
  const seen = new Promise((resolve) => child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(JSON.parse(out)); }));
  child.kill('SIGTERM');
  const server = await seen;
  const reqs = w.requests / (w.durationUs / 1e6);
  process.stdout.write(`${JSON.stringify({ burnUs: Number(values['burn-us']), connections: Number(values.connections), instances: Number(values.instances), reqPerSec: Math.round(reqs), wrkMs: { p50: w.latencyUs.p50 / 1000, p99: w.latencyUs.p99 / 1000, max: w.latencyUs.max / 1000 }, server })}\n`);
}

await main();
