import { untilDeadline, type Lifecycle } from './lifecycle.js';

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

/** Where a part registers its periodic tasks when it is built (the port stores and services take). */
export interface TaskScheduler {
  add(task: ScheduledTask): void;
}

/** A TaskScheduler that also runs one of its tasks on demand (see {@link Scheduler.runNow}). */
export interface TaskTrigger extends TaskScheduler {
  runNow(name: string): Promise<void>;
}

/** Thrown into the error sink for the tasks still running when `stop`'s deadline passed. */
export class TaskStillRunningError extends Error {
  constructor(taskName: string) {
    super(`task ${taskName} was still running at the shutdown deadline`);
    this.name = 'TaskStillRunningError';
  }
}

/**
 * Runs every periodic job of a node (lease sweep, self-preservation check, gossip, anti-entropy,
 * management refresh, the SQLite revision poll, ...). A run is never started while the previous
 * run of the same task is still going; timers are unref'd. `stop` clears every timer, starts no
 * new run, and resolves once the runs in flight have finished (or at its deadline).
 */
export class Scheduler implements Lifecycle, TaskTrigger {
  readonly name = 'scheduler';
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;

  constructor(private readonly onError: SchedulerErrorSink) {}

  add(task: ScheduledTask): void {
    if (this.tasks.has(task.name)) throw new Error(`task ${task.name} is already scheduled`);
    if (!(task.intervalMs > 0)) throw new RangeError(`task ${task.name}: interval must be positive`);
    this.tasks.set(task.name, task);
    if (this.running) this.arm(task, task.initialDelayMs ?? task.intervalMs);
  }

  /** Names of the tasks running right now. */
  get busy(): string[] {
    return [...this.inFlight.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const task of this.tasks.values()) this.arm(task, task.initialDelayMs ?? task.intervalMs);
  }

  /**
   * Runs a registered task now instead of at its next timer (e.g. a gossip round right after the
   * node turns up). Resolves when that run ends; with a run in flight, runs once more after it; does
   * nothing unless the scheduler is running.
   */
  runNow(name: string): Promise<void> {
    // a run in flight may have started before what the caller wants it to see: run again after it
    const current = this.inFlight.get(name);
    if (current !== undefined) return current.then(() => this.runNow(name));
    const task = this.tasks.get(name);
    if (task === undefined || !this.running) return Promise.resolve();
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
    return this.fire(task);
  }

  /**
   * Stops: clears every timer, starts no new run, then waits for the runs in flight until
   * `deadline` (epoch ms; none when omitted). A run still going at the deadline is reported to
   * the error sink and left behind.
   */
  async stop(deadline = Number.POSITIVE_INFINITY): Promise<void> {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const pending = [...this.inFlight];
    if (pending.length === 0) return;
    if ((await untilDeadline(Promise.all(pending.map(([, p]) => p)), deadline)) === 'timeout') {
      for (const [name] of pending) if (this.inFlight.has(name)) this.onError(name, new TaskStillRunningError(name));
    }
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
    if (!this.running || this.inFlight.has(task.name)) return;
    this.timers.delete(task.name);
    const run = (async () => {
      try {
        await task.run();
      } catch (err) {
        this.onError(task.name, err);
      }
    })();
    this.inFlight.set(task.name, run);
    try {
      await run;
    } finally {
      this.inFlight.delete(task.name);
    }
    if (this.running) this.arm(task, task.intervalMs);
  }
}
