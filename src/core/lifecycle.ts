/**
 * The one shape of every part a node starts and stops (store, management, scheduler, replication,
 * HTTP server, cluster, ...). A node starts its parts in order and stops them in reverse.
 */
export interface Lifecycle {
  /** Names the part in logs (`shutdown step failed`). */
  readonly name: string;
  /** Starts the part; the next part starts only after this resolves. */
  start(): Promise<void> | void;
  /**
   * Stops the part, finishing work in flight until `deadline` (epoch ms). Safe to call when the
   * part never started, and more than once.
   */
  stop(deadline: number): Promise<void> | void;
}

/** Receives the failure of one part's stop; the next part is stopped all the same. */
export type StopFailureSink = (part: string, err: unknown) => void;

/** Starts `parts` one after another; a failure rejects at once (the caller then stops the node). */
export async function startInOrder(parts: readonly Lifecycle[]): Promise<void> {
  for (const part of parts) await part.start();
}

/**
 * Stops `parts` in reverse order, each with the same `deadline`; a part that throws or rejects is
 * reported to `onFailure` and the next one is still stopped.
 */
export async function stopInReverse(parts: readonly Lifecycle[], deadline: number, onFailure: StopFailureSink): Promise<void> {
  for (const part of [...parts].reverse()) {
    try {
      await part.stop(deadline);
    } catch (err) {
      onFailure(part.name, err);
    }
  }
}

/** Resolves with `work` or with 'timeout' at `deadline` (epoch ms), whichever comes first; clears its timer. */
export async function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | 'timeout'> {
  if (!Number.isFinite(deadline)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The same part, its stop due `ms` before the node's deadline: the parts stopped after it keep that time. */
export function dueEarlier(part: Lifecycle, ms: number): Lifecycle {
  return { name: part.name, start: () => part.start(), stop: (deadline) => part.stop(deadline - ms) };
}
