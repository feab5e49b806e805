import type { Clock } from '../core/clock.js';
import { SlidingWindowCounter } from '../core/sliding-window-counter.js';

/** Slots per window in which the shares of departed leases are summed. */
const DEPARTED_SLOTS = 64;

export interface SelfPreservationSettings {
  enabled: boolean;
  windowMs: number;
  percentageThreshold: number;
  maxCountThreshold: number;
  maxCountResetIntervalMs: number;
  /** Period of `check()`; a check that runs much later than this means the process was paused. */
  checkIntervalMs?: number;
}

export interface SelfPreservationStats {
  isSafe: boolean;
  enabled: boolean;
  countInWindow: number;
  maxCount: number;
  maxCountUpdateTime: number;
}

/**
 * Self-preservation of one lease table. It counts successful renewals over a sliding window and
 * remembers the highest count seen; when the count falls below a percentage of that maximum the
 * table turns unsafe and the sweep keeps expired leases (a sudden drop means a partition or an
 * overloaded node, not a fleet that died). Unregistered leases are removed regardless.
 *
 * The baseline follows the fleet: every lease that leaves (unregistered, or expired while safe)
 * takes its share of the maximum with it, and the renewals it left in the window are discounted
 * as they age out, so a graceful scale-down never looks like a silent loss. A sudden silence of
 * many leases still trips it, because their renewals stop long before their leases expire. A
 * check that runs late (the process was paused) does not raise the maximum for one window: the
 * backlog a paused node works off is not the fleet's rate.
 */
export class SelfPreservation {
  private readonly counter: SlidingWindowCounter;
  private safe = true;
  private maxCount = 0;
  private maxCountUpdateTime = 0;
  /**
   * Shares of departed leases still counted in the window, by when their renewals stopped, in
   * DEPARTED_SLOTS slots of the window (a mass unregistration of a million leases is a few
   * dozen entries): slot -> [sum of share x stop time, sum of shares].
   */
  private readonly departed = new Map<number, [number, number]>();
  private lastCheck: number | undefined;
  private noRaiseUntil = 0;
  private protectUntil = 0;
  /** After a start-up copy with a known renewal rate: the first window is judged lease by lease. */
  private seeded: { until: number; graceMs: number } | undefined;
  private seededSafe = true;

  constructor(
    private readonly settings: SelfPreservationSettings,
    private readonly clock: Clock,
  ) {
    this.counter = new SlidingWindowCounter(settings.windowMs);
    this.maxCountUpdateTime = clock.now();
  }

  /** Counts one renewal at `now` (the caller's reading of the same clock, when it has one). */
  recordRenewal(now: number = this.clock.now()): void {
    this.counter.add(now);
  }

  /** Safe to expire leases: the state is safe (and not held protective), or the checker is disabled. */
  get isSafe(): boolean {
    if (!this.settings.enabled) return true;
    const now = this.clock.now();
    // A check long overdue means the process was paused (or starved): until the next check has
    // looked at the counts, expiring is not safe (a sweep right after a pause would otherwise
    // remove every lease whose renewals are still waiting in the socket buffers).
    if (this.lastCheck !== undefined && now - this.lastCheck > 3 * (this.settings.checkIntervalMs ?? 1_000)) return false;
    if (this.seeded !== undefined && now < this.seeded.until) return this.seededSafe && now >= this.protectUntil;
    return this.safe && now >= this.protectUntil;
  }

  /**
   * Renewals per lease per second this table sees (its baseline, or the current count when that
   * is higher), for a peer that copies the registry at start; null when there is nothing to go by.
   */
  renewalRate(leases: number): number | null {
    const count = Math.max(this.maxCount, this.counter.total(this.clock.now()));
    if (leases <= 0 || count <= 0) return null;
    return count / leases / (this.settings.windowMs / 1_000);
  }

