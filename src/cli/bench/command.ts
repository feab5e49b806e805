import { writeFileSync } from 'node:fs';
import { Api } from '../api.js';
import { CommandError, UsageError, parseCommand, printJson, type Io, type Values } from '../common.js';
import type { BenchOptions } from './context.js';
import { formatResult, htmlReport } from './report.js';
import { SCENARIOS, runBench } from './run.js';

/** Help of `artemis bench`. */
export const BENCH_USAGE = `Usage: artemis bench <scenario> [options]

Load-tests a node and reports throughput, latency percentiles (HDR histogram), errors, the
generator's own CPU use and the server's memory, GC pauses and CPU read from its /metrics.
Only the target is contacted; instances it creates are unregistered at the end.

Scenarios:
  register         register --instances (10000) over and over, --batch (100) a request
  heartbeat-http   heartbeat one instance per HTTP request over --instances (1000)
  heartbeat-ws     heartbeat frames of --batch (100) instances on --connections WebSocket sessions
  discovery        GET service.json and POST lookup.json of a service of --instances (10)
  push             --subscribers (100) watch a service; time from a register to each push
  mixed            --instances (1000) heartbeating every 5 s, --rate (200) reads/s, --subscribers (20),
                   --churn (0) registrations/s of short-lived instances in the fleet's services;
                   measured from 2 s after the fleet is registered
  scale            register and hold --instances (10000), report the server's memory

Options:
  --target <url>          node to load (also --url, ARTEMIS_URL)   [http://127.0.0.1:8080]
  --duration <s>          seconds of measurement                    [10]
  --connections <n>       requests (or WebSocket frames) in flight  [16]
  --rate <n>              operations per second; 0 = as fast as possible   [0]
  --instances <n>         instances of the fleet                    [per scenario]
  --subscribers <n>       push subscribers                          [100, mixed 20]
  --batch <n>             instances per request or frame            [per scenario]
  --churn <n>             mixed: instances registered (and others unregistered) a second  [0]
  --payload <bytes>       metadata bytes per instance               [0]
  --threads <n>           worker threads of the push subscribers    [2]
  --timeout <ms>          timeout of one request                    [5000]
  --json                  print the result as JSON (progress still goes to stderr)
  --report <file.html>    also write an HTML report with latency-over-time charts
  -h, --help              show this help
`;

/** Flags of `artemis bench` beside the common ones. */
export const BENCH_OPTIONS = {
  target: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  rate: { type: 'string' },
  instances: { type: 'string' },
  subscribers: { type: 'string' },
  batch: { type: 'string' },
  churn: { type: 'string' },
  payload: { type: 'string' },
  threads: { type: 'string' },
  report: { type: 'string' },
} as const;

function num(values: Values, name: string, min: number, fallback: number): number;
function num(values: Values, name: string, min: number, fallback: undefined): number | undefined;
function num(values: Values, name: string, min: number, fallback: number | undefined): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got ${String(raw)}`);
  return n;
}

function integer(values: Values, name: string, fallback: number): number {
  const n = num(values, name, 1, fallback);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

/** Parses the options of `artemis bench <scenario>`. @throws UsageError on bad input */
export function benchOptions(scenario: string, values: Values, urls: string[], timeoutMs: number): BenchOptions {
  if (!(scenario in SCENARIOS)) throw new UsageError(`unknown scenario: ${scenario}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const target = ((values.target as string | undefined) ?? urls[0]!).replace(/\/$/, '');
  if (!/^http:\/\/[^/]/i.test(target)) throw new UsageError(`--target: not an http URL: ${target}`);
  const instances = num(values, 'instances', 1, undefined);
  const batch = num(values, 'batch', 1, undefined);
  return {
    scenario,
    target,
    durationS: num(values, 'duration', 0.1, 10),
    connections: integer(values, 'connections', 16),
    rate: num(values, 'rate', 0, 0),
    instances: instances === undefined ? undefined : Math.floor(instances),
    subscribers: integer(values, 'subscribers', scenario === 'mixed' ? 20 : 100),
    batch: batch === undefined ? undefined : Math.floor(batch),
    churn: num(values, 'churn', 0, 0),
    metadataBytes: Math.floor(num(values, 'payload', 0, 0)),
    threads: integer(values, 'threads', 2),
    timeoutMs,
  };
}

/** `artemis bench <scenario> [options]`: 0 when every operation succeeded, 1 on errors or failure, 2 on usage errors. */
export async function benchCommand(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const parsed = parseCommand(argv, BENCH_OPTIONS, env);
    if (parsed.help) {
      io.out(BENCH_USAGE);
      return 0;
    }
    const [scenario, extra] = parsed.positionals;
    if (scenario === undefined) throw new UsageError(`missing <scenario>: one of ${Object.keys(SCENARIOS).join(', ')}`);
    if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
    const opts = benchOptions(scenario, parsed.values, parsed.flags.urls, parsed.flags.timeoutMs);
    const api = new Api({ ...parsed.flags, urls: [opts.target] });
    const zone = await api.callerZone().finally(() => api.close());
    const result = await runBench(opts, zone, io);
    if (parsed.flags.json) printJson(io, result);
    else io.out(formatResult(result));
    const report = parsed.values.report;
    if (typeof report === 'string') writeFileSync(report, htmlReport(result));
    return Object.values(result.operations).some((o) => o.errors > 0) ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`artemis bench: ${err.message}\n(artemis bench --help for details)\n`);
      return 2;
    }
    io.err(`artemis bench: ${err instanceof CommandError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
