/** An opaque handle returned by {@link Timers.setTimeout}. */
export type TimerHandle = object | number;

/**
 * The clock and timers a client uses. Inject a fake one in tests; the default uses the global
 * timers (so vitest fake timers apply). Background timers (heartbeats, refreshes, reconnects)
 * are unref'd, so a client never keeps a process alive by them alone; timers of a call the
 * application awaits (attempt timeouts, pauses between retries) keep it alive.
 *
 * @example
 * ```ts
 * const timers: Timers = { now: () => fakeNow, setTimeout: (fn, ms) => queue.add(fn, ms), clearTimeout: (h) => queue.remove(h) };
 * ```
 */
export interface Timers {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds; with `keepAlive`, the pending timer keeps the process alive. */
  setTimeout(fn: () => void, ms: number, keepAlive?: boolean): TimerHandle;
  /** Cancels a timer; ignores handles that already fired or were cleared. */
  clearTimeout(handle: TimerHandle): void;
}

/** The global timers, unref'd. Looked up at call time so fake timers installed later apply. */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms, keepAlive = false) {
    const t = globalThis.setTimeout(fn, ms) as { unref?: () => void };
    if (!keepAlive && typeof t.unref === 'function') t.unref();
    return t;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

/** Bounds of an exponential backoff. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. Default 250 ms. */
  initialMs?: number;
  /** Largest delay, before jitter. Default 10 000 ms. */
  maxMs?: number;
}

/**
 * Delay before retry number `attempt` (0-based): `min(max, initial * 2^attempt)`, then "equal
 * jitter": a random point in the upper half, so clients that failed together spread out.
 *
 * @example
 * ```ts
 * backoffDelay(0, { initialMs: 100, maxMs: 1000 }, Math.random); // 50..100
 * backoffDelay(5, { initialMs: 100, maxMs: 1000 }, Math.random); // 500..1000
 * ```
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Adds up to `fraction` of `ms` at random, so periodic work of many clients does not align. */
export function withJitter(ms: number, fraction: number, random: () => number): number {
  return Math.round(ms + ms * fraction * random());
}

/**
 * A set of pending timers that can be cleared at once; what a client's close() clears.
 */
export class TimerSet {
  private readonly handles = new Set<TimerHandle>();

  constructor(private readonly timers: Timers) {}

  /** Schedules `fn`; the handle is forgotten when it fires. See {@link Timers.setTimeout} for `keepAlive`. */
  after(ms: number, fn: () => void, keepAlive = false): TimerHandle {
    const handle = this.timers.setTimeout(
      () => {
        this.handles.delete(handle);
        fn();
      },
      ms,
      keepAlive,
    );
    this.handles.add(handle);
    return handle;
  }

  /** Cancels a timer of this set; ignores unknown or fired handles. */
  cancel(handle: TimerHandle | undefined): void {
    if (handle === undefined || !this.handles.delete(handle)) return;
    this.timers.clearTimeout(handle);
  }

  /** Resolves after `ms`, or rejects with `signal.reason` when the signal aborts first. Keeps the process alive meanwhile. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) return reject(signal.reason as Error);
      const onAbort = () => {
        this.cancel(handle);
        reject(signal?.reason as Error);
      };
      const handle = this.after(
        ms,
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        true,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers pending. */
  get size(): number {
    return this.handles.size;
  }

  /** Cancels every pending timer. */
  clear(): void {
    for (const h of this.handles) this.timers.clearTimeout(h);
    this.handles.clear();
  }
}
