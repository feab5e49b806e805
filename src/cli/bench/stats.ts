import hdr, { type Histogram } from 'hdr-histogram-js';

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One operation's results over a whole run. */
export interface OpSummary {
  count: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Completed operations per second. */
  throughput: number;
  /** Instances (or deliveries) handled per second, for batched operations. */
  unitsPerSecond: number;
  latencyMs: Percentiles;
}

/** One second of one operation. */
export interface TimelinePoint {
  /** Seconds since the start of the run. */
  t: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

const US_PER_MS = 1_000;
const round = (n: number) => Number(n.toFixed(3));

function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

function percentiles(h: Histogram): Percentiles {
  const at = (p: number) => (h.totalCount === 0 ? 0 : round(Math.min(h.getValueAtPercentile(p), h.maxValue) / US_PER_MS));
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: round(h.maxValue / US_PER_MS), mean: round(h.mean / US_PER_MS) };
}

/** Latencies (HDR histogram, microsecond resolution), errors and a per-second timeline of one operation. */
export class OpRecorder {
  private readonly total = newHistogram();
  private window = newHistogram();
  private windowCount = 0;
  private readonly kinds = new Map<string, number>();
  /** Per-second points, appended by {@link OpRecorder.tick}. */
  readonly timeline: TimelinePoint[] = [];
  count = 0;
  errors = 0;
  units = 0;

  constructor(readonly name: string) {}

  /** Records one completed operation that took `ms` and handled `units` instances. */
  record(ms: number, units = 1): void {
    const us = Math.max(1, Math.round(ms * US_PER_MS));
    this.total.recordValue(us);
    this.window.recordValue(us);
    this.windowCount++;
    this.count++;
    this.units += units;
  }

  /** Records one failed operation of the given kind (an error code, `http-503`, `timeout`...). */
  error(kind: string): void {
    this.errors++;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  /** Closes the current one-second window at `t` seconds. */
  tick(t: number): void {
    const p = percentiles(this.window);
    this.timeline.push({ t: round(t), count: this.windowCount, p50: p.p50, p99: p.p99, max: p.max });
    this.window.destroy();
    this.window = newHistogram();
    this.windowCount = 0;
  }

  /** The results after `elapsedS` seconds. */
  summary(elapsedS: number): OpSummary {
    const s = Math.max(elapsedS, 1e-3);
    return {
      count: this.count,
      errors: this.errors,
      errorKinds: Object.fromEntries(this.kinds),
      throughput: round(this.count / s),
      unitsPerSecond: round(this.units / s),
      latencyMs: percentiles(this.total),
    };
  }
}

/** The recorders of one run, by operation name, created on first use. */
export class Recorders {
  private readonly byName = new Map<string, OpRecorder>();

  /** The recorder of `name`. */
  get(name: string): OpRecorder {
    let r = this.byName.get(name);
    if (r === undefined) this.byName.set(name, (r = new OpRecorder(name)));
    return r;
  }

  /** Every recorder, in creation order. */
  all(): OpRecorder[] {
    return [...this.byName.values()];
  }
}
