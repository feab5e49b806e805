import type { Clock } from '../core/clock.js';
import { SlidingWindowCounter } from '../core/sliding-window-counter.js';

export interface SelfPreservationSettings {
  enabled: boolean;
  windowMs: number;
  percentageThreshold: number;
  maxCountThreshold: number;
  maxCountResetIntervalMs: number;
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
 */
export class SelfPreservation {
  private readonly counter: SlidingWindowCounter;
  private safe = true;
  private maxCount = 0;
  private maxCountUpdateTime = 0;

  constructor(
    private readonly settings: SelfPreservationSettings,
    private readonly clock: Clock,
  ) {
    this.counter = new SlidingWindowCounter(settings.windowMs);
    this.maxCountUpdateTime = clock.now();
  }

  recordRenewal(): void {
    this.counter.add(this.clock.now());
  }

  /** Safe to expire leases: the state is safe, or the checker is disabled. */
  get isSafe(): boolean {
    return this.safe || !this.settings.enabled;
  }

  /** One evaluation; runs every check interval. */
  check(): void {
    const now = this.clock.now();
    const count = this.counter.total(now);
    if (count > this.maxCount) {
      this.maxCount = count;
      this.maxCountUpdateTime = now;
      return;
    }
    if (this.maxCount === 0 || this.maxCount < this.settings.maxCountThreshold) return;
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
      maxCount: this.maxCount,
      maxCountUpdateTime: this.maxCountUpdateTime,
    };
  }
}
