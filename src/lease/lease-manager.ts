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

/** The one shape every lease has (fields in a fixed order, no spare slots); only the table writes the registration's fields. */
class LeaseRecord implements Lease {
  renewalTime: number;
  evictionTime = 0;
  expired = false;

  constructor(
    readonly key: string,
    readonly instance: Instance,
    public creationTime: number,
    public incarnation: number,
    public owner: string | null,
  ) {
    this.renewalTime = creationTime;
  }
}

export type LeaseRemovalReason = 'expired' | 'unregistered';

export interface LeaseSettings {
  ttlMs: number;
}

/** Longest slice of the event loop one step of a sliced sweep takes. */
const SWEEP_SLICE_MS = 2;

/** Where a sweep stands: counting renewing leases (first window after a seeded start), then removing. */
interface SweepPass {
  counting: boolean;
  /** While counting: how long a lease may go unrenewed and still count as renewing. */
  graceMs: number;
  leases: IterableIterator<Lease>;
  live: number;
  renewing: number;
  /** Expired leases may be removed in this pass (judged when the removing walk starts). */
  safe: boolean;
  done: boolean;
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

  private sweepEndListeners: Array<() => void> = [];

  /** Calls `listener` for every lease a sweep removes. */
  onRemoval(listener: (lease: Lease, reason: LeaseRemovalReason) => void): void {
    this.removalListeners = [...this.removalListeners, listener];
  }

  /** Calls `listener` each time a sweep has looked at the whole table (after the removals it reported). */
  onSweepEnd(listener: () => void): void {
    this.sweepEndListeners = [...this.sweepEndListeners, listener];
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
    const lease = new LeaseRecord(key, instance, now, incarnation, owner);
    this.leases.set(key, lease);
    return lease;
  }

  /**
   * Makes a held lease the lease of a new registration of the same instance object, as `put`
   * would with a fresh one: created and renewed now, live again (also if it was seen expired or
   * marked unregistered and not swept yet), with the registration's stamp and owner.
   */
  restart(lease: Lease, incarnation: number, owner: string | null): void {
    const record = lease as LeaseRecord;
    record.creationTime = record.renewalTime = this.clock.now();
    record.incarnation = incarnation;
    record.owner = owner;
    record.evictionTime = 0;
    record.expired = false;
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
    this.safety.recordRenewal(now);
    return lease;
  }

  /** Marks a lease unregistered; the next sweep removes it. False when there is none. */
  evict(key: string): boolean {
    const lease = this.leases.get(key);
    if (lease === undefined) return false;
    if (lease.evictionTime === 0) lease.evictionTime = this.clock.now();
    return true;
  }

  /**
   * Marks a lease unregistered and removes it at once, reported to the listeners as
   * `unregistered` (what a sweep would do later for an `evict`ed one). Undefined when there is none.
   */
  unregister(key: string): Lease | undefined {
    const lease = this.leases.get(key);
    if (lease === undefined) return undefined;
    if (lease.evictionTime === 0) lease.evictionTime = this.clock.now();
    this.remove(lease, 'unregistered');
    return lease;
  }

  /** Takes a lease out of the table: self-preservation counts it gone, the listeners hear why. */
  private remove(lease: Lease, reason: LeaseRemovalReason): void {
    this.safety.leaseRemoved(lease.renewalTime, this.leases.size);
    this.leases.delete(lease.key);
    for (const listener of this.removalListeners) listener(lease, reason);
  }

  /** Removes unregistered leases, and expired ones unless self-preservation says unsafe; in one go. */
  sweep(): number {
    const pass = this.startPass();
    let removed = 0;
    while (!pass.done) removed += this.step(pass, Number.POSITIVE_INFINITY);
    return removed;
  }

  /**
   * The same sweep in slices of at most `sliceMs` of the event loop each, yielding between them
   * (a table of a million leases takes tens of milliseconds to walk). Resolves with the number
   * of leases removed once the whole table has been looked at.
   */
  async sweepInSlices(sliceMs = SWEEP_SLICE_MS): Promise<number> {
    const pass = this.startPass();
    let removed = 0;
    for (;;) {
      removed += this.step(pass, performance.now() + sliceMs);
      if (pass.done) return removed;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private startPass(): SweepPass {
    const graceMs = this.safety.startupGraceMs();
    const counting = graceMs !== null;
    return { counting, graceMs: graceMs ?? 0, leases: this.leases.values(), live: 0, renewing: 0, safe: counting ? false : this.safety.isSafe, done: false };
  }

  /** Works on `pass` until it is done or `deadline` (performance.now()) passed; returns the leases removed. */
  private step(pass: SweepPass, deadline: number): number {
    const now = this.clock.now();
    let removed = 0;
    let visited = 0;
    while (!pass.done) {
      if ((++visited & 63) === 0 && performance.now() > deadline) break;
      const next = pass.leases.next();
      if (next.done === true) {
        if (!pass.counting) {
          pass.done = true;
          for (const listener of this.sweepEndListeners) listener();
          break;
        }
        // The start-up count is complete: judge it, then walk the table again to remove.
        pass.counting = false;
        this.safety.judgeStartup(pass.renewing, pass.live);
        pass.safe = this.safety.isSafe;
        pass.leases = this.leases.values();
        continue;
      }
      const lease = next.value;
      if (pass.counting) {
        if (lease.evictionTime > 0) continue;
        pass.live++;
        if (now - lease.renewalTime <= pass.graceMs) pass.renewing++;
        continue;
      }
      let reason: LeaseRemovalReason;
      if (lease.evictionTime > 0) reason = 'unregistered';
      else if (pass.safe && this.isExpired(lease, now)) reason = 'expired';
      else continue;
      this.remove(lease, reason);
      removed++;
      // removals call the listeners (index, change bus): the clock is checked after each
      if (performance.now() > deadline) break;
    }
    return removed;
  }
}
