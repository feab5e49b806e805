import type { SpanContext } from '@opentelemetry/api';
import type { Instance } from '../core/wire/instance.js';
import type { RegistryOperation } from '../registry/registry-service.js';

/** One client write to forward to peers; shared by every peer's queue. */
export interface ReplicationTask {
  readonly operation: RegistryOperation;
  readonly instance: Instance;
  /** Canonical instance identity. */
  readonly key: string;
  /** Order stamp of the registration the write concerns (sent beside the instance as `stamps`); 0 when unknown. */
  readonly stamp?: number;
  /** When the client write was applied locally (Clock ms). */
  readonly writtenAt: number;
  /** After this (Clock ms) the task is dropped. */
  readonly expiresAt: number;
  /** With tracing on: the span of the client request that made the write (the batch span links to it). */
  readonly spanContext?: SpanContext | undefined;
}

/**
 * Why queued tasks were discarded; `superseded`: a heartbeat or register of a registration that
 * an unregistration known here has ended since it was queued.
 */
export type DropReason = 'overflow' | 'expired' | 'rejected' | 'shutdown' | 'superseded';

/** True for a queued write whose registration is over by what this node now knows. */
export type StaleCheck = (task: ReplicationTask) => boolean;

/**
 * The bounded queue of one peer, holding at most one task per instance identity: a newer write
 * replaces the queued one in place (so heartbeats coalesce), except that a heartbeat never
 * replaces a queued register (the register renews the lease too and carries the data). Retried
 * tasks are sent before new ones unless a newer write for the same instance is queued. A task
 * is checked once more as it is taken: a heartbeat or register that waited (queued, retried)
 * while an unregistration of its registration reached this node is dropped instead of being
 * sent, so a peer that has not heard of the unregistration yet is not handed a stale write.
 */
export class TaskQueue {
  private readonly retries = new Map<string, ReplicationTask>();
  private readonly pending = new Map<string, ReplicationTask>();

  constructor(
    private readonly maxSize: number,
    private readonly onDrop: (reason: DropReason, count: number) => void,
    private readonly stale: StaleCheck = () => false,
  ) {}

  get size(): number {
    return this.retries.size + this.pending.size;
  }

  /** Queues a new write, dropping the oldest task when the queue is full. */
  push(task: ReplicationTask): void {
    this.retries.delete(task.key);
    const queued = this.pending.get(task.key);
    if (queued?.operation === 'register' && task.operation === 'heartbeat') return;
    this.pending.set(task.key, task);
    while (this.size > this.maxSize) this.dropOldest();
  }

  /** Puts failed tasks back at the front; superseded or expired ones are discarded. */
  retry(tasks: readonly ReplicationTask[], now: number): void {
    let expired = 0;
    for (const task of tasks) {
      if (this.pending.has(task.key) || this.retries.has(task.key)) continue;
      if (task.expiresAt <= now) expired++;
      else this.retries.set(task.key, task);
    }
    if (expired > 0) this.onDrop('expired', expired);
    while (this.size > this.maxSize) this.dropOldest();
  }

  /** Removes and returns up to `max` live tasks, retries first; expired and stale ones are dropped. */
  take(max: number, now: number): ReplicationTask[] {
    const out: ReplicationTask[] = [];
    let expired = 0;
    let superseded = 0;
    for (const source of [this.retries, this.pending]) {
      for (const [key, task] of source) {
        if (out.length >= max) break;
        source.delete(key);
        if (task.expiresAt <= now) expired++;
        else if (task.operation !== 'unregister' && this.stale(task)) superseded++;
        else out.push(task);
      }
    }
    if (expired > 0) this.onDrop('expired', expired);
    if (superseded > 0) this.onDrop('superseded', superseded);
    return out;
  }

  /** Empties the queue, counting what it held as dropped for `reason`. */
  clear(reason: DropReason): void {
    const n = this.size;
    this.retries.clear();
    this.pending.clear();
    if (n > 0) this.onDrop(reason, n);
  }

  private dropOldest(): void {
    const source = this.retries.size > 0 ? this.retries : this.pending;
    const first = source.keys().next();
    if (first.done === true) return;
    source.delete(first.value);
    this.onDrop('overflow', 1);
  }
}
