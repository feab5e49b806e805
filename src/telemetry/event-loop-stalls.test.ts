import { describe, expect, it } from 'vitest';
import { NodeMetrics } from './metrics.js';
import { EVENT_LOOP_MAX_DELAY_METRIC, EventLoopStalls } from './event-loop-stalls.js';
import { readServerSample } from '../cli/bench/server-metrics.js';

/** Holds the event loop for `ms`, then lets the monitor's late tick run. */
async function stallFor(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 30));
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
  await new Promise((r) => setTimeout(r, 30));
}

describe('event-loop stall gauge', () => {
  it('reports a stall in the window it happened and the next one, then forgets it', async () => {
    // windows closed by hand only
    const stalls = new EventLoopStalls(3_600_000);
    try {
      await stallFor(300);
      const seen = stalls.maxSeconds();
      expect(seen).toBeGreaterThanOrEqual(0.25);
      expect(seen).toBeLessThan(5);
      stalls.roll(); // closes the window that holds the stall: still reported
      expect(stalls.maxSeconds()).toBeGreaterThanOrEqual(seen);
      stalls.roll(); // and the next one: the stall is no longer in either
      expect(stalls.maxSeconds()).toBeLessThan(0.25);
    } finally {
      stalls.close();
    }
  });

  it('closes its windows on its own timer, so an idle loop reads about 0 a window or two after a stall', async () => {
    const stalls = new EventLoopStalls(100);
    try {
      await stallFor(300);
      expect(stalls.maxSeconds()).toBeGreaterThanOrEqual(0.25);
      await new Promise((r) => setTimeout(r, 250));
      expect(stalls.maxSeconds()).toBeLessThan(0.25);
    } finally {
      stalls.close();
    }
  });

  it('is exported on /metrics and read by artemis bench', async () => {
    const metrics = new NodeMetrics({ version: '9.9.9' });
    try {
      await stallFor(200);
      const text = await metrics.text();
      expect(text).toContain(`# TYPE ${EVENT_LOOP_MAX_DELAY_METRIC} gauge`);
      expect(readServerSample(text).maxStallMs).toBeGreaterThanOrEqual(150);
    } finally {
      metrics.close();
    }
  });
});
