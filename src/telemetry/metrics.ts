import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_MAX_DELAY_METRIC, EventLoopStalls, STALL_MONITOR_RESOLUTION_MS, STALL_WINDOW_MS } from './event-loop-stalls.js';
import { PlainHistogram } from './plain-histogram.js';

const PREFIX = 'artemis_';

/**
 * The metrics of one node, on a registry of its own (never prom-client's global one, since
 * tests run several nodes in one process). Labels never carry instance ids.
 */
/** Live values the gauges read at scrape time. */
export interface GaugeSources {
  leases(table: 'instance' | 'legacy-instance'): number;
  instances(): number;
  services(): number;
  unsafe(table: 'instance' | 'legacy-instance'): boolean;
  renewalsInWindow(table: 'instance' | 'legacy-instance'): number;
}

const TABLES = ['instance', 'legacy-instance'] as const;

/** A counter child of a hot path: `inc()` adds to a plain number, handed to prom-client at scrape time. */
export interface Tally {
  inc(): void;
}

class PlainTally implements Tally {
  n = 0;
  constructor(readonly child: { inc(value?: number): void }) {}
  inc(): void {
    this.n++;
  }
}

export class NodeMetrics {
  readonly registry = new Registry();
  private sources: GaugeSources | null = null;
  private readonly tallies: PlainTally[] = [];

  /** Connects the gauges to the node's live state. */
  bind(sources: GaugeSources): void {
    this.sources = sources;
  }

