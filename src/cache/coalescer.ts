/**
 * Runs a task once, `delayMs` after the first request since its last run: changes arriving
 * within the window share one run, and a steady stream still runs every `delayMs`. The timer is
 * unref'd and cleared by `stop()`.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly task: () => void,
  ) {}

  request(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.task();
    }, this.delayMs);
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

  stop(): void {
    this.stopped = true;
    this.cancel();
  }
}
