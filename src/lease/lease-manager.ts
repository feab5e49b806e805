import type { Clock } from '../core/clock.js';
import type { Instance } from '../core/wire/instance.js';
import type { SelfPreservation } from './self-preservation.js';

/** One registration's lease. Mutated in place on renewal: no allocation per heartbeat. */
export interface Lease {
  readonly key: string;
  readonly instance: Instance;
  readonly creationTime: number;
  /**
   * Order stamp of the registration this lease belongs to (HybridClock of the node that took it
   * from the client, carried along by replication and copies); 0 when unknown.
   */
  readonly incarnation: number;
  renewalTime: number;
  /** 0 while not unregistered. */
  evictionTime: number;
  /** Sticky: once seen expired, a lease never becomes live again; the client must re-register. */
  expired: boolean;
  /** Address of the client that registered it; null for a replicated or copied registration. */
  readonly owner: string | null;
}

export type LeaseRemovalReason = 'expired' | 'unregistered';

export interface LeaseSettings {
  ttlMs: number;
}

export type LeaseTableName = 'instance' | 'legacy-instance';

/**
 * A table of leases keyed by canonical instance identity, swept periodically by one task (never
 * a timer per lease). Every removal is reported to the listeners added with `onRemoval`.
 */
export class LeaseManager {
  private readonly leases = new Map<string, Lease>();

  constructor(
    readonly name: LeaseTableName,
    private readonly settings: LeaseSettings,
    private readonly clock: Clock,
    readonly safety: SelfPreservation,
  ) {}

  private removalListeners: Array<(lease: Lease, reason: LeaseRemovalReason) => void> = [];

  /** Calls `listener` for every lease a sweep removes. */
  onRemoval(listener: (lease: Lease, reason: LeaseRemovalReason) => void): void {
    this.removalListeners = [...this.removalListeners, listener];
  }

  get size(): number {
    return this.leases.size;
  }

  get ttlMs(): number {
    return this.settings.ttlMs;
  }

  get(key: string): Lease | undefined {
    return this.leases.get(key);
  }

  values(): IterableIterator<Lease> {
    return this.leases.values();
  }

  /** Creates a fresh lease, replacing any lease of the same identity. */
  put(key: string, instance: Instance, incarnation = 0, owner: string | null = null): Lease {
    const now = this.clock.now();
    const lease: Lease = { key, instance, creationTime: now, incarnation, renewalTime: now, evictionTime: 0, expired: false, owner };
    this.leases.set(key, lease);
    return lease;
  }

  /** Drops a lease without reporting it (its identity moved to another table). */
  discard(key: string): Lease | undefined {
    const lease = this.leases.get(key);
    if (lease) this.leases.delete(key);
    return lease;
  }

  isExpired(lease: Lease, now: number): boolean {
    if (lease.expired) return true;
    if (lease.evictionTime > 0 || now > lease.renewalTime + this.settings.ttlMs) lease.expired = true;
    return lease.expired;
  }

  /** Renews a live lease. False when it is missing, expired or unregistered. */
  renew(key: string): boolean {
    return this.renewed(key) !== undefined;
  }

  /** Renews a live lease and returns it (one lookup of the key); undefined when it is missing, expired or unregistered. */
  renewed(key: string): Lease | undefined {
    const lease = this.leases.get(key);
    if (lease === undefined) return undefined;
    const now = this.clock.now();
    if (this.isExpired(lease, now)) return undefined;
    lease.renewalTime = now;
    this.safety.recordRenewal();
    return lease;
  }

  /** Marks a lease unregistered; the next sweep removes it. False when there is none. */
  evict(key: string): boolean {
    const lease = this.leases.get(key);
    if (lease === undefined) return false;
    if (lease.evictionTime === 0) lease.evictionTime = this.clock.now();
    return true;
  }

  /** Removes unregistered leases, and expired ones unless self-preservation says unsafe. */
  sweep(): number {
    const now = this.clock.now();
    const grace = this.safety.startupGraceMs();
    if (grace !== null) {
      let live = 0;
      let renewing = 0;
      for (const lease of this.leases.values()) {
        if (lease.evictionTime > 0) continue;
        live++;
        if (now - lease.renewalTime <= grace) renewing++;
      }
      this.safety.judgeStartup(renewing, live);
    }
    const safe = this.safety.isSafe;
    let removed = 0;
    for (const lease of this.leases.values()) {
      let reason: LeaseRemovalReason;
      if (lease.evictionTime > 0) reason = 'unregistered';
      else if (safe && this.isExpired(lease, now)) reason = 'expired';
      else continue;
      this.safety.leaseRemoved(lease.renewalTime, this.leases.size);
      this.leases.delete(lease.key);
      removed++;
      for (const listener of this.removalListeners) listener(lease, reason);
    }
    return removed;
  }
}