  readonly httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'code'] as const,
    registers: [this.registry],
    collect: () => this.flushTallies(),
  });

  /** Observed per request: plain numbers, no label hashing (plain-histogram.ts). */
  readonly httpDuration = new PlainHistogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency by route.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  /** Counted through a tally (`tally(httpDeferredBodies, {})`): once per deferred body. */
  readonly httpDeferredBodies = new Counter({
    name: `${PREFIX}http_deferred_bodies_total`,
    help: 'Request bodies that waited for a later event-loop turn because their turn had spent http.turnSliceMs.',
    registers: [this.registry],
    collect: () => this.flushTallies(),
  });

  /** Counted through a tally (`tally(httpDirectRequests, {})`): once per request the direct path answers. */
  readonly httpDirectRequests = new Counter({
    name: `${PREFIX}http_direct_requests_total`,
    help: 'Requests answered by the direct node:http way in (the rest go through the framework).',
    registers: [this.registry],
    collect: () => this.flushTallies(),
  });

  readonly registryOperations = new Counter({
    name: `${PREFIX}registry_operations_total`,
    help: 'Instances processed by registry operation and result (ok or the error code).',
    labelNames: ['operation', 'result'] as const,
    registers: [this.registry],
    collect: () => this.flushTallies(),
  });

  readonly rateLimited = new Counter({
    name: `${PREFIX}rate_limited_total`,
    help: 'Requests refused by a rate limiter (rateLimit.*), by limiter id and identity (the operation; "client" for the per-client limiter).',
    labelNames: ['limiter', 'identity'] as const,
    registers: [this.registry],
  });

  readonly limitRefusals = new Counter({
    name: `${PREFIX}limit_refusals_total`,
    help: 'Requests, instances, subscriptions and connections refused by a resource limit, by its config key (e.g. limits.maxInstances).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly peerRefusals = new Counter({
    name: `${PREFIX}peer_refusals_total`,
    help: 'Calls of peer-only endpoints refused, by reason: unsigned, malformed, stale, bad-signature, replayed, busy (nonce cache full), other-node (Host), no-key, no-client-cert (tls.mutual).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly gossipRefusals = new Counter({
    name: `${PREFIX}gossip_refusals_total`,
    help: 'Gossiped member records, or parts of them, not taken by the membership rules, by reason: malformed (not a member record), incarnation (above clock + cluster.maxClockSkewMs + slack), left-from-other (a leave of a live member told by another node), url-from-other (a new URL of a known member told by another node).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly browserRefusals = new Counter({
    name: `${PREFIX}browser_refusals_total`,
    help: 'State-changing requests refused as a web page could send them: reason content-type (not JSON) or origin (not allowed by cors.allowedOrigins).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly leaseExpiries = new Counter({
    name: `${PREFIX}lease_expiries_total`,
    help: 'Leases removed by the sweep, by lease table and reason (expired or unregistered).',
    labelNames: ['table', 'reason'] as const,
    registers: [this.registry],
  });

  readonly leases = new Gauge({
    name: `${PREFIX}leases`,
    help: 'Leases held, by lease table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
    collect: () => {
      for (const t of TABLES) if (this.sources) this.leases.set({ table: t }, this.sources.leases(t));
    },
  });

  readonly instances = new Gauge({
    name: `${PREFIX}instances`,
    help: 'Instances registered on this node.',
    registers: [this.registry],
    collect: () => {
      if (this.sources) this.instances.set(this.sources.instances());
    },
  });

  readonly services = new Gauge({
    name: `${PREFIX}services`,
    help: 'Services with at least one instance.',
    registers: [this.registry],
    collect: () => {
      if (this.sources) this.services.set(this.sources.services());
    },
  });

  readonly selfPreservationUnsafe = new Gauge({
    name: `${PREFIX}self_preservation_unsafe`,
    help: '1 while self-preservation keeps expired leases of a lease table, else 0.',
    labelNames: ['table'] as const,
    registers: [this.registry],
    collect: () => {
      for (const t of TABLES) if (this.sources) this.selfPreservationUnsafe.set({ table: t }, this.sources.unsafe(t) ? 1 : 0);
    },
  });

  readonly renewalsInWindow = new Gauge({
    name: `${PREFIX}lease_renewals_in_window`,
    help: 'Lease renewals counted in the self-preservation window, by lease table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
    collect: () => {
      for (const t of TABLES) if (this.sources) this.renewalsInWindow.set({ table: t }, this.sources.renewalsInWindow(t));
    },
  });

  readonly discoveryCacheRebuilds = new Counter({
    name: `${PREFIX}discovery_cache_rebuilds_total`,
    help: 'Service snapshots rebuilt by the discovery cache.',
    registers: [this.registry],
  });

  readonly discoveryVersion = new Gauge({
    name: `${PREFIX}discovery_version`,
    help: 'Current version of the discovery cache (ms epoch, never decreasing).',
    registers: [this.registry],
  });

  private readonly stalls = new EventLoopStalls();

  readonly eventLoopMaxDelay = new Gauge({
    name: EVENT_LOOP_MAX_DELAY_METRIC,
    help: `Longest event-loop stall (how late a ${STALL_MONITOR_RESOLUTION_MS} ms timer tick ran) in the open ${STALL_WINDOW_MS} ms window and the one before it.`,
    registers: [this.registry],
    collect: () => {
      this.eventLoopMaxDelay.set(this.stalls.maxSeconds());
    },
  });

  readonly logDroppedLines = new Counter({
    name: `${PREFIX}log_dropped_lines_total`,
    help: 'Log lines dropped because the stdout buffer (log.maxBufferBytes) was full: stdout is read more slowly than the node logs.',
    registers: [this.registry],
    collect: () => {
      this.logDroppedLines.reset();
      this.logDroppedLines.inc(this.droppedLogLines());
    },
  });

  readonly buildInfo = new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels tell the version of the node and of Node.js.',
    labelNames: ['version', 'nodejs'] as const,
    registers: [this.registry],
  });

  private readonly droppedLogLines: () => number;

  constructor(build: { version: string; droppedLogLines?: () => number } = { version: 'unknown' }) {
    this.droppedLogLines = build.droppedLogLines ?? (() => 0);
    // Node.js process metrics: CPU, memory, event-loop lag, GC pause histogram (nodejs_gc_duration_seconds).
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX, eventLoopMonitoringPrecision: 10 });
    this.buildInfo.set({ version: build.version, nodejs: process.version }, 1);
  }

  /**
   * A child of `counter` for a hot path: prom-client hashes the label set on every `inc` even of
   * a bound child; a tally counts in a plain number instead, added to the counter whenever the
   * registry is read (the counters of this class flush every tally when collected).
   */
  tally(counter: Counter<string>, labels: Record<string, string>): Tally {
    const tally = new PlainTally(counter.labels(labels));
    this.tallies.push(tally);
    return tally;
  }

  private flushTallies(): void {
    for (const t of this.tallies) {
      if (t.n === 0) continue;
      t.child.inc(t.n);
      t.n = 0;
    }
  }

  /** Stops the event-loop monitor of this node's stall gauge. */
  close(): void {
    this.stalls.close();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
