/**
 * Rates and latency percentiles from the node's Prometheus text (/metrics), sampled by the page
 * every few seconds while a view that shows them is open; the last minutes are kept in memory.
 */
import { getText } from './api';
import { parseMetrics, quantile, snapshotOf, type Snapshot } from './prom';

export interface Point {
  at: number;
  heartbeatsPerSec: number;
  discoveriesPerSec: number;
  p50: number | null;
  p99: number | null;
}

export const SAMPLE_MS = 5_000;
/** Ten minutes of points. */
const KEEP = 120;

export class MetricsSampler {
  points: Point[] = [];
  last: Snapshot | null = null;
  error: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private users = 0;
  private listeners = new Set<() => void>();

  /** Starts sampling while at least one view uses it; the returned function stops that use. */
  use(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.users++ === 0) {
      void this.sample();
      this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    }
    return () => {
      this.listeners.delete(listener);
      if (--this.users === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  async sample(): Promise<void> {
    try {
      const next = snapshotOf(parseMetrics(await getText('/metrics')), Date.now());
      const prev = this.last;
      if (prev !== null && next.at > prev.at) {
        const secs = (next.at - prev.at) / 1000;
        this.points.push({
          at: next.at,
          heartbeatsPerSec: Math.max(0, (next.heartbeats - prev.heartbeats) / secs),
          discoveriesPerSec: Math.max(0, (next.discoveries - prev.discoveries) / secs),
          p50: quantile(prev, next, 0.5),
          p99: quantile(prev, next, 0.99),
        });
        if (this.points.length > KEEP) this.points.splice(0, this.points.length - KEEP);
      }
      this.last = next;
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.listeners.forEach((l) => l());
  }
}

export const sampler = new MetricsSampler();
