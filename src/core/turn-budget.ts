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
 * Waiting work is one FIFO: each turn, one `setImmediate` runs it in order until the turn's
 * budget is spent (at least one piece, so the queue always moves), each piece after the
 * microtasks of the one before (a resolved body's handler), so they count against the budget.
 * At `maxWaiting` waiting pieces, new work runs at once, as without a budget: the queue holds at
 * most that many bodies, and an overloaded node slows its turns down again, which pushes back on
 * the clients through TCP.
 *
 * Without pressure nothing is deferred: work runs at once, for one clock read per request and
 * one `setImmediate` per busy turn (which marks where the turn ends).
 */
export class TurnBudget {
  /** When the current turn's first admitted work started; -1 before any. */
  private turnStart = -1;
  private readonly queue: Array<() => void> = [];
  /** Index of the next waiting piece in `queue` (the queue is compacted when drained). */
  private head = 0;
  private draining = false;
  private readonly endTurn = (): void => {
    this.turnStart = -1;
  };
  /** Starts a turn's share of the waiting work (an immediate: after the poll phase). */
  private readonly drain = (): void => {
    this.turnStart = this.now();
    this.runNext(true);
  };
  private readonly next = (): void => this.runNext(false);

  /**
   * @param sliceMs the budget of a turn; 0 runs all work at once (no budget).
   * @param maxWaiting the most pieces of work that wait; more run at once.
   * @param now the clock, in ms.
   * @param deferred counts each piece of work that waits.
   */
  constructor(
    readonly sliceMs: number,
    readonly maxWaiting = 10_000,
    private readonly now: () => number = () => performance.now(),
    private readonly deferred: { inc(): void } = { inc: () => undefined },
  ) {}

  /** Work deferred and not yet run. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /**
   * Runs `work` now when this turn has budget left and nothing is waiting (or the queue is full),
   * else in a later turn after the work already waiting.
   */
  admit(work: () => void): void {
    const waiting = this.waiting;
    if (this.sliceMs <= 0 || waiting >= this.maxWaiting || (waiting === 0 && this.hasRoom())) {
      work();
      return;
    }
    this.queue.push(work);
    this.deferred.inc();
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
  }

  private runNext(first: boolean): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.draining = false;
      return;
    }
    if (!first && this.now() - this.turnStart >= this.sliceMs) {
      // the rest waits for the next turn; the turn ends here for work arriving in its poll phase too
      if (this.head >= 1_024 && this.head * 2 >= this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      setImmediate(this.drain);
      return;
    }
    const work = this.queue[this.head]!;
    this.queue[this.head++] = NOTHING;
    try {
      work();
    } finally {
      // after the microtasks `work` queued (the first step of a resolved body's handler)
      queueMicrotask(this.next);
    }
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

const NOTHING = (): void => undefined;

/** A budget that never defers (in-process requests, tools). */
export const NO_TURN_BUDGET = new TurnBudget(0);
