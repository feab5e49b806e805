import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CallerZone } from '../api.js';
import type { Io } from '../common.js';
import type { BenchOptions, RunContext, Scenario } from './context.js';
import type { Fleet } from './fleet.js';
import { HttpClient } from './http-load.js';
import type { BenchResult } from './report.js';
import { discoveryScenario, heartbeatHttpScenario, registerScenario } from './scenarios-http.js';
import { heartbeatWsScenario, mixedScenario, pushScenario, scaleScenario } from './scenarios-ws.js';
import { sampleServer, serverReport, watchStalls, type ServerSample } from './server-metrics.js';
import { Recorders } from './stats.js';

/** The scenarios by name. */
export const SCENARIOS: Record<string, Scenario> = {
  register: registerScenario,
  'heartbeat-http': heartbeatHttpScenario,
  'heartbeat-ws': heartbeatWsScenario,
  discovery: discoveryScenario,
  push: pushScenario,
  mixed: mixedScenario,
  scale: scaleScenario,
};

/** Share of a core (or of the main thread's time) above which the generator counts as saturated. */
const SATURATED = 0.9;

interface Measured {
  before: ServerSample | null;
  after: ServerSample | null;
  longestStallMs: number | null;
  elapsedS: number;
  cpuPercent: number;
  elu: number;
  /** The generator's own longest event-loop stall (ms). */
  ownStallMs: number;
}

/** Period of the generator's own delay monitor (ms); a stall is a tick's lateness beyond it. */
const OWN_STALL_RESOLUTION_MS = 10;

function progressLine(recorders: Recorders, t: number, total: number): string {
  const parts = recorders.all().map((r) => {
    const last = r.timeline.at(-1);
    return `${r.name} ${last?.count ?? 0}/s p99 ${last?.p99 ?? 0} ms err ${r.errors}`;
  });
  return `[${t.toFixed(0)}/${total} s] ${parts.join(' | ')}`;
}

function makeMeasure(client: HttpClient, recorders: Recorders, opts: BenchOptions, io: Io, out: { m?: Measured }) {
  return async (body: () => Promise<void>): Promise<void> => {
    const before = await sampleServer(client);
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const ownDelay = monitorEventLoopDelay({ resolution: OWN_STALL_RESOLUTION_MS });
    ownDelay.enable();
    const t0 = performance.now();
    let ticks = 0;
    const tick = () => {
      ticks++;
      const t = (performance.now() - t0) / 1_000;
      for (const r of recorders.all()) r.tick(t);
      io.err(`${progressLine(recorders, t, opts.durationS)}\n`);
    };
    const timer = setInterval(tick, 1_000);
    const stalls = watchStalls(client);
    let longestStallMs: number | null = null;
    try {
      await body();
    } finally {
      clearInterval(timer);
      ownDelay.disable();
      longestStallMs = await stalls.stop();
    }
    // a busy event loop can let a short run end before its first tick: every run shows at least one line
    if (ticks === 0) tick();
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const after = await sampleServer(client);
    const ownStallMs = ownDelay.count > 0 ? Math.max(0, ownDelay.max / 1e6 - OWN_STALL_RESOLUTION_MS) : 0;
    out.m = { before, after, longestStallMs, elapsedS: elapsedMs / 1_000, cpuPercent: ((cpu.user + cpu.system) / 1_000 / elapsedMs) * 100, elu, ownStallMs };
  };
}

function makeFleet(zone: CallerZone, metadataBytes: number): RunContext['fleet'] {
  const runId = `${randomBytes(3).toString('hex')}`;
  return (count, tag = 'f', services): Fleet => ({ ...zone, prefix: `${runId}${tag}`, count, services: services ?? Math.max(1, Math.ceil(count / 100)), metadataBytes });
}

function result(opts: BenchOptions, recorders: Recorders, m: Measured, info: Record<string, number | string>, startedAt: Date): BenchResult {
  const operations = Object.fromEntries(recorders.all().map((r) => [r.name, r.summary(m.elapsedS)]));
  const cpuPercent = Number(m.cpuPercent.toFixed(1));
  const saturated = m.elu > SATURATED || cpuPercent > SATURATED * 100 * opts.threads;
  const warnings = saturated ? [`the load generator is saturated (CPU ${cpuPercent} %, main thread busy ${(m.elu * 100).toFixed(0)} %): numbers show its limit, not the server's`] : [];
  const server = serverReport(m.before, m.after, m.elapsedS, m.longestStallMs);
  if (opts.scenario === 'scale' && m.before !== null && m.after !== null && typeof info.instances === 'number') {
    info.serverBytesPerInstance = Math.round((m.after.rssBytes - m.before.rssBytes) / info.instances);
    info.serverHeapBytesPerInstance = Math.round((m.after.heapUsedBytes - m.before.heapUsedBytes) / info.instances);
  }
  return {
    scenario: opts.scenario,
    target: opts.target,
    startedAt: startedAt.toISOString(),
    elapsedS: Number(m.elapsedS.toFixed(3)),
    options: { ...opts },
    operations,
    generator: { cpuPercent, eventLoopUtilization: Number(m.elu.toFixed(3)), threads: opts.threads, saturated, longestStallMs: Number(m.ownStallMs.toFixed(1)) },
    server,
    info,
    warnings,
    timeline: Object.fromEntries(recorders.all().map((r) => [r.name, r.timeline])),
  };
}

/** Runs one scenario against `opts.target` in the caller zone `zone`; progress lines go to `io.err`. */
export async function runBench(opts: BenchOptions, zone: CallerZone, io: Io): Promise<BenchResult> {
  const scenario = SCENARIOS[opts.scenario];
  if (scenario === undefined) throw new Error(`unknown scenario: ${opts.scenario}`);
  const client = new HttpClient(opts.target, opts.connections + 2, opts.timeoutMs);
  const recorders = new Recorders();
  const out: { m?: Measured } = {};
  const info: Record<string, number | string> = {};
  const startedAt = new Date();
  try {
    await scenario({ opts, client, recorders, info, fleet: makeFleet(zone, opts.metadataBytes), measure: makeMeasure(client, recorders, opts, io, out) });
  } finally {
    client.close();
  }
  if (out.m === undefined) throw new Error(`scenario ${opts.scenario} measured nothing`);
  return result(opts, recorders, out.m, info, startedAt);
}
