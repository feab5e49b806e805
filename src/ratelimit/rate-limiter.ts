import type { Clock } from '../core/clock.js';
import { SlidingWindowCounter } from '../core/sliding-window-counter.js';

export interface LimiterSettings {
  enabled: boolean;
  defaultLimit: number;
  limits: Record<string, number>;
}

/**
 * A node-wide limiter counting requests per identity (operation name, e.g. `heartbeat`) over
 * a sliding window of 1 s buckets. A rejected call is not counted.
 */
export class RateLimiter {
  private readonly counters = new Map<string, SlidingWindowCounter>();
  private readonly rejected: Array<(identity: string) => void> = [];

  constructor(
    readonly id: string,
    private readonly settings: LimiterSettings,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Tells `listener` the identity of every refused call (the operator log and the metrics count them). */
  onReject(listener: (identity: string) => void): void {
    this.rejected.push(listener);
  }

  limitFor(identity: string): number {
    return this.settings.limits[identity] ?? this.settings.defaultLimit;
  }

  tryAcquire(identity: string): boolean {
    if (!this.settings.enabled) return true;
    let counter = this.counters.get(identity);
    if (counter === undefined) {
      counter = new SlidingWindowCounter(this.windowMs);
      this.counters.set(identity, counter);
    }
    const now = this.clock.now();
    counter.add(now);
    if (counter.total(now) <= this.limitFor(identity)) return true;
    counter.add(now, -1);
    for (const l of this.rejected) l(identity);
    return false;
  }
}

interface ClientWindow {
  start: number;
  current: number;
  previous: number;
}

/**
 * Limits requests per client address, so one caller cannot use a node's whole budget. Uses the
 * two-window approximation of a sliding window (a few numbers per client) and tracks at most
 * `maxClients` addresses, forgetting the least recently seen first (and those idle for two
 * windows as others call).
 */
export class ClientRateLimiter {
  readonly id = 'artemis.service.client';
  private readonly clients = new Map<string, ClientWindow>();
  /** The address of the map's last entry (the most recently seen client). */
  private newest: string | undefined;
  private readonly rejected: Array<(address: string) => void> = [];

  constructor(
    private readonly settings: { enabled: boolean; limit: number; maxTrackedClients: number },
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** Tells `listener` the address of every refused call (the operator log and the metrics count them). */
  onReject(listener: (address: string) => void): void {
    this.rejected.push(listener);
  }

  tryAcquire(address: string): boolean {
    if (!this.settings.enabled) return true;
    const now = this.clock.now();
    this.forgetIdle(now);
    let w = this.clients.get(address);
    if (w === undefined) {
      if (this.clients.size >= this.settings.maxTrackedClients) {
        const oldest = this.clients.keys().next();
        if (oldest.done !== true) this.clients.delete(oldest.value);
      }
      w = { start: now, current: 0, previous: 0 };
      this.clients.set(address, w);
    } else if (address !== this.newest) {
      // most recently seen last; already last when the same client calls again (each instance of a batch)
      this.clients.delete(address);
      this.clients.set(address, w);
    }
    this.newest = address;
    const elapsedWindows = Math.floor((now - w.start) / this.windowMs);
    if (elapsedWindows >= 1) {
      w.previous = elapsedWindows === 1 ? w.current : 0;
      w.current = 0;
      w.start += elapsedWindows * this.windowMs;
    }
    const weight = 1 - (now - w.start) / this.windowMs;
    if (w.previous * weight + w.current + 1 > this.settings.limit) {
      for (const l of this.rejected) l(address);
      return false;
    }
    w.current++;
    return true;
  }

  /** Clients tracked now (at most `maxTrackedClients`). */
  get trackedClients(): number {
    return this.clients.size;
  }

  /**
   * Forgets up to two of the least recently seen clients whose windows are over: they count as
   * new when they come back, so the map shrinks back as callers go away.
   */
  private forgetIdle(now: number): void {
    for (let i = 0; i < 2; i++) {
      const oldest = this.clients.entries().next();
      if (oldest.done === true || now - oldest.value[1].start < 2 * this.windowMs) return;
      this.clients.delete(oldest.value[0]);
    }
  }
}
