/** What `npm run bench:compare` sums up: runs, their medians over rounds, the performance targets, variants against the first node, the machine. */
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import type { LoadResult } from './compare-load.js';
import { REGISTER_BATCH } from './compare-fleets.js';
import type { Scenario, Side, TargetName } from './compare-scenarios.js';
import { fmtN, mean, median, nonNull, r2, ratio } from './compare-stats.js';

export interface Run extends LoadResult {
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

export interface Summary {
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

export function summarise(side: Side, runs: Run[]): Summary {
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

export interface WsRun {
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

export interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean | null;
}

export function checks(results: Record<string, Partial<Record<TargetName, Summary>>>, ws: WsRun[], etcdMissing: string | null): TargetCheck[] {
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
export function variantComparison(
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

export function machine() {
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
