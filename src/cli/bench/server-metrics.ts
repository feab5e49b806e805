import type { HttpClient } from './http-load.js';
import { parsePrometheusText } from './prom-text.js';

/** What a node's /metrics told at one moment. */
export interface ServerSample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  cpuSeconds: number;
  eventLoopLagP99Ms: number;
  gcCount: number;
  gcSeconds: number;
  /** Cumulative GC counts by bucket bound in seconds, all kinds together. */
  gcBuckets: Record<string, number>;
}

/** The server's side of a run: memory before and after, GC pauses and CPU in between. */
export interface ServerReport {
  before: ServerSample | null;
  after: ServerSample | null;
  /** GC pauses during the run; `maxPauseAtMostMs` is the upper bound of the highest bucket hit. */
  gc: { pauses: number; totalMs: number; maxPauseAtMostMs: number | null } | null;
  /** Server CPU over the run, in percent of one core. */
  cpuPercent: number | null;
}

const PREFIX = 'artemis_';

/** Reads the numbers of a run from a node's /metrics text. @throws Error when the text is not in the exposition format */
export function readServerSample(text: string): ServerSample {
  const s: ServerSample = { rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, cpuSeconds: 0, eventLoopLagP99Ms: 0, gcCount: 0, gcSeconds: 0, gcBuckets: {} };
  const families = new Map(parsePrometheusText(text).map((f) => [f.name, f]));
  const gauge = (name: string): number => {
    const f = families.get(PREFIX + name);
    if (f === undefined || (f.type !== 'GAUGE' && f.type !== 'COUNTER' && f.type !== 'UNTYPED')) return 0;
    // NaN (no observation yet) counts as 0.
    return f.metrics.reduce((sum, m) => sum + (Number.isFinite(Number(m.value)) ? Number(m.value) : 0), 0);
  };
  s.rssBytes = gauge('process_resident_memory_bytes');
  s.heapUsedBytes = gauge('nodejs_heap_size_used_bytes');
  s.heapTotalBytes = gauge('nodejs_heap_size_total_bytes');
  s.cpuSeconds = gauge('process_cpu_seconds_total');
  s.eventLoopLagP99Ms = gauge('nodejs_eventloop_lag_p99_seconds') * 1_000;
  const gc = families.get(`${PREFIX}nodejs_gc_duration_seconds`);
  if (gc?.type === 'HISTOGRAM') {
    for (const m of gc.metrics) {
      s.gcCount += Number(m.count);
      s.gcSeconds += Number(m.sum);
      for (const [le, count] of Object.entries(m.buckets)) s.gcBuckets[le] = (s.gcBuckets[le] ?? 0) + Number(count);
    }
  }
  return s;
}

/** Reads the node's /metrics; null when it cannot be read (the run goes on without server numbers). */
export async function sampleServer(client: HttpClient): Promise<ServerSample | null> {
  try {
    const answer = await client.request('/metrics');
    return answer.status === 200 ? readServerSample(answer.body.toString('utf8')) : null;
  } catch {
    return null;
  }
}

function maxPauseBound(before: ServerSample, after: ServerSample): number | null {
  const pauses = after.gcCount - before.gcCount;
  if (pauses <= 0) return null;
  const bounds = Object.keys(after.gcBuckets).filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
  for (const le of bounds) {
    const key = Object.keys(after.gcBuckets).find((k) => Number(k) === le)!;
    if ((after.gcBuckets[key] ?? 0) - (before.gcBuckets[key] ?? 0) >= pauses) return le * 1_000;
  }
  return Infinity;
}

/** Compares two samples taken `elapsedS` seconds apart. */
export function serverReport(before: ServerSample | null, after: ServerSample | null, elapsedS: number): ServerReport {
  if (before === null || after === null) return { before, after, gc: null, cpuPercent: null };
  return {
    before,
    after,
    gc: { pauses: after.gcCount - before.gcCount, totalMs: Number(((after.gcSeconds - before.gcSeconds) * 1_000).toFixed(2)), maxPauseAtMostMs: maxPauseBound(before, after) },
    cpuPercent: Number((((after.cpuSeconds - before.cpuSeconds) / Math.max(elapsedS, 1e-3)) * 100).toFixed(1)),
  };
}
