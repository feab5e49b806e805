import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, TaskStillRunningError } from './scheduler.js';

/** A task run whose end the test decides. */
function controlled() {
  const runs: Array<() => void> = [];
  let started = 0;
  let finished = 0;
  return {
    get started() {
      return started;
    },
    get finished() {
      return finished;
    },
    run: () =>
      new Promise<void>((resolve) => {
        started++;
        runs.push(() => {
          finished++;
          resolve();
        });
      }),
    finish: () => runs.shift()?.(),
  };
}

describe('Scheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs a task every interval, never two runs of one task at once', async () => {
    const s = new Scheduler(() => undefined);
    const t = controlled();
    s.add({ name: 't', intervalMs: 100, run: t.run });
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(t.started).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.started).toBe(1);
    t.finish();
    await vi.advanceTimersByTimeAsync(100);
    expect(t.started).toBe(2);
    t.finish();
    await s.stop();
  });

  it('stop waits for a run in flight and starts no new run', async () => {
    const s = new Scheduler(() => undefined);
    const slow = controlled();
    const quick = vi.fn();
    s.add({ name: 'slow', intervalMs: 100, run: slow.run });
    s.add({ name: 'quick', intervalMs: 100, initialDelayMs: 150, run: quick });
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(slow.started).toBe(1);
    let stopped = false;
    const stopping = s.stop(Date.now() + 10_000).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    expect(quick).not.toHaveBeenCalled();
    expect(s.busy).toEqual(['slow']);
    slow.finish();
    await stopping;
    expect(slow.finished).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.started).toBe(1);
    expect(quick).not.toHaveBeenCalled();
    expect(await s.runNow('quick').then(() => quick.mock.calls.length)).toBe(0);
  });

  it('stop resolves at its deadline and reports the run still going', async () => {
    const errors: Array<[string, unknown]> = [];
    const s = new Scheduler((name, err) => errors.push([name, err]));
    const stuck = controlled();
    s.add({ name: 'stuck', intervalMs: 100, run: stuck.run });
    s.start();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = s.stop(Date.now() + 500).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[0]).toBe('stuck');
    expect(errors[0]?.[1]).toBeInstanceOf(TaskStillRunningError);
  });

  it('reports a failing run and keeps the task scheduled', async () => {
    const errors: string[] = [];
    const s = new Scheduler((name) => errors.push(name));
    let calls = 0;
    s.add({ name: 'bad', intervalMs: 100, run: () => Promise.reject(new Error(`boom ${++calls}`)) });
    s.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(errors).toEqual(['bad', 'bad']);
    await s.stop();
  });

  it('runNow runs a task at once; during a run it runs once more after it; the next timed run moves one interval on', async () => {
    const s = new Scheduler(() => undefined);
    const t = controlled();
    s.add({ name: 't', intervalMs: 100, run: t.run });
    expect(await s.runNow('t').then(() => t.started)).toBe(0);
    s.start();
    await vi.advanceTimersByTimeAsync(60);
    const first = s.runNow('t');
    expect(t.started).toBe(1);
    // asked for while the first runs: it may have started too early for the caller, so it runs again
    const again = s.runNow('t');
    expect(t.started).toBe(1);
    t.finish();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(t.started).toBe(2);
    t.finish();
    await again;
    await vi.advanceTimersByTimeAsync(99);
    expect(t.started).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.started).toBe(3);
    t.finish();
    await s.stop();
  });

  it('refuses a second task of one name and a non-positive interval', () => {
    const s = new Scheduler(() => undefined);
    s.add({ name: 'a', intervalMs: 1, run: () => undefined });
    expect(() => s.add({ name: 'a', intervalMs: 1, run: () => undefined })).toThrow(/already scheduled/);
    expect(() => s.add({ name: 'b', intervalMs: 0, run: () => undefined })).toThrow(RangeError);
  });
});
