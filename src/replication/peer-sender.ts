import type { Clock } from '../core/clock.js';
import type { SenderSettings } from './settings.js';
import type { RegistryOperation } from '../registry/registry-service.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { failSpan, type Tracing } from '../telemetry/tracing.js';
import type { ReplicationMetrics } from './replication-metrics.js';
import { TaskQueue, type ReplicationTask, type StaleCheck } from './task-queue.js';
import { classifyAnswer, type ReplicationTransport } from './transport.js';

/** Shared collaborators of every PeerSender. */
export interface PeerSenderDeps {
  config: SenderSettings;
  clock: Clock;
  transport: ReplicationTransport;
  metrics: ReplicationMetrics;
  logger: Logger;
  /** Backoff after the first failure; doubles per consecutive failure up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** With tracing on, each request gets a CLIENT span linked to the client requests it carries. */
  tracing?: Tracing;
  /** Heartbeats and registers this says are over are dropped when taken, not sent. */
  stale?: StaleCheck;
}

const OPERATIONS: readonly RegistryOperation[] = ['register', 'heartbeat', 'unregister'];

/**
 * Forwards queued writes to one peer: batches by size and delay, one request per operation
 * type per batch and one batch in flight at a time; failed tasks are retried with jittered
 * exponential backoff until their time-to-live runs out.
 */
export class PeerSender {
  readonly queue: TaskQueue;
  private timer: NodeJS.Timeout | undefined;
  private urgent = false;
  private inFlight: Promise<boolean> | undefined;
  private failures = 0;
  private backoffUntil = 0;
  private closed = false;

  constructor(
    readonly peer: string,
    private readonly deps: PeerSenderDeps,
  ) {
    this.queue = new TaskQueue(deps.config.maxQueue, (reason, n) => deps.metrics.drop(reason, n), deps.stale);
  }

  enqueue(task: ReplicationTask): void {
    if (this.closed) return;
    this.queue.push(task);
    // Registers and unregisters change what peers serve: send them on the next turn instead of
    // waiting for a heartbeat batch to fill.
    if (task.operation !== 'heartbeat') this.urgent = true;
    if ((this.urgent || this.queue.size >= this.deps.config.maxBatch) && this.timer !== undefined && this.backoffUntil <= this.deps.clock.now()) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.arm();
  }

  private arm(): void {
    if (this.closed || this.inFlight !== undefined || this.timer !== undefined || this.queue.size === 0) return;
    const { maxBatch, batchDelayMs } = this.deps.config;
    const wait = Math.max(this.urgent || this.queue.size >= maxBatch ? 0 : batchDelayMs, this.backoffUntil - this.deps.clock.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.urgent = false;
      this.inFlight = this.sendBatch(this.deps.config.timeoutMs);
      void this.inFlight.finally(() => {
        this.inFlight = undefined;
        this.arm();
      });
    }, wait);
    this.timer.unref();
  }

  /** Sends one batch; true when nothing of it has to be retried. */
  private async sendBatch(timeoutMs: number): Promise<boolean> {
    const batch = this.queue.take(this.deps.config.maxBatch, this.deps.clock.now());
    if (batch.length === 0) return true;
    const retry: ReplicationTask[] = [];
    await Promise.all(
      OPERATIONS.map(async (operation) => {
        const tasks = batch.filter((t) => t.operation === operation);
        if (tasks.length > 0) retry.push(...(await this.sendGroup(operation, tasks, timeoutMs)));
      }),
    );
    const now = this.deps.clock.now();
    if (retry.length === 0) {
      this.failures = 0;
      this.backoffUntil = 0;
      return true;
    }
    this.failures++;
    this.backoffUntil = now + this.backoff();
    this.queue.retry(retry, now);
    return false;
  }

  private backoff(): number {
    const base = this.deps.baseBackoffMs ?? 50;
    const cap = this.deps.maxBackoffMs ?? 2_000;
    const delay = Math.min(cap, base * 2 ** Math.min(this.failures - 1, 20));
    return delay / 2 + Math.random() * (delay / 2);
  }

  /** Sends one request; returns the tasks to retry. */
  private async sendGroup(operation: RegistryOperation, tasks: ReplicationTask[], timeoutMs: number): Promise<ReplicationTask[]> {
    const { metrics, transport, clock } = this.deps;
    metrics.batchSize.observe({ operation }, tasks.length);
    const tracing = this.deps.tracing?.enabled === true ? this.deps.tracing : undefined;
    const span = tracing?.startBatchSpan(
      'artemis.replication.batch',
      {
        'artemis.replication.operation': operation,
        'artemis.replication.peer': this.peer,
        'artemis.replication.batch_size': tasks.length,
        'http.request.method': 'POST',
        'url.full': `${this.peer}/api/replication/registry/${operation}.json`,
      },
      tasks.map((t) => t.spanContext),
    );
    let outcome;
    try {
      const headers = span === undefined ? undefined : tracing?.injectHeaders(span);
      const stamps = tasks.map((t) => t.stamp ?? 0);
      outcome = classifyAnswer(await transport.send(this.peer, operation, tasks.map((t) => t.instance), timeoutMs, headers, stamps), tasks);
    } catch (err) {
      if (span !== undefined) {
        failSpan(span, err);
        span.end();
      }
      metrics.failures.inc({ reason: 'request' });
      metrics.retries.inc({ reason: 'request' }, tasks.length);
      if (this.failures === 0) this.deps.logger.warn({ ...errorFields(err), peer: this.peer, operation }, 'replication request failed; retrying');
      return tasks;
    }
    const now = clock.now();
    for (const t of outcome.acked) metrics.lag.observe({ operation }, (now - t.writtenAt) / 1000);
    if (outcome.rejected.length > 0) {
      metrics.failures.inc({ reason: 'instance' }, outcome.rejected.length);
      metrics.drop('rejected', outcome.rejected.length);
    }
    if (outcome.retry.length > 0) metrics.retries.inc({ reason: 'instance' }, outcome.retry.length);
    if (span !== undefined) {
      span.setAttributes({ 'artemis.replication.retried': outcome.retry.length, 'artemis.replication.rejected': outcome.rejected.length });
      span.end();
    }
    return outcome.retry;
  }

  /**
   * Stops batching, then sends what is queued until the queue is empty, the peer fails or the
   * deadline (epoch ms) passes; whatever is left is dropped.
   */
  async close(deadline: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    while (this.queue.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await this.sendBatch(Math.min(this.deps.config.timeoutMs, remaining)))) break;
    }
    this.queue.clear('shutdown');
  }
}
