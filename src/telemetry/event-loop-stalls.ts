import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The node's gauge of the longest recent stall, in seconds. */
export const EVENT_LOOP_MAX_DELAY_METRIC = 'artemis_event_loop_max_delay_seconds';
/** Period of the delay monitor's timer (ms): a delay is measured as the lateness of its ticks. */
export const STALL_MONITOR_RESOLUTION_MS = 10;
/** Length of a stall window (ms): the gauge covers the last full window and the open one. */
export const STALL_WINDOW_MS = 1_000;

/**
 * The longest event-loop stall of the recent past, from `perf_hooks.monitorEventLoopDelay`.
 * A stall is how late the monitor's periodic tick ran (the delay minus the tick period), so an
 * idle loop reads about 0. Every `STALL_WINDOW_MS` an unref'd timer closes the open window; a
 * read answers the longest stall of the last closed window and of the open one, i.e. of the
 * last one to two windows, so a reader that reads at least once a window sees every stall.
 */
export class EventLoopStalls {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private closedMaxNs = 0;

  constructor(windowMs = STALL_WINDOW_MS) {
    this.histogram = monitorEventLoopDelay({ resolution: STALL_MONITOR_RESOLUTION_MS });
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** The longest stall (seconds) in the last closed window and the open one. */
  maxSeconds(): number {
    const worst = Math.max(this.closedMaxNs, this.openMaxNs());
    return Math.max(0, worst / 1e9 - STALL_MONITOR_RESOLUTION_MS / 1_000);
  }

  /** Closes the open window (the timer does this every window). */
  roll(): void {
    this.closedMaxNs = this.openMaxNs();
    this.histogram.reset();
  }

  /** Stops the monitor and its timer. */
  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private openMaxNs(): number {
    // an empty histogram reports a max of 0 and a huge min; only the max is read
    return this.histogram.count > 0 ? this.histogram.max : 0;
  }
}
