/**
 * `npm run bench:compare`: the same HTTP load, in alternating rounds within one run, against
 *   - an Artemis node in its own process (built like `npm start`, or the sources with tsx),
 *   - a bare node:http server in its own process answering the bytes Artemis answered,
 *   - etcd through its JSON gateway, when an `etcd` binary is installed (the equivalent calls);
 * then heartbeats over WebSocket against the node (the `artemis bench heartbeat-ws` scenario).
 * Variants (`--variant`) are further Artemis nodes in the same rounds: another checkout's build
 * (the code before a change) or other settings, compared with the first node run by run.
 * Prints throughput, P50/P99 and the ratios ours / bare node and ours / etcd, checks them
 * against the performance targets, and writes everything to bench-results/compare-<time>.json.
 */
import { readFileSync, readdirSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../../src/cli/bench/report.js';
import { runBench } from '../../src/cli/bench/run.js';
import { STALL_POLL_MS, readServerSample } from '../../src/cli/bench/server-metrics.js';
import { formatTable } from '../../src/cli/common.js';
import { nodeGenerator, wrkGenerator, type Generator, type LoadResult, type LoadSpec } from './compare-load.js';
import { formatHot, hotFunctions } from './cpuprofile-top.js';
import { ROOT, cpuSeconds, parseVariant, startArtemis, startBare, startEtcd, type ArtemisMode, type ArtemisVariant, type CapturedResponse, type Missing, type ServerProcess } from './compare-targets.js';

const USAGE = `Usage: npm run bench:compare -- [options]

Alternating rounds of the same load against an Artemis node, a bare node:http server answering
the same bytes, and etcd (when installed). wrk drives the load when installed, otherwise the
artemis bench HTTP generator in this process.

Options:
  --duration <s>       seconds of each measured run                    [5]
  --rounds <n>         rounds (each runs every scenario on every target) [2]
  --warmup <s>         untimed run of each scenario and target first    [1]
  --connections <n>    connections kept busy                            [50]
  --threads <n>        wrk threads; equal to --connections, the wrk script also
                       times each request without wrk's correction     [--connections]
  --generator <g>      auto | wrk | node                                [auto]
  --server <m>         built (npm run build, then node dist/...) | tsx  [built]
  --scenarios <list>   discovery,heartbeat,register,register-batch      [all]
  --ws-duration <s>    seconds of the WebSocket heartbeat run per round; 0 = skip  [--duration]
  --no-etcd            leave etcd out
  --variant <name=spec>  another Artemis node in the same rounds, compared with the first;
                       spec: an optional directory (a checkout with its own npm run build),
                       then --set key=value items, space-separated; repeatable. A variant
                       from another directory gets only its own --set items. Examples:
                       --variant 'before=../base --set rateLimit.registry.defaultLimit=100000000'
                       --variant 'cidr=--set security.register.allowedCidrs=127.0.0.0/8'
  --profile            write a V8 CPU profile of the node (bench-results/profile-<time>/)
  --out <file>         results file                                    [bench-results/compare-<time>.json]
  -h, --help           show this help
`;

interface Options {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  threads: number;
  generator: 'auto' | 'wrk' | 'node';
  server: ArtemisMode;
  scenarios: string[];
  wsDurationS: number;
  etcd: boolean;
  variants: ArtemisVariant[];
  profile: boolean;
  out: string | undefined;
}

const log = (text: string) => process.stderr.write(text);

function options(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      generator: { type: 'string' },
      server: { type: 'string' },
      scenarios: { type: 'string' },
      'ws-duration': { type: 'string' },
      'no-etcd': { type: 'boolean' },
      variant: { type: 'string', multiple: true },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return null;
  const num = (raw: string | undefined, fallback: number, min: number, name: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
    return n;
  };
  const generator = values.generator ?? 'auto';
  if (generator !== 'auto' && generator !== 'wrk' && generator !== 'node') throw new Error('--generator: auto, wrk or node');
  const server = values.server ?? 'built';
  if (server !== 'built' && server !== 'tsx') throw new Error('--server: built or tsx');
  const scenarios = (values.scenarios ?? SCENARIO_IDS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of scenarios) if (!SCENARIO_IDS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIO_IDS.join(', ')}`);
  const durationS = num(values.duration, 5, 1, 'duration');
  return {
    durationS,
    rounds: Math.floor(num(values.rounds, 2, 1, 'rounds')),
    warmupS: num(values.warmup, 1, 0, 'warmup'),
    connections: Math.floor(num(values.connections, 50, 1, 'connections')),
    threads: Math.floor(num(values.threads, Math.floor(num(values.connections, 50, 1, 'connections')), 1, 'threads')),
    generator,
    server,
    scenarios,
    wsDurationS: num(values['ws-duration'], durationS, 0, 'ws-duration'),
    etcd: values['no-etcd'] !== true,
    variants: variantsOf(values.variant ?? []),
    profile: values.profile === true,
    out: values.out,
  };
}

function variantsOf(specs: string[]): ArtemisVariant[] {
  const list = specs.map(parseVariant);
  const names = new Set<string>();
  for (const v of list) {
    if (names.has(v.name)) throw new Error(`--variant ${v.name} given twice`);
    names.add(v.name);
  }
  return list;
}

// ------------------------------------------------------------------ the data every target gets

const REGION = 'default';
const ZONE = 'default';
const DISCOVERY_SERVICE = 'bench.compare.discovery';
const DISCOVERY_INSTANCES = 10;
const HEARTBEAT_FLEET = 1_000;
const REGISTER_FLEET = 10_000;
const REGISTER_BATCH = 100;
const ETCD_PREFIX = '/artemis/instances/';

interface BenchInstance {
  regionId: string;
  zoneId: string;
  serviceId: string;
  instanceId: string;
  ip: string;
  port: number;
  protocol: string;
  status: string;
  url: string;
  metadata: null;
}

function benchInstance(serviceId: string, i: number): BenchInstance {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return { regionId: REGION, zoneId: ZONE, serviceId, instanceId: `${ip}:8080`, ip, port: 8080, protocol: 'http', status: 'up', url: `http://${ip}:8080/`, metadata: null };
}

const discoveryFleet = Array.from({ length: DISCOVERY_INSTANCES }, (_, i) => benchInstance(DISCOVERY_SERVICE, i));
const heartbeatFleet = Array.from({ length: HEARTBEAT_FLEET }, (_, i) => benchInstance(`bench.compare.hb.s${i % 10}`, i));
const registerFleet = Array.from({ length: REGISTER_FLEET }, (_, i) => benchInstance(`bench.compare.reg.s${i % 100}`, i));

const registryBody = (instances: BenchInstance[]) => JSON.stringify({ instances });
const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
const b64 = (s: string) => Buffer.from(s).toString('base64');
const etcdKey = (i: BenchInstance) => `${ETCD_PREFIX}${i.serviceId}/${i.instanceId}`;

function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  bytes[bytes.length - 1]! += 1;
  return bytes.toString('base64');
}

