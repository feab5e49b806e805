/**
 * Prometheus text → the numbers the dashboard charts: heartbeat and discovery counters, the
 * latency histogram of registry and discovery routes, a few gauges; quantiles between two
 * scrapes. No DOM: unit tested in test/unit/console-prom.test.ts.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

const sum = (samples: Sample[], name: string, match: (l: Record<string, string>) => boolean = () => true) =>
  samples.reduce((n, s) => (s.name === name && match(s.labels) ? n + s.value : n), 0);

const isDiscovery = (l: Record<string, string>) => (l['route'] ?? '').includes('/api/discovery/');
const isRegistry = (l: Record<string, string>) => (l['route'] ?? '').includes('/api/registry/');

/** Cumulative counters read from one scrape. */
export interface Snapshot {
  at: number;
  heartbeats: number;
  discoveries: number;
  /** Latency histogram of discovery and registry routes: upper bound → cumulative count. */
  buckets: Map<number, number>;
  gauges: { instances: number; services: number; unsafe: number; members: number };
}

export function snapshotOf(samples: Sample[], at: number): Snapshot {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== 'artemis_http_request_duration_seconds_bucket' || !(isDiscovery(s.labels) || isRegistry(s.labels))) continue;
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return {
    at,
    heartbeats: sum(samples, 'artemis_registry_operations_total', (l) => l['operation'] === 'heartbeat'),
    discoveries: sum(samples, 'artemis_http_requests_total', isDiscovery),
    buckets,
    gauges: {
      instances: sum(samples, 'artemis_instances'),
      services: sum(samples, 'artemis_services'),
      unsafe: sum(samples, 'artemis_self_preservation_unsafe'),
      members: sum(samples, 'artemis_cluster_members', (l) => l['state'] === 'alive'),
    },
  };
}

/** The q-quantile (0..1) of the observations between two scrapes, in milliseconds; null without any. */
export function quantile(prev: Snapshot, next: Snapshot, q: number): number | null {
  const bounds = [...next.buckets.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (next.buckets.get(b) ?? 0) - (prev.buckets.get(b) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i]!;
    const c = counts[i]!;
    if (c >= rank) {
      if (upper === Infinity) return lower * 1000;
      const inBucket = c - below;
      return (lower + (upper - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket)) * 1000;
    }
    lower = upper;
    below = c;
  }
  return lower * 1000;
}