  /**
   * A node that just copied `leases` leases from peers that renew each `rate` times a second
   * takes its baseline from that copy: the expected count of a full window. Its own counter is
   * still filling during the first window, so meanwhile the table is judged lease by lease
   * (`judgeStartup`): a lease counts as renewing while it was renewed within two renewal
   * intervals (plus a second of replication delay). Without a rate (a Java peer answered the
   * copy) the table stays protective for its first window instead.
   */
  seedBaseline(rate: number | null, leases: number): void {
    const now = this.clock.now();
    const window = this.settings.windowMs;
    if (rate === null || !(rate > 0) || leases <= 0) {
      if (leases > 0) this.protectFor(window);
      return;
    }
    const expected = rate * leases * (window / 1_000);
    if (expected > this.maxCount) {
      this.maxCount = expected;
      this.maxCountUpdateTime = now;
    }
    this.seeded = { until: now + window, graceMs: 2_000 / rate + 1_000 };
    this.seededSafe = true;
  }

  /** During the first window after `seedBaseline`: how long a lease may go unrenewed and still count as renewing; null otherwise. */
  startupGraceMs(): number | null {
    return this.seeded !== undefined && this.clock.now() < this.seeded.until ? this.seeded.graceMs : null;
  }

  /** The sweep's count during the first window: `renewing` of `leases` were renewed within the grace. */
  judgeStartup(renewing: number, leases: number): void {
    if (leases === 0 || this.maxCount < this.settings.maxCountThreshold) {
      this.seededSafe = true;
      return;
    }
    this.seededSafe = Math.floor((renewing * 100) / leases) >= this.settings.percentageThreshold;
  }

  /**
   * Keeps expired leases for `ms` from now whatever the counts say: a node that starts with a
   * copied registry has no renewal baseline yet, and must not expire what its peers still renew.
   */
  protectFor(ms: number): void {
    this.protectUntil = Math.max(this.protectUntil, this.clock.now() + ms);
  }

  /**
   * A lease left the table. `lastRenewal` is when its renewals stopped; `leasesBefore` the table
   * size before it left. Lowers the baseline by the lease's share.
   */
  leaseRemoved(lastRenewal: number, leasesBefore: number): void {
    if (leasesBefore <= 0 || this.maxCount === 0) return;
    const share = this.maxCount / leasesBefore;
    this.maxCount -= share;
    if (this.clock.now() - lastRenewal >= this.settings.windowMs) return;
    const slot = Math.floor(lastRenewal / (this.settings.windowMs / DEPARTED_SLOTS));
    const entry = this.departed.get(slot);
    if (entry === undefined) this.departed.set(slot, [share * lastRenewal, share]);
    else {
      entry[0] += share * lastRenewal;
      entry[1] += share;
    }
  }

  /**
   * Renewals of departed leases still inside the window (each fades out linearly as it ages; a
   * slot fades as one lease that stopped at the slot's share-weighted mean time).
   */
  private departedInWindow(now: number): number {
    const window = this.settings.windowMs;
    let sum = 0;
    for (const [slot, [weighted, share]] of this.departed) {
      const age = now - weighted / share;
      if (age >= window) this.departed.delete(slot);
      else sum += share * (1 - age / window);
    }
    return sum;
  }

  /** One evaluation; runs every check interval. */
  check(): void {
    const now = this.clock.now();
    const interval = this.settings.checkIntervalMs ?? 1_000;
    if (this.lastCheck !== undefined && now - this.lastCheck > 3 * interval) this.noRaiseUntil = now + this.settings.windowMs;
    this.lastCheck = now;
    const count = Math.max(0, this.counter.total(now) - this.departedInWindow(now));
    if (count > this.maxCount) {
      if (now < this.noRaiseUntil) return;
      this.maxCount = count;
      this.maxCountUpdateTime = now;
      return;
    }
    if (this.maxCount === 0 || this.maxCount < this.settings.maxCountThreshold) return;
    // The first window after a seeded start is judged by the sweep, lease by lease.
    if (this.seeded !== undefined && now < this.seeded.until) return;
    const percentage = Math.floor((count * 100) / this.maxCount);
    if (percentage < this.settings.percentageThreshold) {
      this.safe = false;
      return;
    }
    this.safe = true;
    if (now - this.maxCountUpdateTime > this.settings.maxCountResetIntervalMs) {
      this.maxCount = count;
      this.maxCountUpdateTime = now;
    }
  }

  stats(): SelfPreservationStats {
    return {
      isSafe: this.isSafe,
      enabled: this.settings.enabled,
      countInWindow: this.counter.total(this.clock.now()),
      maxCount: Math.round(this.maxCount),
      maxCountUpdateTime: this.maxCountUpdateTime,
    };
  }
}
