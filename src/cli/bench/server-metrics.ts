import { EVENT_LOOP_MAX_DELAY_METRIC } from '../../telemetry/event-loop-stalls.js';
import type { HttpClient } from './http-load.js';
import { parsePrometheusText } from './prom-text.js';

/** What a node's /metrics told at one moment. */
export interface ServerSample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  cpuSeconds: number;
  eventLoopLagP99Ms: number;
  /** Longest event-loop stall of the node's last second or two (ms). */
  maxStallMs: number;
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
  /** Longest event-loop stall of the node during the run (ms), from samples taken every half second; null when unread. */
  longestStallMs: number | null;
}

/** How often a run reads the node's stall gauge (ms): under its window, so no stall goes unseen. */
export const STALL_POLL_MS = 500;

const PREFIX = 'artemis_';

/** Reads the numbers of a run from a node's /metrics text. @throws Error when the text is not in the exposition format */
export function readServerSample(text: string): ServerSample {
  const s: ServerSample = { rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, cpuSeconds: 0, eventLoopLagP99Ms: 0, maxStallMs: 0, gcCount: 0, gcSeconds: 0, gcBuckets: {} };
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
  s.maxStallMs = gauge(EVENT_LOOP_MAX_DELAY_METRIC.slice(PREFIX.length)) * 1_000;
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

/** The node's stall gauge (ms) in a /metrics text, found without parsing the rest of it; null when absent. */
export function readStallGauge(text: string): number | null {
  const line = `\n${EVENT_LOOP_MAX_DELAY_METRIC} `;
  const at = text.indexOf(line);
  if (at < 0) return null;
  const start = at + line.length;
  const end = text.indexOf('\n', start);
  const seconds = Number(text.slice(start, end < 0 ? undefined : end));
  return Number.isFinite(seconds) ? seconds * 1_000 : null;
}

/**
 * Reads the node's stall gauge every STALL_POLL_MS until stopped (reading only that line, so
 * the poll costs the generator's loop little); `stop()` resolves with the
 * longest stall seen (ms), null when no read succeeded.
 */
export function watchStalls(client: HttpClient): { stop(): Promise<number | null> } {
  let longest: number | null = null;
  let reading: Promise<void> = Promise.resolve();
  const read = () => {
    reading = client.request('/metrics').then(
      (answer) => {
        const ms = answer.status === 200 ? readStallGauge(answer.body.toString('latin1')) : null;
        if (ms !== null) longest = Math.max(longest ?? 0, ms);
      },
      () => undefined,
    );
  };
  read();
  const timer = setInterval(read, STALL_POLL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await reading;
      read();
      await reading;
      return longest === null ? null : Number(longest.toFixed(1));
    },
  };
}

/** Compares two samples taken `elapsedS` seconds apart; `longestStallMs` as watchStalls saw it. */
export function serverReport(before: ServerSample | null, after: ServerSample | null, elapsedS: number, longestStallMs: number | null = null): ServerReport {
  if (before === null || after === null) return { before, after, gc: null, cpuPercent: null, longestStallMs };
  return {
    longestStallMs,
    before,
    after,
    gc: { pauses: after.gcCount - before.gcCount, totalMs: Number(((after.gcSeconds - before.gcSeconds) * 1_000).toFixed(2)), maxPauseAtMostMs: maxPauseBound(before, after) },
    cpuPercent: Number((((after.cpuSeconds - before.cpuSeconds) / Math.max(elapsedS, 1e-3)) * 100).toFixed(1)),
  };
}
