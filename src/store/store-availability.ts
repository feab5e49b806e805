import { randomUUID } from 'node:crypto';
import type { StoreAvailability } from './management-store.js';

/**
 * Whether a store answers, as its adapter sees it: `down(reason)` when a connection is lost or a
 * command fails for want of the database, `up()` when one succeeds or the connection is back.
 */
export class AvailabilityTracker {
  private state: StoreAvailability = { available: true, since: 0, reason: '' };

  constructor(private readonly now: () => number = Date.now) {}

  get(): StoreAvailability {
    return this.state;
  }

  up(): void {
    if (!this.state.available) this.state = { available: true, since: 0, reason: this.state.reason };
  }

  down(reason: string): void {
    this.state = { available: false, since: this.state.available ? this.now() : this.state.since, reason };
  }
}

/** A fresh store identity. */
export function newStoreIdentity(): string {
  return randomUUID();
}
