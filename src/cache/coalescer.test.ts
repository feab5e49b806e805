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

  it('runs the next part right after waiting I/O while the task reports work left; the window then stretches with all parts', async () => {
    const runs: number[] = [];
    let left = 3;
    const c = new Coalescer(20, () => {
      runs.push(Date.now());
      left--;
      return 10;
    }, Date.now, () => left > 0);
    const t0 = Date.now();
    c.request();
    // each part runs on its own turn, not a window after the last (the fake clock counts an
    // immediate as 1 ms)
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    expect(c.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(2);
    expect(runs.map((t) => t - t0)).toEqual([0, 1, 2]);
    expect(c.pending).toBe(false);
    // the parts cost 30 ms together: the next run waits 5 x 30 ms
    left = 1;
    c.request();
    await vi.advanceTimersByTimeAsync(149);
    expect(runs).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((t) => t - t0)).toEqual([0, 1, 2, 152]);
    c.stop();
  });

  it('work left after the parts gets a run one window later, with no request', async () => {
    const runs: number[] = [];
    let parts = 2;
    let left = 1;
    const c = new Coalescer(20, () => {
      runs.push(Date.now());
      if (parts > 0) parts--;
      else left--;
    }, Date.now, () => parts > 0, () => left > 0);
    const t0 = Date.now();
    c.request();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((t) => t - t0)).toEqual([0, 1, 21]);
    expect(c.pending).toBe(false);
    c.stop();
  });

  it('cancel drops the next part of a run', async () => {
    const runs: number[] = [];
    let left = 3;
    const c = new Coalescer(20, () => {
      runs.push(left--);
    }, Date.now, () => left > 0);
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([3]);
    c.cancel();
    expect(c.pending).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([3]);
    c.stop();
  });
});
