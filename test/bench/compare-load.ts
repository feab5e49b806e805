/**
 * Load generators of `npm run bench:compare`: wrk (with test/bench/wrk-report.lua) when it is
 * installed, otherwise the closed-loop HTTP generator of `artemis bench` (src/cli/bench) in
 * this process. Both keep `connections` keep-alive connections busy for a fixed time.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient, runLoops } from '../../src/cli/bench/http-load.js';
import { OpRecorder } from '../../src/cli/bench/stats.js';
import { ROOT, onPath } from './compare-targets.js';
import type { Percentiles } from '../../src/cli/bench/stats.js';

/** One load: `method path` against `base`, POST bodies taken in turn from `bodies`. */
export interface LoadSpec {
  key: string;
  base: string;
  method: 'GET' | 'POST';
  path: string;
  bodies?: string[];
}

export interface LoadOptions {
  durationS: number;
  connections: number;
  threads: number;
  timeoutMs: number;
}

/** Latency percentiles (the unit is in the field name where it is used). */
export type Latency = Percentiles;

export interface LoadResult {
  requests: number;
  durationS: number;
  /** Completed requests per second. */
  rps: number;
  /** As the generator reports it: wrk's figures include the samples of its coordinated-omission correction. */
  latencyMs: Latency;
  /** Every request's own latency, uncorrected; null when not timed (wrk with several connections per thread). */
  uncorrectedMs: Latency | null;
  errors: number;
  errorKinds: Record<string, number>;
  /** CPU of the generator over the run, in % of one core; null when unknown. */
  generatorCpuPercent: number | null;
}

export interface Generator {
  name: 'wrk' | 'node';
  description: string;
  run(spec: LoadSpec, opts: LoadOptions): Promise<LoadResult>;
}

const r3 = (n: number) => Number(n.toFixed(3));

interface WrkJson {
  requests: number;
  durationUs: number;
  errors: Record<string, number>;
  latencyUs: Latency;
  uncorrectedUs: Latency | null;
}

function parseTimes(text: string): number | null {
  // bash `times`: the second line is the children's "user system", e.g. "0m1.234s 0m0.050s".
  const lines = text.trim().split('\n').filter((l) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(l.trim()));
  const children = lines.at(-1);
  if (children === undefined || lines.length < 2) return null;
  let total = 0;
  for (const m of children.matchAll(/(\d+)m([\d.]+)s/g)) total += Number(m[1]) * 60 + Number(m[2]);
  return total;
}

/** wrk, run through bash so that its CPU time (`times`) is known. */
export function wrkGenerator(workDir: string): Generator | null {
  const wrk = onPath('wrk');
  if (wrk === null) return null;
  const bash = onPath('bash');
  const lua = join(ROOT, 'test/bench/wrk-report.lua');
  const files = new Map<string, string>();
  const bodyFile = (spec: LoadSpec): string => {
    let file = files.get(spec.key);
    if (file === undefined) {
      file = join(workDir, `bodies-${files.size}.txt`);
      writeFileSync(file, `${spec.bodies!.join('\n')}\n`);
      files.set(spec.key, file);
    }
    return file;
  };
  return {
    name: 'wrk',
    description: `${wrk} (wrk -t<threads> -c<connections> -d<s> --latency, Lua script test/bench/wrk-report.lua, timing each request itself when -t equals -c)`,
    run: (spec, opts) =>
      new Promise<LoadResult>((resolve, reject) => {
        const args = [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.durationS}s`, '--latency', '--timeout', `${Math.ceil(opts.timeoutMs / 1000)}s`, '-s', lua, `${spec.base}${spec.path}`];
        // the script pairs each answer with its request only when a thread holds one connection
        const timed = opts.threads === opts.connections ? ['timed'] : [];
        if (spec.bodies !== undefined) args.push('--', spec.method, bodyFile(spec), ...timed);
        else if (timed.length > 0) args.push('--', spec.method, '', ...timed);
        const child = bash === null ? spawn(wrk, args) : spawn(bash, ['-c', 'wrk "$@"; rc=$?; times; exit $rc', 'wrk', ...args]);
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
          if (code !== 0 || line === undefined) {
            reject(new Error(`wrk exited ${String(code)}: ${err || out}`));
            return;
          }
          const j = JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson;
          const durationS = j.durationUs / 1e6;
          const errorKinds = Object.fromEntries(Object.entries(j.errors).filter(([, n]) => n > 0));
          const cpu = bash === null ? null : parseTimes(out);
          const ms = (us: number) => r3(us / 1000);
          const latency = (l: Latency): Latency => ({ p50: ms(l.p50), p90: ms(l.p90), p99: ms(l.p99), p999: ms(l.p999), max: ms(l.max), mean: ms(l.mean) });
          resolve({
            requests: j.requests,
            durationS: r3(durationS),
            rps: r3(j.requests / durationS),
            latencyMs: latency(j.latencyUs),
            uncorrectedMs: j.uncorrectedUs === null ? null : latency(j.uncorrectedUs),
            errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
            errorKinds,
            generatorCpuPercent: cpu === null ? null : Number(((cpu / durationS) * 100).toFixed(1)),
          });
        });
      }),
  };
}

/** The HTTP generator of `artemis bench` (HDR histogram, one event loop) in this process. */
export function nodeGenerator(): Generator {
  return {
    name: 'node',
    description: 'the artemis bench HTTP generator (src/cli/bench/http-load.ts), in the compare process, one event loop',
    run: async (spec, opts) => {
      const client = new HttpClient(spec.base, opts.connections, opts.timeoutMs);
      const rec = new OpRecorder(spec.key);
      const bodies = spec.bodies;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        await runLoops({ connections: opts.connections, deadline: t0 + opts.durationS * 1000, rate: 0 }, async (_loop, seq) => {
          const start = performance.now();
          try {
            const answer = await client.request(spec.path, bodies === undefined ? undefined : bodies[seq % bodies.length]);
            if (answer.status >= 200 && answer.status < 300) rec.record(performance.now() - start);
            else rec.error(`http-${answer.status}`);
          } catch (err) {
            rec.error((err as Error).message === 'timeout' ? 'timeout' : 'connection');
          }
        });
      } finally {
        client.close();
      }
      const elapsedS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const s = rec.summary(elapsedS);
      return {
        requests: s.count,
        durationS: r3(elapsedS),
        rps: s.throughput,
        latencyMs: s.latencyMs,
        // a closed loop that times each request itself: nothing to correct
        uncorrectedMs: s.latencyMs,
        errors: s.errors,
        errorKinds: s.errorKinds,
        generatorCpuPercent: Number((((cpu.user + cpu.system) / 1e6 / elapsedS) * 100).toFixed(1)),
      };
    },
  };
}
