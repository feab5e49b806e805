import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a lone request on the next turn and shares one run per window in a storm', async () => {
    const runs: number[] = [];
    const c = new Coalescer(20, () => runs.push(Date.now()));
    const t0 = Date.now();
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([t0]);
    for (let i = 0; i < 10; i++) {
      c.request();
      await vi.advanceTimersByTimeAsync(3);
    }
    await vi.advanceTimersByTimeAsync(50);
    expect(runs.map((t) => t - t0)).toEqual([0, 20, 40]);
    c.stop();
  });

  it('stretches the window to five times an expensive run', async () => {
    const runs: number[] = [];
    // Each run "takes" 10 ms of the clock.
    const c = new Coalescer(20, () => {
      runs.push(Date.now());
      vi.setSystemTime(Date.now() + 10);
    });
    const t0 = Date.now();
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    c.request();
    await vi.advanceTimersByTimeAsync(100);
    // The second run waits 5 × 10 ms from the start of the first, not 20 ms.
    expect(runs.map((t) => t - t0)).toEqual([0, 50]);
    c.stop();
  });

  it('uses the cost the task reports instead of its whole duration', async () => {
    const runs: number[] = [];
    // The run takes 40 ms of the clock, of which 2 ms count (the rest is listeners' work).
    const c = new Coalescer(20, () => {
      runs.push(Date.now());
      vi.setSystemTime(Date.now() + 40);
      return 2;
    });
    const t0 = Date.now();
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    c.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((t) => t - t0)).toEqual([0, 40]);
    c.stop();
  });

  it('runs again one window later while the task reports work left', async () => {
    const runs: number[] = [];
    let left = 2;
    const c = new Coalescer(20, () => {
      runs.push(Date.now());
      left--;
    }, Date.now, () => left > 0);
    const t0 = Date.now();
    c.request();
    await vi.advanceTimersByTimeAsync(200);
    expect(runs.map((t) => t - t0)).toEqual([0, 20]);
    expect(c.pending).toBe(false);
    c.stop();
  });
});
