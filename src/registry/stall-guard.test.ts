import { describe, expect, it } from 'vitest';
import { StallGuard } from './stall-guard.js';

describe('StallGuard', () => {
  it('says resuming while the ticks are late, and for half the guard after the late tick', () => {
    let now = 0;
    const guard = new StallGuard(2_000, () => now);
    expect(guard.intervalMs).toBe(500);
    expect(guard.resuming()).toBe(false);
    for (; now <= 5_000; now += 500) guard.tick();
    expect(guard.resuming()).toBe(false);
    // A 6 s pause: requests read before the timers catch up see the old tick.
    now += 6_000;
    expect(guard.resuming()).toBe(true);
    // The late tick runs; requests that waited in the kernel and are read after it still count.
    guard.tick();
    now += 50;
    expect(guard.resuming()).toBe(true);
    now += 449;
    guard.tick();
    expect(guard.resuming()).toBe(true);
    now += 501;
    guard.tick();
    expect(guard.resuming()).toBe(false);
  });

  it('never says resuming after short hiccups or when off', () => {
    let now = 0;
    const guard = new StallGuard(2_000, () => now);
    guard.tick();
    now += 1_900;
    guard.tick();
    expect(guard.resuming()).toBe(false);
    const off = new StallGuard(0, () => now);
    off.tick();
    now += 60_000;
    expect(off.resuming()).toBe(false);
  });
});
