import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodePool } from './node-pool.js';
import { WeightedRoundRobin, isUp } from './picker.js';
import { TimerSet, backoffDelay, systemTimers, withJitter } from './timers.js';
import { makeInstance } from '../core/wire/instance.js';

const bounds = { initialMs: 100, maxMs: 1_000 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with equal jitter in the upper half', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, bounds, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, bounds, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads clients that failed together', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, bounds, random)));
    expect(delays.size).toBeGreaterThan(30);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(400);
  });

  it('withJitter only adds, up to the fraction', () => {
    expect(withJitter(1000, 0.1, () => 0)).toBe(1000);
    expect(withJitter(1000, 0.1, () => 0.5)).toBe(1050);
  });
});

describe('TimerSet with fake timers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs timers, forgets fired ones and clears the rest', async () => {
    const set = new TimerSet(systemTimers);
    const fired: number[] = [];
    set.after(100, () => fired.push(1));
    set.after(200, () => fired.push(2));
    await vi.advanceTimersByTimeAsync(150);
    expect(fired).toEqual([1]);
    expect(set.size).toBe(1);
    set.clear();
    await vi.advanceTimersByTimeAsync(500);
    expect(fired).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sleep rejects when its signal aborts and leaves no timer', async () => {
    const set = new TimerSet(systemTimers);
    const ac = new AbortController();
    const slept = set.sleep(1_000, ac.signal);
    ac.abort(new Error('closing'));
    await expect(slept).rejects.toThrow('closing');
    expect(set.size).toBe(0);
  });
});

describe('NodePool', () => {
  let now = 1_000;
  const timers = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
  beforeEach(() => (now = 1_000));

  it('keeps a working node, sets a failing one aside with backoff and comes back to it', () => {
    const changes: string[] = [];
    const pool = new NodePool(['http://a', 'http://b'], { timers, random: () => 0, backoff: bounds, onChange: (c) => changes.push(c.to) });
    expect(pool.current()).toBe('http://a');
    expect(pool.current()).toBe('http://a');
    pool.markUnavailable('http://a');
    expect(pool.current()).toBe('http://b');
    pool.markUnavailable('http://b');
    pool.markUnavailable('http://b');
    expect(pool.list().map((n) => n.retryAt - now)).toEqual([50, 100]);
    expect(pool.current()).toBe('http://a'); // both aside: the one back first
    now += 60;
    pool.markAvailable('http://a');
    expect(pool.current()).toBe('http://a');
    expect(changes).toEqual(['http://a', 'http://b', 'http://a']);
  });

  it('prefers nodes learned from the cluster over seeds, and falls back to seeds', () => {
    const pool = new NodePool(['http://lb'], { timers, random: () => 0, backoff: bounds });
    expect(pool.current()).toBe('http://lb');
    pool.replace(['http://n1', 'http://n2']);
    expect(pool.current()).toBe('http://n1');
    pool.markUnavailable('http://n1');
    expect(pool.current()).toBe('http://n2');
    pool.markUnavailable('http://n2');
    expect(pool.current()).toBe('http://lb');
    pool.replace([]);
    expect(pool.list().map((n) => n.url)).toEqual(['http://lb', 'http://n1', 'http://n2']);
    pool.replace(['http://n3']);
    expect(pool.list().map((n) => n.url)).toEqual(['http://lb', 'http://n3']);
  });
});

describe('WeightedRoundRobin', () => {
  const inst = (id: string, status: string | null = 'up') => makeInstance({ serviceId: 's', instanceId: id, url: `http://${id}`, status });

  it('goes round the up instances and skips the others', () => {
    const rr = new WeightedRoundRobin();
    const list = [inst('a'), inst('b', 'down'), inst('c', null), inst('d', 'UP')];
    expect(Array.from({ length: 6 }, () => rr.pick(list)?.instanceId)).toEqual(['a', 'c', 'd', 'a', 'c', 'd']);
    expect(rr.pick([inst('x', 'starting')])).toBeUndefined();
    expect(isUp(inst('y', 'unhealthy'))).toBe(false);
  });

  it('spreads by weight without bursts', () => {
    const rr = new WeightedRoundRobin();
    const list = [inst('a'), inst('b'), inst('c')];
    const weights: Record<string, number> = { a: 5, b: 1, c: 1 };
    const picks = Array.from({ length: 7 }, () => rr.pick(list, (i) => weights[i.instanceId!]!)?.instanceId).join('');
    expect(picks).toBe('aabacaa');
  });
});