const DISCOVERY_PATH = `/api/discovery/service.json?serviceId=${DISCOVERY_SERVICE}&regionId=${REGION}&zoneId=${ZONE}`;

// ------------------------------------------------------------------ plain HTTP helpers

/** One request over node:http (no Accept-Encoding, as the load generators send none). */
function capture(base: string, method: 'GET' | 'POST', path: string, body?: string): Promise<CapturedResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const kept: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k) || v === undefined) continue;
          kept[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 0, headers: kept, body: Buffer.concat(parts) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function postJson<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await capture(base, 'POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString()) as T;
}

async function registry(base: string, op: 'register' | 'heartbeat' | 'unregister', instances: BenchInstance[]): Promise<void> {
  for (const part of chunks(instances, 1_000)) {
    const answer = await postJson<{ responseStatus: { errorCode: string } }>(base, `/api/registry/${op}.json`, registryBody(part));
    if (answer.responseStatus.errorCode !== 'success') throw new Error(`${op}: ${JSON.stringify(answer)}`);
  }
}

/** Reads the node's stall gauge every STALL_POLL_MS until stopped; resolves with the longest stall seen (ms). */
function watchStalls(base: string): () => Promise<number | undefined> {
  let longest: number | undefined;
  let reading: Promise<void> = Promise.resolve();
  const read = () => {
    reading = capture(base, 'GET', '/metrics').then(
      (res) => void (longest = Math.max(longest ?? 0, readServerSample(res.body.toString()).maxStallMs)),
      () => undefined,
    );
  };
  const timer = setInterval(read, STALL_POLL_MS);
  return async () => {
    clearInterval(timer);
    await reading;
    read();
    await reading;
    return longest === undefined ? undefined : r2(longest);
  };
}

/** Instances processed by registry operations with another result than ok, from /metrics. */
async function registryFailures(base: string): Promise<Record<string, number>> {
  const text = (await capture(base, 'GET', '/metrics')).body.toString();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^artemis_registry_operations_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m === null) continue;
    const result = /result="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    const operation = /operation="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    if (result !== 'ok') out[`${operation}:${result}`] = (out[`${operation}:${result}`] ?? 0) + Number(m[2]);
  }
  return out;
}

// ------------------------------------------------------------------ scenarios

/** 'artemis', 'bare', 'etcd' or the name of a variant (another Artemis node). */
type TargetName = string;
type SideName = 'artemis' | 'bare' | 'etcd';

interface Side {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  bodies?: string[];
  /** Instances one request handles. */
  units: number;
}

interface Scenario {
  id: string;
  title: string;
  /** What each kind of target gets; every variant gets the `artemis` side. */
  sides: Partial<Record<SideName, Side>>;
  /** Untimed work on the node after each of its runs. */
  afterArtemis?: (base: string) => Promise<void>;
}

const SCENARIO_IDS = ['discovery', 'heartbeat', 'register', 'register-batch'];

interface EtcdData {
  leases: string[];
}

