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
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BenchResult } from '../../src/cli/bench/report.js';
import { runBench } from '../../src/cli/bench/run.js';
import { formatTable } from '../../src/cli/common.js';
import { REGION, ZONE, discoveryFleet, heartbeatFleet } from './compare-fleets.js';
import { registry, registryFailures, watchStalls } from './compare-http.js';
import { nodeGenerator, wrkGenerator, type Generator, type LoadSpec } from './compare-load.js';
import { USAGE, options, type Options } from './compare-options.js';
import { checks, machine, summarise, variantComparison, type Run, type Summary, type WsRun } from './compare-report.js';
import { prepareArtemis, prepareBare, prepareEtcd, scenarios, type EtcdData, type Scenario, type Side, type SideName, type TargetName } from './compare-scenarios.js';
import { fmtN, mean, median, nonNull, r2, ratio } from './compare-stats.js';
import { ROOT, cpuSeconds, startArtemis, startBare, startEtcd, type ArtemisVariant, type Missing, type ServerProcess } from './compare-targets.js';
import { formatHot, hotFunctions } from './cpuprofile-top.js';

const log = (text: string) => process.stderr.write(text);

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
      const started = await startArtemis({ mode, ...(v.root !== undefined && { root: v.root }), settings: v.root === undefined ? [...shared, ...v.settings] : v.settings, nodeFlags: v.nodeFlags, log, skipBuild: true });
      servers.push(started);
      variants.push({ ...started, name: v.name, variant: v });
      log(`${v.name}: ${started.url} (${started.description})\n`);
      await prepareArtemis(started.url);
    }
    const artemisTargets: Array<ServerProcess & { name: TargetName }> = [artemis, ...variants];
    const isArtemis = (target: TargetName) => target !== 'bare' && target !== 'etcd';
    const bare = await startBare(routes, workDir);
    servers.push(bare);
    log(`bare: ${bare.url}\n`);
    await prepareBare(bare.url);
    // Keep the read and heartbeat fleets alive as clients would (every 5 s), whatever the rounds
    // take; the bare server gets the same heartbeats (the same traffic between the rounds).
    const kept: Array<{ name: string; url: string }> = [...artemisTargets, bare];
    keeper = setInterval(() => {
      for (const a of kept) void registry(a.url, 'heartbeat', [...discoveryFleet, ...heartbeatFleet]).catch((err: unknown) => log(`keep-alive heartbeat of ${a.name} failed: ${String(err)}\n`));
    }, 5_000);
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
