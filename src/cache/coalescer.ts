/** A run is followed by a window at least this many times its own duration. */
const LOAD_FACTOR = 5;
/** The stretched window never exceeds this (ms), so changes are never held back longer. */
const MAX_STRETCH_MS = 1_000;

/**
 * Runs a task at most once per `delayMs`: the first request after a quiet period runs on the
 * next turn of the event loop (so a lone change is seen at once, and changes of the same turn
 * share the run); requests within the window after the last run wait for it to end and share
 * one run. A storm of changes therefore costs one run per window. The window stretches to
 * `LOAD_FACTOR` times the last run's duration when runs get expensive (at most
 * `MAX_STRETCH_MS`), so the task takes no more than about a fifth of the event loop however fast
 * changes come. A task that does its work in bounded parts says so through `more`: while it
 * reports work left, the next part runs right after the I/O that is waiting (`setImmediate`), and
 * the window after the last part stretches with the cost of all the parts together; work left
 * after the parts (`again`) gets a run of its own one window later. The timer is
 * unref'd and cleared by `stop()`.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  /** The next part of a run that left work over, after the I/O waiting now. */
  private next: NodeJS.Immediate | undefined;
  /** Cost of the parts of the current run so far. */
  private partsCost = 0;
  private stopped = false;
  private lastRun = Number.NEGATIVE_INFINITY;
  private lastDuration = 0;

  constructor(
    private readonly delayMs: number,
    /** The work; it may return its own cost in ms (e.g. without listeners it calls), else the run is timed. */
    private readonly task: () => number | void,
    private readonly now: () => number = Date.now,
    /** True when the last run left work for another part right away (checked after each run). */
    private readonly more: () => boolean = () => false,
    /** True when, the parts done, work is left for a run one window later (changes that came meanwhile). */
    private readonly again: () => boolean = () => false,
  ) {}

  request(): void {
    if (this.timer !== undefined || this.next !== undefined || this.stopped) return;
    const window = Math.max(this.delayMs, Math.min(this.lastDuration * LOAD_FACTOR, MAX_STRETCH_MS));
    const wait = Math.max(0, this.lastRun + window - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.partsCost = 0;
      this.runPart();
    }, wait);
    this.timer.unref();
  }

  private runPart(): void {
    const started = this.now();
    this.lastRun = started;
    let cost: number | void = undefined;
    try {
      cost = this.task();
    } finally {
      this.partsCost += typeof cost === 'number' ? cost : this.now() - started;
      this.lastDuration = this.partsCost;
    }
    if (this.stopped) return;
    if (!this.more()) {
      if (this.again()) this.request();
      return;
    }
    this.next = setImmediate(() => {
      this.next = undefined;
      this.runPart();
    });
    this.next.unref();
  }

  get pending(): boolean {
    return this.timer !== undefined || this.next !== undefined;
  }

  /** Drops a pending run or part (the caller runs the task itself). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.next);
    this.next = undefined;
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
