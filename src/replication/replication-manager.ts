import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { ReplicationSettings } from './settings.js';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { AppliedListener, RegistryOperation } from '../registry/registry-service.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';
import { PeerSender } from './peer-sender.js';
import type { PeerSource } from './peers.js';
import { ReplicationMetrics } from './replication-metrics.js';
import type { Tombstones } from '../registry/tombstones.js';
import type { StaleCheck } from './task-queue.js';
import type { ReplicationTransport } from './transport.js';

/** What the manager needs to be built. */
export interface ReplicationManagerDeps {
  /** The client pipeline whose applied writes are forwarded. */
  registry: { onApplied(listener: AppliedListener): void };
  peers: PeerSource;
  config: ReplicationSettings;
  clock: Clock;
  /** The node's prom-client registry. */
  metricsRegistry: Registry;
  logger: Logger;
  /** How requests reach peers (signed HTTP in a node: createHttpTransport). */
  transport: ReplicationTransport;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** With tracing on, each task keeps the span of the client request that made it. */
  tracing?: Tracing;
  /**
   * The node's tombstones: a queued heartbeat or register whose registration an unregistration
   * known here has ended since it was queued is dropped instead of sent (the peer may not know
   * of the unregistration yet and would take the stale write in).
   */
  tombstones?: Pick<Tombstones, 'covers'>;
}

/**
 * Forwards every successful client register, heartbeat and unregister to each live peer
 * through the Java replication endpoints (spec 9.4), one bounded queue per peer. Writes that
 * arrived by replication never reach it (RegistryService does not announce them).
 */
export class ReplicationManager {
  readonly metrics: ReplicationMetrics;
  private readonly senders = new Map<string, PeerSender>();
  private running = false;
  private readonly stale: StaleCheck | undefined;

  constructor(private readonly deps: ReplicationManagerDeps) {
    const tombstones = deps.tombstones;
    if (tombstones !== undefined) this.stale = (task) => task.stamp !== undefined && task.stamp > 0 && tombstones.covers(task.key, task.stamp);
    this.metrics = new ReplicationMetrics(deps.metricsRegistry, () => this.queueDepths());
    deps.registry.onApplied((operation, instance, stamp) => this.replicate(operation, instance, stamp));
    deps.peers.onChange(() => this.syncPeers());
  }

  /** Starts forwarding to the current peers. */
  start(): void {
    this.running = true;
    this.syncPeers();
  }

  /** Queued tasks per peer. */
  queueDepths(): Map<string, number> {
    return new Map(Array.from(this.senders, ([peer, s]) => [peer, s.queue.size]));
  }

  /** Queues one applied client write for every peer; `stamp` orders it against unregistrations. */
  replicate(operation: RegistryOperation, instance: Instance, stamp = 0): void {
    if (!this.running || this.senders.size === 0) return;
    const writtenAt = this.deps.clock.now();
    // Called synchronously from the client request's handler, so its span is the current one.
    const spanContext = this.deps.tracing?.enabled === true ? this.deps.tracing.currentSpanContext() : undefined;
    const task = { operation, instance, key: instanceKey(instance), stamp, writtenAt, expiresAt: writtenAt + this.deps.config.taskTtlMs, spanContext };
    for (const sender of this.senders.values()) sender.enqueue(task);
  }

  private syncPeers(): void {
    if (!this.running) return;
    const wanted = new Set(this.deps.peers.peers());
    for (const [peer, sender] of this.senders) {
      if (wanted.has(peer)) continue;
      this.senders.delete(peer);
      void sender.close(0);
    }
    for (const peer of wanted) {
      if (this.senders.has(peer)) continue;
      const { config, clock, metrics, logger } = { ...this.deps, metrics: this.metrics };
      const transport = this.deps.transport;
      const backoff = { baseBackoffMs: this.deps.baseBackoffMs, maxBackoffMs: this.deps.maxBackoffMs };
      this.senders.set(peer, new PeerSender(peer, { config, clock, transport, metrics, logger, ...backoff, tracing: this.deps.tracing, stale: this.stale }));
    }
  }

  /** Flushes every queue until `deadline` (epoch ms), then stops; idempotent. */
  async stop(deadline: number): Promise<void> {
    this.running = false;
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(senders.map((s) => s.close(deadline)));
  }
}