function scenarios(etcd: EtcdData | null): Scenario[] {
  const hbBodies = heartbeatFleet.map((i) => registryBody([i]));
  const regBodies = registerFleet.map((i) => registryBody([i]));
  const regBatches = chunks(registerFleet, REGISTER_BATCH).map(registryBody);
  const unregister = (base: string) => registry(base, 'unregister', registerFleet);
  const lease = (n: number) => etcd!.leases[n % etcd!.leases.length]!;
  const put = (i: BenchInstance, n: number) => ({ key: b64(etcdKey(i)), value: b64(JSON.stringify(i)), lease: lease(n) });
  const list: Scenario[] = [
    {
      id: 'discovery',
      title: `discovery read, ${DISCOVERY_INSTANCES}-instance service`,
      sides: {
        artemis: { label: 'GET service.json', method: 'GET', path: DISCOVERY_PATH, units: 1 },
        bare: { label: 'GET, same bytes', method: 'GET', path: DISCOVERY_PATH, units: 1 },
        ...(etcd && {
          etcd: {
            label: `range, ${DISCOVERY_INSTANCES}-key prefix`,
            method: 'POST',
            path: '/v3/kv/range',
            bodies: [JSON.stringify({ key: b64(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`), range_end: prefixEnd(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`) })],
            units: 1,
          },
        }),
      },
    },
    {
      id: 'heartbeat',
      title: `HTTP heartbeat, 1 instance per POST (${HEARTBEAT_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: 'POST heartbeat.json', method: 'POST', path: '/api/registry/heartbeat.json', bodies: hbBodies, units: 1 },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/heartbeat.json', bodies: hbBodies, units: 1 },
        ...(etcd && {
          etcd: { label: 'lease keep-alive, 1 lease per POST', method: 'POST', path: '/v3/lease/keepalive', bodies: etcd.leases.map((id) => JSON.stringify({ ID: id })), units: 1 },
        }),
      },
    },
    {
      id: 'register',
      title: `registration, 1 instance per POST (${REGISTER_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: 'POST register.json', method: 'POST', path: '/api/registry/register.json', bodies: regBodies, units: 1 },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/register.json', bodies: regBodies, units: 1 },
        ...(etcd && {
          etcd: { label: 'put with lease, 1 key per POST', method: 'POST', path: '/v3/kv/put', bodies: registerFleet.map((i, n) => JSON.stringify(put(i, n))), units: 1 },
        }),
      },
      afterArtemis: unregister,
    },
    {
      id: 'register-batch',
      title: `registration, ${REGISTER_BATCH} instances per POST (${REGISTER_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: `POST register.json ×${REGISTER_BATCH}`, method: 'POST', path: '/api/registry/register.json', bodies: regBatches, units: REGISTER_BATCH },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/register.json', bodies: regBatches, units: REGISTER_BATCH },
        ...(etcd && {
          etcd: {
            label: `txn of ${REGISTER_BATCH} puts with lease`,
            method: 'POST',
            path: '/v3/kv/txn',
            bodies: chunks(registerFleet, REGISTER_BATCH).map((part, c) => JSON.stringify({ success: part.map((i, k) => ({ request_put: put(i, c * REGISTER_BATCH + k) })) })),
            units: REGISTER_BATCH,
          },
        }),
      },
      afterArtemis: unregister,
    },
  ];
  return list;
}

// ------------------------------------------------------------------ setup

/** Registers the fleets the scenarios read and heartbeat; captures the answers the bare server repeats. */
async function prepareArtemis(base: string): Promise<Record<string, CapturedResponse>> {
  await registry(base, 'register', [...discoveryFleet, ...heartbeatFleet]);
  await new Promise((r) => setTimeout(r, 200));
  const service = await capture(base, 'GET', DISCOVERY_PATH);
  const parsed = JSON.parse(service.body.toString()) as { service: { instances: unknown[] | null } };
  if (service.status !== 200 || parsed.service.instances?.length !== DISCOVERY_INSTANCES) throw new Error(`service.json: unexpected answer ${service.body.toString().slice(0, 300)}`);
  const heartbeat = await capture(base, 'POST', '/api/registry/heartbeat.json', registryBody([heartbeatFleet[0]!]));
  const register = await capture(base, 'POST', '/api/registry/register.json', registryBody([registerFleet[0]!]));
  for (const [name, r] of [['heartbeat', heartbeat], ['register', register]] as const) {
    if (!r.body.toString().includes('"errorCode":"success"')) throw new Error(`${name}: unexpected answer ${r.body.toString()}`);
  }
  await registry(base, 'unregister', [registerFleet[0]!]);
  return {
    'GET /api/discovery/service.json': service,
    'POST /api/registry/heartbeat.json': heartbeat,
    'POST /api/registry/register.json': register,
  };
}

/** Grants the leases (TTL 10 min, so none lapses between rounds) and writes the ten keys the range reads. */
async function prepareEtcd(base: string): Promise<EtcdData> {
  const leases: string[] = [];
  for (const part of chunks(Array.from({ length: HEARTBEAT_FLEET }, (_, i) => i), 50)) {
    const granted = await Promise.all(part.map(() => postJson<{ ID: string }>(base, '/v3/lease/grant', { TTL: 600 })));
    leases.push(...granted.map((g) => g.ID));
  }
  for (const [n, i] of discoveryFleet.entries()) await postJson(base, '/v3/kv/put', { key: b64(etcdKey(i)), value: b64(JSON.stringify(i)), lease: leases[n] });
  const range = await postJson<{ count?: string }>(base, '/v3/kv/range', { key: b64(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`), range_end: prefixEnd(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`) });
  if (range.count !== String(DISCOVERY_INSTANCES)) throw new Error(`etcd range: expected ${DISCOVERY_INSTANCES} keys, got ${JSON.stringify(range)}`);
  const kept = await postJson<{ result?: { TTL?: string } }>(base, '/v3/lease/keepalive', { ID: leases[0] });
  if (!(Number(kept.result?.TTL) > 0)) throw new Error(`etcd keep-alive: unexpected answer ${JSON.stringify(kept)}`);
  return { leases };
}

// ------------------------------------------------------------------ running and summing up

interface Run extends LoadResult {
  round: number;
  /** CPU of the server process over the run, in % of one core. */
  serverCpuPercent: number | null;
  /** CPU time of the server process per completed request, in µs: unlike req/s, barely moved by other load on the machine. */
  serverCpuUsPerRequest: number | null;
  /** Node only: instances a registry operation did not apply (from /metrics). */
  registryFailures?: Record<string, number>;
  /** Node only: longest event-loop stall during the run (ms), from its stall gauge read every half second. */
  longestStallMs?: number;
}

interface Summary {
  label: string;
  units: number;
  rounds: number;
  rps: number;
  unitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  worstP99Ms: number;
  /** Median over the rounds of the P99 of every request's own latency (no correction); null when not timed. */
  p99UncorrectedMs: number | null;
  errors: number;
  serverCpuPercent: number | null;
  /** Median over the rounds. */
  serverCpuUsPerRequest: number | null;
  generatorCpuPercent: number | null;
  /** Longest event-loop stall of any round (ms); null when not read. */
  longestStallMs: number | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const r2 = (n: number) => Number(n.toFixed(2));
const nonNull = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);

function summarise(side: Side, runs: Run[]): Summary {
  const cpu = nonNull(runs.map((r) => r.serverCpuPercent));
  const cpuPerRequest = nonNull(runs.map((r) => r.serverCpuUsPerRequest));
  const gen = nonNull(runs.map((r) => r.generatorCpuPercent));
  const failures = runs.reduce((n, r) => n + Object.values(r.registryFailures ?? {}).reduce((a, b) => a + b, 0), 0);
  const rps = median(runs.map((r) => r.rps));
  const stalls = nonNull(runs.map((r) => r.longestStallMs ?? null));
  const uncorrected = nonNull(runs.map((r) => r.uncorrectedMs?.p99 ?? null));
  return {
    label: side.label,
    units: side.units,
    rounds: runs.length,
    rps: Math.round(rps),
    unitsPerSecond: Math.round(rps * side.units),
    p50Ms: r2(median(runs.map((r) => r.latencyMs.p50))),
    p99Ms: r2(median(runs.map((r) => r.latencyMs.p99))),
    worstP99Ms: r2(Math.max(...runs.map((r) => r.latencyMs.p99))),
    p99UncorrectedMs: uncorrected.length === 0 ? null : r2(median(uncorrected)),
    errors: runs.reduce((n, r) => n + r.errors, 0) + failures,
    serverCpuPercent: cpu.length === 0 ? null : Math.round(mean(cpu)),
    serverCpuUsPerRequest: cpuPerRequest.length === 0 ? null : Number(median(cpuPerRequest).toFixed(1)),
    generatorCpuPercent: gen.length === 0 ? null : Math.round(mean(gen)),
    longestStallMs: stalls.length === 0 ? null : Math.max(...stalls),
  };
}

interface WsRun {
  round: number;
  instancesPerSecond: number;
  framesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  generatorCpuPercent: number;
  generatorSaturated: boolean;
  serverCpuPercent: number | null;
}

interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean | null;
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : r2(a / b);
}

function checks(results: Record<string, Partial<Record<TargetName, Summary>>>, ws: WsRun[], etcdMissing: string | null): TargetCheck[] {
  const out: TargetCheck[] = [];
  /** Throughput at least `minRatio` of the bare server's, P99 at most `p99Factor` times the bare server's. */
  const vsBare = (id: string, title: string, minRatio: number, p99Factor: number) => {
    const ours = results[id]?.artemis;
    const bare = results[id]?.bare;
    if (ours === undefined || bare === undefined) return out.push({ target: title, measured: 'not run', holds: null });
    const k = ours.rps / bare.rps;
    const p = ours.p99Ms / bare.p99Ms;
    out.push({
      target: title,
      measured: `${r2(k)}x bare (${ours.rps.toLocaleString('en-US')} vs ${bare.rps.toLocaleString('en-US')} req/s), P99 ${ours.p99Ms} vs ${bare.p99Ms} ms (${r2(p)}x; uncorrected ${ours.p99UncorrectedMs ?? '-'} vs ${bare.p99UncorrectedMs ?? '-'} ms)`,
      holds: k >= minRatio && p <= p99Factor,
    });
  };
  vsBare('discovery', "discovery GET >= 0.9x bare node:http, P99 <= 1.5x bare's", 0.9, 1.5);
  vsBare('heartbeat', "HTTP heartbeat >= 0.75x bare node:http, P99 <= 1.5x bare's", 0.75, 1.5);
  if (ws.length === 0) out.push({ target: 'WebSocket heartbeats >= 150,000 instance-heartbeats/s', measured: 'not run', holds: null });
  else {
    const v = Math.round(median(ws.map((w) => w.instancesPerSecond)));
    const saturated = ws.some((w) => w.generatorSaturated) ? ' (generator saturated)' : '';
    out.push({ target: 'WebSocket heartbeats >= 150,000 instance-heartbeats/s', measured: `${v.toLocaleString('en-US')}/s${saturated}`, holds: v >= 150_000 });
  }
  const reg = results['register-batch']?.artemis;
  out.push({ target: 'registrations >= 30,000 instances/s', measured: reg === undefined ? 'not run' : `${reg.unitsPerSecond.toLocaleString('en-US')}/s (batches of ${REGISTER_BATCH})`, holds: reg === undefined ? null : reg.unitsPerSecond >= 30_000 });
  const vsEtcd = (id: string, title: string, minRatio: number) => {
    const ours = results[id]?.artemis;
    const etcd = results[id]?.etcd;
    if (ours === undefined || etcd === undefined) return out.push({ target: title, measured: etcdMissing ?? 'not run', holds: null });
    const k = ours.unitsPerSecond / etcd.unitsPerSecond;
    out.push({ target: title, measured: `${r2(k)}x etcd, P99 ${ours.p99Ms} vs ${etcd.p99Ms} ms (uncorrected ${ours.p99UncorrectedMs ?? '-'} vs ${etcd.p99UncorrectedMs ?? '-'} ms)`, holds: k >= minRatio && ours.p99Ms < etcd.p99Ms });
  };
  vsEtcd('heartbeat', 'vs etcd: >= 3x lease keep-alive throughput at lower P99', 3);
  vsEtcd('discovery', 'vs etcd: >= 5x range-read throughput at lower P99', 5);
  return out;
}

/** One row per scenario and variant: its median req/s and CPU per request against the first node's. */
function variantComparison(
  plan: Scenario[],
  summaries: Record<string, Partial<Record<TargetName, Summary>>>,
  names: string[],
  wsOf: (name: string) => number | undefined,
  wsArtemis: number | undefined,
): Array<Array<string | number | null>> {
  const rows: Array<Array<string | number | null>> = [];
  for (const name of names) {
    for (const scenario of plan) {
      const s = summaries[scenario.id] ?? {};
      const v = s[name];
      const a = s['artemis'];
      rows.push([
        scenario.id,
        name,
        `${fmtN(v?.rps)} / ${fmtN(a?.rps)} = ${ratio(v?.rps, a?.rps) ?? '-'}`,
        `${v?.serverCpuUsPerRequest ?? '-'} / ${a?.serverCpuUsPerRequest ?? '-'}`,
        ratio(v?.serverCpuUsPerRequest ?? undefined, a?.serverCpuUsPerRequest ?? undefined),
        `${v?.p99Ms ?? '-'} / ${a?.p99Ms ?? '-'} / ${s['bare']?.p99Ms ?? '-'}`,
      ]);
    }
    const w = wsOf(name);
    if (w !== undefined) rows.push(['heartbeat-ws', name, `${fmtN(w)} / ${fmtN(wsArtemis)} = ${ratio(w, wsArtemis) ?? '-'} (instance-heartbeats/s)`, '-', null, '-']);
  }
  return rows;
}

function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  return {
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
  };
}

const fmtN = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  let opts: Options | null;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    log(`bench:compare: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const startLoad = loadavg().map((n) => r2(n));
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  const profileDir = opts.profile ? join(resultsDir, `profile-${stamp}`) : undefined;
  const notes: string[] = [];

  let generator: Generator;
  const wrk = opts.generator === 'node' ? null : wrkGenerator(workDir);
  if (wrk !== null) generator = wrk;
  else {
    if (opts.generator === 'wrk') {
      log('bench:compare: --generator wrk, but no wrk on PATH (Debian: apt-get install wrk)\n');
      return 2;
    }
    generator = nodeGenerator();
    if (opts.generator === 'auto') notes.push('wrk is not installed (Debian: apt-get install wrk): the artemis bench HTTP generator ran in this process instead; it is single-threaded and may saturate before the servers do.');
  }
  log(`generator: ${generator.description}\n`);

  const servers: ServerProcess[] = [];
  const stopAll = () => Promise.all(servers.map((s) => s.stop()));
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let keeper: NodeJS.Timeout | undefined;
  try {
    // one loopback client registers the whole fleet as fast as it can: the per-client capacity
    // limits are off here (heartbeats and discovery reads never count against them)
    const shared = ['rateLimit.registry.defaultLimit=100000000', 'limits.maxInstancesPerClient=0', 'limits.maxRegistrationsPerClientPerSecond=0'];
    const artemis = await startArtemis({ mode: opts.server, settings: shared, profileDir, log });
    servers.push(artemis);
    log(`artemis: ${artemis.url} (${artemis.description})\n`);
    const routes = await prepareArtemis(artemis.url);
    const variants: Array<ServerProcess & { variant: ArtemisVariant }> = [];
    for (const v of opts.variants) {
      // built once above when it is this checkout's build
      const mode = v.root === undefined && opts.server === 'built' ? 'built' : opts.server;
      const started = await startArtemis({ mode, ...(v.root !== undefined && { root: v.root }), settings: v.root === undefined ? [...shared, ...v.settings] : v.settings, log, skipBuild: true });
      servers.push(started);
      variants.push({ ...started, name: v.name, variant: v });
      log(`${v.name}: ${started.url} (${started.description})\n`);
      await prepareArtemis(started.url);
    }
    const artemisTargets: Array<ServerProcess & { name: TargetName }> = [artemis, ...variants];
    const isArtemis = (target: TargetName) => target !== 'bare' && target !== 'etcd';
    // Keep the read and heartbeat fleets alive as clients would (every 5 s), whatever the rounds take.
    keeper = setInterval(() => {
      for (const a of artemisTargets) void registry(a.url, 'heartbeat', [...discoveryFleet, ...heartbeatFleet]).catch((err: unknown) => log(`keep-alive heartbeat of ${a.name} failed: ${String(err)}\n`));
    }, 5_000);
    const bare = await startBare(routes, workDir);
    servers.push(bare);
    log(`bare: ${bare.url}\n`);
    let etcdMissing: string | null = null;
    let etcd: (ServerProcess & { version: string }) | null = null;
    let etcdData: EtcdData | null = null;
    if (opts.etcd) {
      const started: (ServerProcess & { version: string }) | Missing = await startEtcd(log);
      if ('missing' in started) etcdMissing = started.missing;
      else {
        servers.push(started);
        etcd = started;
        etcdData = await prepareEtcd(started.url);
        log(`etcd: ${started.url} (${started.version})\n`);
      }
    } else etcdMissing = 'left out (--no-etcd)';
    if (etcdMissing !== null) notes.push(`etcd column empty: ${etcdMissing}.`);

    const byName: Record<TargetName, ServerProcess | null> = { artemis, bare, etcd };
    for (const v of variants) byName[v.name] = v;
    const TARGETS: TargetName[] = ['artemis', ...variants.map((v) => v.name), 'bare', 'etcd'];
    const sideOf = (scenario: Scenario, target: TargetName): Side | undefined => scenario.sides[isArtemis(target) ? 'artemis' : (target as SideName)];
    const plan = scenarios(etcdData).filter((s) => opts.scenarios.includes(s.id));
    const runs: Record<string, Partial<Record<TargetName, Run[]>>> = {};
    const wsBy: Record<TargetName, WsRun[]> = Object.fromEntries(artemisTargets.map((a) => [a.name, []]));
    const ws = wsBy['artemis']!;
    const loadOpts = (durationS: number) => ({ durationS, connections: opts.connections, threads: opts.threads, timeoutMs: 5_000 });

    const runOne = async (scenario: Scenario, target: TargetName, durationS: number, round: number): Promise<Run | null> => {
      const server = byName[target];
      const side = sideOf(scenario, target);
      if (server === null || server === undefined || side === undefined) return null;
      const spec: LoadSpec = { key: `${scenario.id}:${target}`, base: server.url, method: side.method, path: side.path, ...(side.bodies && { bodies: side.bodies }) };
      const failuresBefore = isArtemis(target) ? await registryFailures(server.url) : undefined;
      const cpu0 = cpuSeconds(server.pid);
      const t0 = performance.now();
      const stalls = isArtemis(target) ? watchStalls(server.url) : undefined;
      const result = await generator.run(spec, loadOpts(durationS));
      const elapsed = (performance.now() - t0) / 1000;
      const longestStallMs = await stalls?.();
      const cpu1 = cpuSeconds(server.pid);
      const known = cpu0 !== null && cpu1 !== null;
      const run: Run = {
        ...result,
        round,
        serverCpuPercent: known ? Math.round(((cpu1 - cpu0) / elapsed) * 100) : null,
        serverCpuUsPerRequest: known && result.requests > 0 ? Number((((cpu1 - cpu0) * 1e6) / result.requests).toFixed(1)) : null,
        ...(longestStallMs !== undefined && { longestStallMs }),
      };
      if (failuresBefore !== undefined) {
        const after = await registryFailures(server.url);
        const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (failuresBefore[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
        if (Object.keys(diff).length > 0) run.registryFailures = diff;
      }
      if (isArtemis(target)) await scenario.afterArtemis?.(server.url);
      await new Promise((r) => setTimeout(r, 500));
      return run;
    };

    if (opts.warmupS > 0) {
      log(`warm-up: ${opts.warmupS} s per scenario and target\n`);
      for (const scenario of plan) for (const target of TARGETS) await runOne(scenario, target, opts.warmupS, 0);
    }
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? TARGETS : [...TARGETS].reverse();
      for (const scenario of plan) {
        for (const target of order) {
          const run = await runOne(scenario, target, opts.durationS, round);
          if (run === null) continue;
          ((runs[scenario.id] ??= {})[target] ??= []).push(run);
          log(`[round ${round}/${opts.rounds}] ${scenario.id} ${target}: ${fmtN(run.rps)} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (uncorrected ${run.uncorrectedMs?.p99 ?? '-'} ms), errors ${run.errors}${run.registryFailures ? ` ${JSON.stringify(run.registryFailures)}` : ''}${run.longestStallMs !== undefined ? `, longest stall ${run.longestStallMs} ms` : ''}, server CPU ${run.serverCpuPercent ?? '-'} % (${run.serverCpuUsPerRequest ?? '-'} µs/request), generator CPU ${run.generatorCpuPercent ?? '-'} %\n`);
        }
      }
      for (const target of opts.wsDurationS > 0 ? (round % 2 === 1 ? artemisTargets : [...artemisTargets].reverse()) : []) {
        const cpu0 = cpuSeconds(target.pid);
        const t0 = performance.now();
        const result: BenchResult = await runBench(
          { scenario: 'heartbeat-ws', target: target.url, durationS: opts.wsDurationS, connections: 16, rate: 0, instances: 10_000, subscribers: 0, batch: 100, churn: 0, metadataBytes: 0, threads: 2, timeoutMs: 5_000 },
          { regionId: REGION, zoneId: ZONE },
          { out: () => undefined, err: () => undefined },
        );
        const cpu1 = cpuSeconds(target.pid);
        const op = result.operations['heartbeat-frame']!;
        const w: WsRun = {
          round,
          instancesPerSecond: Math.round(op.unitsPerSecond),
          framesPerSecond: Math.round(op.throughput),
          p50Ms: op.latencyMs.p50,
          p99Ms: op.latencyMs.p99,
          errors: op.errors,
          generatorCpuPercent: result.generator.cpuPercent,
          generatorSaturated: result.generator.saturated,
          // Includes the untimed registration and clean-up of the fleet around the measured part.
          serverCpuPercent: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / ((performance.now() - t0) / 1000)) * 100),
        };
        wsBy[target.name]!.push(w);
        log(`[round ${round}/${opts.rounds}] heartbeat-ws ${target.name}: ${fmtN(w.instancesPerSecond)} instance-heartbeats/s (${fmtN(w.framesPerSecond)} frames/s of 100), p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms, errors ${w.errors}, generator CPU ${w.generatorCpuPercent} %\n`);
      }
    }

    // ------------------------------------------------------------ report
    const summaries: Record<string, Partial<Record<TargetName, Summary>>> = {};
    for (const scenario of plan) {
      for (const target of TARGETS) {
        const list = runs[scenario.id]?.[target];
        const side = sideOf(scenario, target);
        if (list !== undefined && side !== undefined) (summaries[scenario.id] ??= {})[target] = summarise(side, list);
      }
    }
    const rows: Array<Array<string | number | null>> = [];
    const ratioRows: Array<Array<string | number | null>> = [];
    for (const scenario of plan) {
      const s = summaries[scenario.id] ?? {};
      for (const target of TARGETS) {
        const x = s[target];
        if (target === 'etcd' && x === undefined) {
          rows.push([scenario.id, 'etcd', `missing: ${etcdMissing ?? 'no equivalent'}`, null, null, null, null, null, null, null, null, null, null]);
          continue;
        }
        if (x === undefined) continue;
        rows.push([scenario.id, target === 'bare' ? 'bare node:http' : isArtemis(target) && target !== 'artemis' ? `artemis/${target}` : target, x.label, fmtN(x.rps), fmtN(x.unitsPerSecond), x.p50Ms, x.p99Ms, x.p99UncorrectedMs, x.errors, x.serverCpuPercent, x.serverCpuUsPerRequest, x.generatorCpuPercent, x.longestStallMs]);
      }
      ratioRows.push([
        scenario.id,
        ratio(s.artemis?.rps, s.bare?.rps),
        ratio(s.artemis?.unitsPerSecond, s.etcd?.unitsPerSecond) ?? (etcdMissing === null ? '-' : 'n/a'),
        `${s.artemis?.p99Ms ?? '-'} / ${s.bare?.p99Ms ?? '-'} / ${s.etcd?.p99Ms ?? '-'}`,
        `${s.artemis?.p99UncorrectedMs ?? '-'} / ${s.bare?.p99UncorrectedMs ?? '-'} / ${s.etcd?.p99UncorrectedMs ?? '-'}`,
      ]);
    }
    const wsSummaryOf = (list: WsRun[]) => list.length === 0 ? null : {
      rounds: list.length,
      instancesPerSecond: Math.round(median(list.map((w) => w.instancesPerSecond))),
      p50Ms: r2(median(list.map((w) => w.p50Ms))),
      p99Ms: r2(median(list.map((w) => w.p99Ms))),
      errors: list.reduce((n, w) => n + w.errors, 0),
      generatorCpuPercent: Math.round(mean(list.map((w) => w.generatorCpuPercent))),
    };
    const wsSummary = wsSummaryOf(ws);
    const variantRows = variantComparison(plan, summaries, variants.map((v) => v.name), (name) => wsSummaryOf(wsBy[name] ?? [])?.instancesPerSecond, wsSummary?.instancesPerSecond);
    const targetChecks = checks(summaries, ws, etcdMissing);
    const env = { ...machine(), loadAverageAtEnd: loadavg().map((n) => r2(n)), loadAverageAtStart: startLoad };
    const verdict = (h: boolean | null) => (h === null ? 'n/a' : h ? 'holds' : 'MISSED');
    const gens = Object.values(runs).flatMap((t) => Object.values(t).flatMap((l) => l ?? [])).map((r) => r.generatorCpuPercent);
    const genCpu = nonNull(gens);
    const satLimit = generator.name === 'wrk' ? Math.min(opts.threads, env.nproc) * 90 : 90;
    const saturated = Object.values(runs).flatMap((t) => Object.values(t).flatMap((l) => l ?? [])).filter((r) => (r.generatorCpuPercent ?? 0) > satLimit).length;
    if (saturated > 0) notes.push(`the generator used more than ${satLimit} % of a core in ${saturated} run(s): those numbers may show its limit rather than the server's.`);
    notes.push(`all processes share ${env.nproc} cores: the generator (${generator.name}, mean CPU ${genCpu.length ? Math.round(mean(genCpu)) : '-'} % of a core) competes with the server under test.`);
    if (ws.some((w) => w.generatorSaturated)) notes.push('the WebSocket heartbeat generator (one event loop in this process) was saturated: that number is its limit, not the server\'s.');

    const out: string[] = [];
    out.push(`bench:compare, ${startedAt.toISOString()}, ${env.nproc} cores (${env.cpuModel}), ${env.memoryGiB} GiB, node ${env.node}, load average (1/5/15 min) ${env.loadAverageAtStart.join(' ')} at start, ${env.loadAverageAtEnd.join(' ')} at end`);
    out.push(`generator: ${generator.name}, ${opts.connections} connections${generator.name === 'wrk' ? `, ${opts.threads} threads` : ''}; ${opts.rounds} round(s) of ${opts.durationS} s per scenario and target, alternating order; medians over rounds`);
    out.push(`artemis: ${artemis.description}`);
    for (const v of variants) out.push(`${v.name}: ${v.description}`);
    out.push(`etcd: ${etcd === null ? `missing (${etcdMissing})` : etcd.description}\n`);
    out.push(formatTable(['scenario', 'target', 'call', 'req/s', 'instances/s', 'p50 ms', 'p99 ms', 'p99 ms uncorrected', 'errors', 'server CPU %', 'server CPU µs/req', 'gen CPU %', 'longest stall ms'], rows));
    out.push(formatTable(['scenario', 'ours / bare (req/s)', 'ours / etcd (instances/s)', 'p99 ms ours / bare / etcd', 'uncorrected p99 ms ours / bare / etcd'], ratioRows));
    if (wsSummary !== null) out.push(`WebSocket heartbeats (artemis bench heartbeat-ws, 16 sessions, frames of 100, 10,000 instances): ${fmtN(wsSummary.instancesPerSecond)} instance-heartbeats/s, frame p50 ${wsSummary.p50Ms} ms, p99 ${wsSummary.p99Ms} ms, errors ${wsSummary.errors}, generator CPU ${wsSummary.generatorCpuPercent} %\n`);
    if (variants.length > 0) {
      for (const v of variants) out.push(`variant ${v.name}: ${v.description}`);
      out.push(`\n${formatTable(['scenario', 'variant', 'req/s variant / artemis', 'CPU µs/req variant / artemis', 'CPU ratio', 'p99 ms variant / artemis / bare'], variantRows)}`);
    }
    out.push(formatTable(['target', 'measured', 'verdict'], targetChecks.map((c) => [c.target, c.measured, verdict(c.holds)])));
    out.push(notes.map((n) => `note: ${n}`).join('\n'));
    process.stdout.write(`${out.join('\n')}\n`);

    clearInterval(keeper);
    keeper = undefined;
    await stopAll();
    let profile: { dir: string; files: string[]; top: ReturnType<typeof hotFunctions> } | undefined;
    if (profileDir !== undefined) {
      const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      const first = files[0];
      if (first !== undefined) {
        const top = hotFunctions(JSON.parse(readFileSync(join(profileDir, first), 'utf8')) as Parameters<typeof hotFunctions>[0], 30);
        profile = { dir: relative(ROOT, profileDir), files, top };
        process.stdout.write(`\nCPU profile of the node: ${relative(ROOT, join(profileDir, first))}\nself time, top 30:\n${formatHot(top)}\n`);
      }
    }
    const file = opts.out ?? join(resultsDir, `compare-${stamp}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({
        startedAt: startedAt.toISOString(),
        machine: env,
        options: opts,
        generator: { name: generator.name, description: generator.description },
        servers: { artemis: { mode: artemis.mode, command: artemis.description }, variants: variants.map((v) => ({ name: v.name, command: v.description })), bare: bare.description, etcd: etcd === null ? { missing: etcdMissing } : { version: etcd.version, description: etcd.description } },
        scenarios: plan.map((s) => ({ id: s.id, title: s.title, summary: summaries[s.id], ratios: { oursOverBare: ratio(summaries[s.id]?.artemis?.rps, summaries[s.id]?.bare?.rps), oursOverEtcd: ratio(summaries[s.id]?.artemis?.unitsPerSecond, summaries[s.id]?.etcd?.unitsPerSecond) }, runs: runs[s.id] })),
        wsHeartbeat: { summary: wsSummary, runs: ws, variants: Object.fromEntries(variants.map((v) => [v.name, { summary: wsSummaryOf(wsBy[v.name] ?? []), runs: wsBy[v.name] }])) },
        variantComparison: variantRows,
        targets: targetChecks,
        notes,
        profile,
      }, null, 2)}\n`,
    );
    log(`results: ${relative(process.cwd(), file)}\n`);
    return 0;
  } finally {
    clearInterval(keeper);
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
