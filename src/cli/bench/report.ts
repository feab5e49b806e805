import { formatTable } from '../common.js';
import type { ServerReport, ServerSample } from './server-metrics.js';
import type { OpSummary, TimelinePoint } from './stats.js';

/** Everything one run measured; `--json` prints it. */
export interface BenchResult {
  scenario: string;
  target: string;
  startedAt: string;
  /** Seconds of the measured part. */
  elapsedS: number;
  options: Record<string, unknown>;
  operations: Record<string, OpSummary>;
  /**
   * The load generator itself. `longestStallMs`: its own longest event-loop delay while measuring;
   * a latency is timed on that loop, so a stall of the generator adds to every answer it holds up.
   */
  generator: { cpuPercent: number; eventLoopUtilization: number; threads: number; saturated: boolean; longestStallMs: number };
  server: ServerReport;
  info: Record<string, number | string>;
  warnings: string[];
  timeline: Record<string, TimelinePoint[]>;
}

const mib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1_048_576).toFixed(1)} MiB`);

function serverLines(s: ServerReport): string {
  const row = (name: string, x: ServerSample | null) => [name, mib(x?.rssBytes), mib(x?.heapUsedBytes), x === null ? '-' : x.eventLoopLagP99Ms.toFixed(1)];
  const gc = s.gc === null ? 'unknown' : `${s.gc.pauses} pauses, ${s.gc.totalMs} ms in total, longest <= ${s.gc.maxPauseAtMostMs ?? 0} ms`;
  const stall = s.longestStallMs === null ? 'unknown' : `${s.longestStallMs} ms`;
  return `${formatTable(['server', 'rss', 'heap used', 'loop lag p99 ms'], [row('before', s.before), row('after', s.after)])}server GC: ${gc}; server CPU: ${s.cpuPercent ?? '-'} %; longest event-loop stall: ${stall}\n`;
}

/** The terminal view of a result: one row per operation, then generator and server lines. */
export function formatResult(r: BenchResult): string {
  // Instances per second only where an operation carries several (batches); else it repeats ops/s.
  const ops = Object.entries(r.operations);
  const batched = ops.some(([, o]) => o.unitsPerSecond !== o.throughput);
  const rows = ops.map(([name, o]) => [
    name, o.count, o.throughput, ...(batched ? [o.unitsPerSecond !== o.throughput ? o.unitsPerSecond : null] : []),
    o.latencyMs.p50, o.latencyMs.p90, o.latencyMs.p99, o.latencyMs.p999, o.latencyMs.max, o.errors,
  ]);
  const headers = ['operation', 'count', 'ops/s', ...(batched ? ['instances/s'] : []), 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors'];
  const table = formatTable(headers, rows);
  const info = Object.entries(r.info).map(([k, v]) => `${k}=${v}`).join(' ');
  const g = r.generator;
  const gen = `generator CPU: ${g.cpuPercent} % of a core (${g.threads} thread(s)), main thread busy ${(g.eventLoopUtilization * 100).toFixed(0)} %, its longest event-loop stall ${g.longestStallMs} ms`;
  const warnings = r.warnings.map((w) => `warning: ${w}\n`).join('');
  return `${r.scenario} against ${r.target}, ${r.elapsedS} s${info ? ` (${info})` : ''}\n\n${table}\n${gen}\n${serverLines(r.server)}${warnings}`;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function chart(timeline: Record<string, TimelinePoint[]>, key: 'p50' | 'p99' | 'max' | 'count', title: string): string {
  const W = 760, H = 240, L = 60, B = 30;
  const series = Object.entries(timeline).filter(([, pts]) => pts.length > 0);
  const maxT = Math.max(1, ...series.flatMap(([, pts]) => pts.map((p) => p.t)));
  const maxV = Math.max(1e-3, ...series.flatMap(([, pts]) => pts.map((p) => p[key])));
  const x = (t: number) => L + (t / maxT) * (W - L - 10);
  const y = (v: number) => H - B - (v / maxV) * (H - B - 20);
  const lines = series.map(([name, pts], i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = pts.map((p) => `${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/><text x="${L + 10 + i * 150}" y="14" fill="${color}" font-size="12">${esc(name)}</text>`;
  });
  const axes = `<line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="10" x2="${L}" y2="${H - B}" stroke="#888"/>` +
    `<text x="${L - 5}" y="${y(maxV) + 4}" text-anchor="end" font-size="11">${maxV.toFixed(2)}</text><text x="${L - 5}" y="${H - B}" text-anchor="end" font-size="11">0</text>` +
    `<text x="${W - 10}" y="${H - 8}" text-anchor="end" font-size="11">${maxT.toFixed(0)} s</text>`;
  return `<h2>${esc(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${axes}${lines.join('')}</svg>`;
}

/** A self-contained HTML page of a result: the table, and latency and throughput over time as inline SVG. */
export function htmlReport(r: BenchResult): string {
  const charts = [chart(r.timeline, 'p50', 'Latency p50 per second (ms)'), chart(r.timeline, 'p99', 'Latency p99 per second (ms)'), chart(r.timeline, 'max', 'Latency max per second (ms)'), chart(r.timeline, 'count', 'Operations per second')];
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>artemis bench ${esc(r.scenario)}</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}</style></head>
<body><h1>artemis bench ${esc(r.scenario)}</h1><p>${esc(r.target)}, started ${esc(r.startedAt)}</p>
<pre>${esc(formatResult(r))}</pre>
${charts.join('\n')}
<h2>Raw result</h2><pre>${esc(JSON.stringify({ ...r, timeline: undefined }, null, 2))}</pre>
</body></html>
`;
}
