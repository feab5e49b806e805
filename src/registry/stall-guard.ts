/**
 * Tells whether the node is working off requests that waited through a stall of its event loop
 * (a pause, SIGSTOP, a VM freeze): their clients have timed out and moved on, so a late register
 * would be stamped after the unregistration that followed it on another node.
 *
 * `tick` runs every `guardMs / 4` (a scheduled task). While the last tick is older than
 * `guardMs`, the node is stalled or just resumed and the timers have not caught up; once the
 * late tick notices the gap, the node still counts as resuming for `guardMs / 2` more, because
 * requests that waited in the kernel's queues are read in the loop turns after that tick too.
 */
export class StallGuard {
  private lastTick: number | undefined;
  private resumedAt = -Infinity;

  constructor(
    readonly guardMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How often `tick` must run. */
  get intervalMs(): number {
    return Math.max(10, Math.floor(this.guardMs / 4));
  }

  tick(): void {
    const now = this.now();
    if (this.lastTick !== undefined && now - this.lastTick > this.guardMs) this.resumedAt = now;
    this.lastTick = now;
  }

  /** True while client writes are answered `service-unavailable` (never with `guardMs` 0). */
  resuming(): boolean {
    if (this.guardMs <= 0 || this.lastTick === undefined) return false;
    const now = this.now();
    return now - this.lastTick > this.guardMs || now - this.resumedAt < this.guardMs / 2;
  }
}
