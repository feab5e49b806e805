/**
 * A time budget for request work in one turn of the event loop.
 *
 * Node handles every request whose body has arrived in the poll phase of the turn that read
 * it, and libuv (1.46, Node 20) accepts one waiting connection per turn. Under saturation a
 * turn therefore lasts as long as all the requests that arrived, timers run late, and when many
 * clients connect at once the k-th connection waits k such turns before its first request is
 * even read (about k²/2 × CPU per request: over half a second for 50 connections sending
 * batches). With a budget, work past `sliceMs` of a turn waits for a later turn in arrival
 * order; the turns in between read sockets and accept connections, so each turn stays short
 * and requests are served in the order they arrived, whichever connection they came on.
 *
 * Without pressure nothing is deferred: work runs at once, for one clock read per request and
 * one `setImmediate` per busy turn (which marks where the turn ends).
 */
export class TurnBudget {
  /** When the current turn's first admitted work started; -1 before any. */
  private turnStart = -1;
  /** Work deferred and not yet run. */
  private deferred = 0;
  /** Work deferred since the last `takeDeferredCount`. */
  private deferredCount = 0;
  private readonly endTurn = (): void => {
    this.turnStart = -1;
  };
  private readonly runDeferred = (work: () => void): void => {
    if (!this.hasRoom()) {
      // Immediates queued while immediates run go to the next turn, behind its end mark.
      setImmediate(this.runDeferred, work);
      return;
    }
    this.deferred--;
    work();
  };

  /**
   * @param sliceMs the budget of a turn; 0 runs all work at once (no budget).
   * @param now the clock, in ms.
   */
  constructor(
    readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Work waiting for a later turn. */
  get waiting(): number {
    return this.deferred;
  }

  /**
   * Runs `work` now when this turn has budget left and nothing is waiting, else in a later
   * turn after the work already waiting. The first deferred work of a turn always runs, so the
   * queue moves on every turn. Microtasks that `work` starts (a resolved body's handler) run
   * right after it and count against the budget of the work after them.
   */
  admit(work: () => void): void {
    if (this.sliceMs <= 0 || (this.deferred === 0 && this.hasRoom())) {
      work();
      return;
    }
    this.deferred++;
    this.deferredCount++;
    setImmediate(this.runDeferred, work);
  }

  /** How much work was deferred since the last call (for a counter read when scraped). */
  takeDeferredCount(): number {
    const n = this.deferredCount;
    this.deferredCount = 0;
    return n;
  }

  private hasRoom(): boolean {
    const now = this.now();
    if (this.turnStart < 0) {
      this.turnStart = now;
      setImmediate(this.endTurn);
      return true;
    }
    return now - this.turnStart < this.sliceMs;
  }
}

/** A budget that never defers (in-process requests, tools). */
export const NO_TURN_BUDGET = new TurnBudget(0);
