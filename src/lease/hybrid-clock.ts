import type { Clock } from '../core/clock.js';

/** Stamps per millisecond: a stamp is `ms * STAMPS_PER_MS + counter`, one safe integer. */
export const STAMPS_PER_MS = 1_000;

/**
 * A hybrid logical clock that orders the registrations of the cluster without trusting any
 * node's wall clock. Each stamp is later than every stamp this node made or took in from a peer,
 * and follows the local wall clock when that is ahead. A node whose clock runs 90 s ahead drags
 * the others' stamps forward, but never makes an older registration look newer than a later one
 * that saw it: ordering holds by what each node observed, not by the clocks agreeing.
 */
export class HybridClock {
  private last = 0;

  constructor(private readonly clock: Clock) {}

  /** A new stamp, later than every stamp made or observed here. */
  tick(): number {
    const physical = this.clock.now() * STAMPS_PER_MS;
    this.last = physical > this.last ? physical : this.last + 1;
    return this.last;
  }

  /** Takes in a stamp a peer sent: every later tick orders after it. */
  observe(stamp: number): void {
    if (Number.isSafeInteger(stamp) && stamp > this.last) this.last = stamp;
  }

  /** The latest stamp made or observed (0 before the first). */
  get current(): number {
    return this.last;
  }
}

/** True for a value that can be a stamp (a positive safe integer). */
export function isStamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
