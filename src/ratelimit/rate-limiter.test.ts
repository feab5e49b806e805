import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../core/clock.js';
import { ClientRateLimiter, RateLimiter, type LimiterSettings } from './rate-limiter.js';

/** A whole second, so 1 s buckets line up with the times below. */
const T0 = 1_700_000_000_000;
const clock: Clock = { now: () => Date.now() };
const at = (ms: number) => vi.setSystemTime(T0 + ms);

function limiter(settings: Partial<LimiterSettings> = {}, windowMs = 10_000): RateLimiter {
  return new RateLimiter('test', { enabled: true, defaultLimit: 3, limits: {}, ...settings }, windowMs, clock);
}

/** Calls tryAcquire n times and returns how many were allowed. */
function burst(fn: () => boolean, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (fn()) ok++;
  return ok;
}

beforeEach(() => {
  vi.useFakeTimers();
  at(0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter', () => {
  it('allows up to the limit within the window, then rejects', () => {
    const l = limiter({ defaultLimit: 3 });
    expect([l.tryAcquire('x'), l.tryAcquire('x'), l.tryAcquire('x')]).toEqual([true, true, true]);
    expect(l.tryAcquire('x')).toBe(false);
  });

  it('takes the limit of an identity from `limits`, else the default, each identity counted apart', () => {
    const l = limiter({ defaultLimit: 2, limits: { heartbeat: 5, register: 1 } });
    expect(l.limitFor('heartbeat')).toBe(5);
    expect(l.limitFor('register')).toBe(1);
    expect(l.limitFor('unregister')).toBe(2);
    expect(burst(() => l.tryAcquire('heartbeat'), 10)).toBe(5);
    expect(burst(() => l.tryAcquire('register'), 10)).toBe(1);
    expect(burst(() => l.tryAcquire('unregister'), 10)).toBe(2);
    expect(burst(() => l.tryAcquire('something-else'), 10)).toBe(2);
  });

  it('sliding window edges: a call counts until windowMs after its bucket started', () => {
    const l = limiter({ defaultLimit: 2 });
    expect(l.tryAcquire('x')).toBe(true); // t = 0
    at(5_000);
    expect(l.tryAcquire('x')).toBe(true); // t = 5 s
    expect(l.tryAcquire('x')).toBe(false);
    at(9_999);
    expect(l.tryAcquire('x')).toBe(false); // the t=0 call is still inside
    at(10_000);
    expect(l.tryAcquire('x')).toBe(true); // the t=0 call left the window
    expect(l.tryAcquire('x')).toBe(false);
    at(14_999);
    expect(l.tryAcquire('x')).toBe(false); // t=5 s and t=10 s calls inside
    at(15_000);
    expect(l.tryAcquire('x')).toBe(true); // t=5 s left
    at(30_000);
    expect(burst(() => l.tryAcquire('x'), 5)).toBe(2); // everything left
  });

  it('counts by 1 s buckets: calls late in a bucket leave with the bucket', () => {
    const l = limiter({ defaultLimit: 1 });
    at(999);
    expect(l.tryAcquire('x')).toBe(true);
    at(9_999);
    expect(l.tryAcquire('x')).toBe(false);
    at(10_000);
    expect(l.tryAcquire('x')).toBe(true);
  });

  it('rejected calls are not counted', () => {
    const l = limiter({ defaultLimit: 2 });
    expect(l.tryAcquire('x')).toBe(true); // t = 0
    at(5_000);
    expect(l.tryAcquire('x')).toBe(true); // t = 5 s
    expect(burst(() => l.tryAcquire('x'), 50)).toBe(0); // all rejected at t = 5 s
    at(10_000);
    // only the t=0 call left: had the rejections counted, this would still be refused
    expect(l.tryAcquire('x')).toBe(true);
    expect(l.tryAcquire('x')).toBe(false);
  });

  it('a disabled limiter allows everything', () => {
    const l = limiter({ enabled: false, defaultLimit: 1, limits: { x: 1 } });
    expect(burst(() => l.tryAcquire('x'), 1_000)).toBe(1_000);
  });

  it('uses the configured window length', () => {
    const l = limiter({ defaultLimit: 1 }, 3_000);
    expect(l.tryAcquire('x')).toBe(true);
    at(2_999);
    expect(l.tryAcquire('x')).toBe(false);
    at(3_000);
    expect(l.tryAcquire('x')).toBe(true);
  });
});

describe('ClientRateLimiter', () => {
  const client = (limit: number, maxTrackedClients = 100, enabled = true, windowMs = 10_000) =>
    new ClientRateLimiter({ enabled, limit, maxTrackedClients }, windowMs, clock);

  it('limits each client address separately', () => {
    const l = client(3);
    expect(l.enabled).toBe(true);
    expect(burst(() => l.tryAcquire('10.0.0.1'), 10)).toBe(3);
    expect(burst(() => l.tryAcquire('10.0.0.2'), 10)).toBe(3);
    expect(l.tryAcquire('10.0.0.1')).toBe(false);
  });

  it('a disabled limiter allows everything', () => {
    const l = client(1, 1, false);
    expect(l.enabled).toBe(false);
    expect(burst(() => l.tryAcquire('a'), 100)).toBe(100);
  });

  it('weighs the previous window by how much of it still overlaps the sliding window', () => {
    const l = client(4);
    expect(burst(() => l.tryAcquire('a'), 4)).toBe(4); // window [0, 10 s): 4
    at(10_000);
    // previous 4 weigh 100 %: nothing left
    expect(l.tryAcquire('a')).toBe(false);
    at(15_000);
    // previous weighs 50 % → 2; two more fit
    expect(burst(() => l.tryAcquire('a'), 5)).toBe(2);
    at(17_500);
    // previous weighs 25 % → 1, current 2 → one more fits
    expect(burst(() => l.tryAcquire('a'), 5)).toBe(1);
    at(20_000);
    // the window [10 s, 20 s) held 3, now weighing 100 %: one more fits
    expect(burst(() => l.tryAcquire('a'), 5)).toBe(1);
    at(40_000);
    // two or more windows later nothing of the past counts
    expect(burst(() => l.tryAcquire('a'), 10)).toBe(4);
  });

  it('rejected calls are not counted', () => {
    const l = client(2);
    expect(burst(() => l.tryAcquire('a'), 2)).toBe(2);
    expect(burst(() => l.tryAcquire('a'), 100)).toBe(0);
    at(15_000);
    // previous window holds 2 accepted calls at 50 % → 1; one more fits (not 0 as if rejections counted)
    expect(burst(() => l.tryAcquire('a'), 5)).toBe(1);
  });

  it('forgets the least recently seen client beyond maxTrackedClients', () => {
    const l = client(1, 2);
    expect(l.tryAcquire('a')).toBe(true);
    expect(l.tryAcquire('b')).toBe(true);
    // a is seen again (refused), so b is now the least recently seen
    expect(l.tryAcquire('a')).toBe(false);
    // c makes three: b is forgotten
    expect(l.tryAcquire('c')).toBe(true);
    // a is still tracked (and still out of budget)
    expect(l.tryAcquire('a')).toBe(false);
    // b was forgotten, so it starts afresh; this forgets c (least recently seen)
    expect(l.tryAcquire('b')).toBe(true);
    expect(l.tryAcquire('b')).toBe(false);
    // c was forgotten too
    expect(l.tryAcquire('c')).toBe(true);
  });

  it('a client calling again and again stays the most recently seen, and one forgotten while idle starts afresh', () => {
    const l = client(2, 2, true, 1_000);
    expect(l.tryAcquire('a')).toBe(true);
    expect(l.tryAcquire('b')).toBe(true);
    expect(l.tryAcquire('b')).toBe(true);
    expect(l.tryAcquire('b')).toBe(false);
    // c makes three: a (least recently seen) is forgotten, b is kept with its count
    expect(l.tryAcquire('c')).toBe(true);
    expect(l.tryAcquire('b')).toBe(false);
    expect(l.tryAcquire('a')).toBe(true);
    // a, the newest, goes idle and is forgotten by its own next call: it counts from zero
    at(5_000);
    expect(burst(() => l.tryAcquire('a'), 5)).toBe(2);
    expect(l.trackedClients).toBe(1);
  });

  it('tracks at most maxTrackedClients addresses under a flood of new ones', () => {
    const l = client(1, 3);
    expect(l.tryAcquire('victim')).toBe(true);
    expect(l.tryAcquire('victim')).toBe(false);
    for (let i = 0; i < 1_000; i++) expect(l.tryAcquire(`flood-${i}`)).toBe(true);
    // the victim was forgotten long ago
    expect(l.tryAcquire('victim')).toBe(true);
    const clients = (l as unknown as { clients: Map<string, unknown> }).clients;
    expect(clients.size).toBe(3);
  });
});

describe('ClientRateLimiter forgetting idle clients', () => {
  it('drops clients whose windows are over as others call, so the map shrinks back', () => {
    const perClient = new ClientRateLimiter({ enabled: true, limit: 5, maxTrackedClients: 1_000 }, 1_000, clock);
    for (let i = 0; i < 100; i++) perClient.tryAcquire(`10.0.0.${i}`);
    expect(perClient.trackedClients).toBe(100);
    at(2_500);
    for (let i = 0; i < 60; i++) perClient.tryAcquire('10.1.0.1');
    // each call forgets up to two idle clients: 100 idle ones are gone after 50 calls
    expect(perClient.trackedClients).toBe(1);
  });

  it('keeps counting a client that is still within its windows', () => {
    const perClient = new ClientRateLimiter({ enabled: true, limit: 3, maxTrackedClients: 1_000 }, 1_000, clock);
    expect(burst(() => perClient.tryAcquire('a'), 3)).toBe(3);
    at(500);
    perClient.tryAcquire('b');
    expect(perClient.tryAcquire('a')).toBe(false);
  });
});
