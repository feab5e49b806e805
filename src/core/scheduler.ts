/** A periodic task run by the Scheduler. */
export interface ScheduledTask {
  name: string;
  intervalMs: number;
  /** First run after this delay; defaults to the interval. */
  initialDelayMs?: number;
  /** Fraction of the interval added at random to each delay (0 = none). */
  jitter?: number;
  run(): void | Promise<void>;
}

export interface SchedulerErrorSink {
  (taskName: string, err: unknown): void;
}

/**
 * Runs every periodic job of a node (lease sweep, self-preservation check, cache compaction,
 * later gossip and replication flushes). A run is never started while the previous run of the
 * same task is still going; timers are unref'd and all cleared on stop.
 */
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly tasks = new Map<string, ScheduledTask>();
  private running = false;

  constructor(private readonly onError: SchedulerErrorSink) {}

  add(task: ScheduledTask): void {
    if (this.tasks.has(task.name)) throw new Error(`task ${task.name} is already scheduled`);
    if (!(task.intervalMs > 0)) throw new RangeError(`task ${task.name}: interval must be positive`);
    this.tasks.set(task.name, task);
    if (this.running) this.arm(task, task.initialDelayMs ?? task.intervalMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const task of this.tasks.values()) this.arm(task, task.initialDelayMs ?? task.intervalMs);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private delay(task: ScheduledTask, base: number): number {
    const j = task.jitter ?? 0;
    return j > 0 ? base + Math.random() * j * task.intervalMs : base;
  }

  private arm(task: ScheduledTask, baseDelay: number): void {
    const timer = setTimeout(() => void this.fire(task), this.delay(task, baseDelay));
    timer.unref();
    this.timers.set(task.name, timer);
  }

  private async fire(task: ScheduledTask): Promise<void> {
    if (!this.running) return;
    try {
      await task.run();
    } catch (err) {
      this.onError(task.name, err);
    }
    if (this.running) this.arm(task, task.intervalMs);
  }
}
