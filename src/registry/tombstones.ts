import type { Clock } from '../core/clock.js';
import { serviceKey, type Instance } from '../core/wire/instance.js';

/** An unregistration this node knows of. */
export interface Tombstone {
  readonly key: string;
  readonly serviceKey: string;
  readonly instance: Instance;
  /** Order stamp of the unregistration: registrations stamped up to it are over. */
  readonly stamp: number;
  /** When this node learnt of it (its own clock): for expiry only, never for ordering. */
  readonly recordedAt: number;
}

/**
 * Unregistrations remembered for `ttlMs`, so that no heartbeat, replicated write or copy that
 * belongs to an ended registration brings the instance back. Ordering is by the registration's
 * stamp (the origin's HybridClock), never by when a write happened to arrive here.
 */
export class Tombstones {
  private readonly byKey = new Map<string, Tombstone>();
  private readonly byService = new Map<string, Set<string>>();
  private lastPrune = 0;

  constructor(
    private readonly clock: Clock,
    readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): Tombstone | undefined {
    return this.byKey.get(key);
  }

  /**
   * True when a write of the registration stamped `stamp` is older than the unregistration (a
   * write without a stamp, from a Java peer, counts as older while the tombstone lasts).
   */
  covers(key: string, stamp: number | undefined): boolean {
    const t = this.byKey.get(key);
    return t !== undefined && (stamp === undefined || stamp <= t.stamp);
  }

  /** Records that registrations up to `stamp` are over; an existing later tombstone stays. */
  record(key: string, instance: Instance, stamp: number): void {
    const old = this.byKey.get(key);
    if (old !== undefined && old.stamp >= stamp) return;
    if (old !== undefined) this.drop(key);
    const sKey = serviceKey(instance.serviceId as string);
    this.byKey.set(key, { key, serviceKey: sKey, instance, stamp, recordedAt: this.clock.now() });
    let keys = this.byService.get(sKey);
    if (keys === undefined) this.byService.set(sKey, (keys = new Set()));
    keys.add(key);
    if (this.clock.now() - this.lastPrune > this.ttlMs / 4) this.prune();
  }

  /** Forgets the tombstone (a later registration superseded it). */
  drop(key: string): void {
    const t = this.byKey.get(key);
    if (t === undefined) return;
    this.byKey.delete(key);
    const keys = this.byService.get(t.serviceKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byService.delete(t.serviceKey);
  }

  /** Tombstones of one service (canonical service key). */
  *forService(sKey: string): IterableIterator<Tombstone> {
    for (const key of this.byService.get(sKey) ?? []) {
      const t = this.byKey.get(key);
      if (t !== undefined) yield t;
    }
  }

  values(): IterableIterator<Tombstone> {
    return this.byKey.values();
  }

  /**
   * Drops tombstones recorded more than the TTL ago. The table is in the order they were
   * recorded (a replaced tombstone moves to the end), so the walk stops at the first one still
   * fresh: the cost is what expired, not what is kept.
   */
  prune(): void {
    const now = this.clock.now();
    this.lastPrune = now;
    const oldest = now - this.ttlMs;
    for (const [key, t] of this.byKey) {
      if (t.recordedAt >= oldest) break;
      this.drop(key);
    }
  }
}
