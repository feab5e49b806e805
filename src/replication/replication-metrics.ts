import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DropReason } from './task-queue.js';

/** Replication metrics on a node's own prom-client registry; the only label with URLs is `peer`. */
export class ReplicationMetrics {
  readonly queueDepth: Gauge<'peer'>;
  readonly batchSize: Histogram<'operation'>;
  readonly lag: Histogram<'operation'>;
  readonly drops: Counter<'reason'>;
  readonly retries: Counter<'reason'>;
  readonly failures: Counter<'reason'>;

  constructor(registry: Registry, depths: () => ReadonlyMap<string, number>) {
    const registers = [registry];
    this.queueDepth = new Gauge({
      name: 'artemis_replication_queue_depth',
      help: 'Replication tasks queued per peer.',
      labelNames: ['peer'] as const,
      registers,
      collect: () => {
        this.queueDepth.reset();
        for (const [peer, depth] of depths()) this.queueDepth.set({ peer }, depth);
      },
    });
    this.batchSize = new Histogram({
      name: 'artemis_replication_batch_size',
      help: 'Instances per replication request, by operation.',
      labelNames: ['operation'] as const,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
    this.lag = new Histogram({
      name: 'artemis_replication_lag_seconds',
      help: "Time from the client write to the peer's acknowledgement.",
      labelNames: ['operation'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.drops = new Counter({
      name: 'artemis_replication_dropped_total',
      help: 'Replication tasks discarded, by reason (overflow, expired, rejected, shutdown, superseded: ended by an unregistration before it was sent).',
      labelNames: ['reason'] as const,
      registers,
    });
    this.retries = new Counter({
      name: 'artemis_replication_retries_total',
      help: 'Replication tasks queued again: after a failed request ("request") or a retryable per-instance answer ("instance").',
      labelNames: ['reason'] as const,
      registers,
    });
    this.failures = new Counter({
      name: 'artemis_replication_failures_total',
      help: 'Failed replication requests ("request") and instances a peer refused ("instance").',
      labelNames: ['reason'] as const,
      registers,
    });
  }

  drop(reason: DropReason, count: number): void {
    this.drops.inc({ reason }, count);
  }
}
