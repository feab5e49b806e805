/**
 * Runs a task at most once per `delayMs`: the first request after a quiet period runs on the
 * next turn of the event loop (so a lone change is seen at once, and changes of the same turn
 * share the run); requests within `delayMs` of the last run wait for the window to end and share
 * one run. A storm of changes therefore costs one run per window. The timer is unref'd and
 * cleared by `stop()`.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastRun = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly delayMs: number,
    private readonly task: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  request(): void {
    if (this.timer !== undefined || this.stopped) return;
    const wait = Math.max(0, this.lastRun + this.delayMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRun = this.now();
      this.task();
    }, wait);
    this.timer.unref();
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Drops a pending run (the caller runs the task itself). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Records a run done by the caller, so the next request waits out the window. */
  ranNow(): void {
    this.lastRun = this.now();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }
}
