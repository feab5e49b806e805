import { describe, expect, it, vi } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import type { LeaseManager, Lease, LeaseRemovalReason } from './lease-manager.js';
import type { SelfPreservation, SelfPreservationSettings } from './self-preservation.js';
import { leaseTable, selfPreservation, useFakeTimeFromT0 } from '../../test/helpers/lease-clock.js';

function setup(ttlMs = 20_000, sp: Partial<SelfPreservationSettings> = {}) {
  const removed: Array<[string, LeaseRemovalReason]> = [];
  const safety = selfPreservation(sp);
  const manager = leaseTable('instance', ttlMs, safety);
  manager.onRemoval((l: Lease, r) => removed.push([l.key, r]));
  return { manager, safety, removed };
}

const inst = (id: string) => makeInstance({ regionId: 'SHA', serviceId: 'svc', instanceId: id, url: `http://${id}` });

describe('LeaseManager', () => {
  useFakeTimeFromT0();

  it('keeps a lease alive until ttl has passed since the last renewal', () => {
    const { manager, removed } = setup(20_000);
    manager.put('a', inst('a'));
    vi.advanceTimersByTime(20_000);
    expect(manager.sweep()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(manager.sweep()).toBe(1);
    expect(removed).toEqual([['a', 'expired']]);
  });

  it('renewal pushes expiry back; renewing an expired lease fails and stays failed', () => {
    const { manager } = setup(20_000);
    manager.put('a', inst('a'));
    vi.advanceTimersByTime(15_000);
    expect(manager.renew('a')).toBe(true);
    vi.advanceTimersByTime(15_000);
    expect(manager.sweep()).toBe(0);
    vi.advanceTimersByTime(5_001);
    expect(manager.renew('a')).toBe(false);
    // sticky: the lease stays expired even though it is still in the table
    expect(manager.renew('a')).toBe(false);
    expect(manager.renew('missing')).toBe(false);
  });

  it('unregister is removed by the next sweep, and renewals then fail', () => {
    const { manager, removed } = setup();
    manager.put('a', inst('a'));
    expect(manager.evict('a')).toBe(true);
    expect(manager.renew('a')).toBe(false);
    expect(manager.sweep()).toBe(1);
    expect(removed).toEqual([['a', 'unregistered']]);
    expect(manager.evict('a')).toBe(false);
  });

  it('a sliced sweep yields to the event loop between slices and removes what a whole sweep removes', async () => {
    vi.useRealTimers();
    const { manager, removed } = setup();
    for (let i = 0; i < 1_000; i++) manager.put(`k${i}`, inst(`k${i}`));
    for (let i = 0; i < 1_000; i += 2) manager.evict(`k${i}`);
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    // a deadline already past: every slice ends at its first check
    const count = await manager.sweepInSlices(-1);
    clearInterval(counting);
    expect(count).toBe(500);
    expect(removed).toHaveLength(500);
    expect(removed.every(([key, reason]) => reason === 'unregistered' && Number(key.slice(1)) % 2 === 0)).toBe(true);
    expect(manager.size).toBe(500);
    // 1,000 leases in slices of at most 64 visits or one removal: the loop ran in between
    expect(turns).toBeGreaterThan(0);
  });

  it('re-register replaces the lease with a fresh one', () => {
    const { manager } = setup(20_000);
    const first = manager.put('a', inst('a'));
    vi.advanceTimersByTime(19_000);
    const second = manager.put('a', inst('a'));
    expect(second).not.toBe(first);
    expect(manager.get('a')).toBe(second);
    vi.advanceTimersByTime(19_000);
    expect(manager.sweep()).toBe(0);
    expect(manager.size).toBe(1);
  });
});

describe('SelfPreservation', () => {
  useFakeTimeFromT0();

  /** Renews `n` leases once per second for `seconds`, checking after each second. */
  function heartbeat(manager: LeaseManager, safety: SelfPreservation, keys: string[], seconds: number) {
    for (let s = 0; s < seconds; s++) {
      for (const k of keys) manager.renew(k);
      vi.advanceTimersByTime(1_000);
      safety.check();
    }
  }

  it('turns unsafe when renewals drop below the threshold and keeps expired leases', () => {
    const { manager, safety, removed } = setup(20_000);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const k of keys) manager.put(k, inst(k));
    heartbeat(manager, safety, keys, 10); // 200 renewals per window: baseline
    expect(safety.stats().maxCount).toBeGreaterThanOrEqual(180);
    // half the fleet goes silent (e.g. a partition)
    heartbeat(manager, safety, keys.slice(0, 10), 25);
    expect(safety.isSafe).toBe(false);
    manager.sweep();
    expect(removed).toEqual([]);
    expect(manager.size).toBe(20);
    // unregistrations are still honoured while unsafe
    manager.evict('k0');
    manager.sweep();
    expect(removed).toEqual([['k0', 'unregistered']]);
  });

  it('leaves unsafe when renewals recover, then expires silent leases', () => {
    const { manager, safety, removed } = setup(20_000);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const k of keys) manager.put(k, inst(k));
    heartbeat(manager, safety, keys, 10);
    heartbeat(manager, safety, keys.slice(0, 10), 25);
    expect(safety.isSafe).toBe(false);
    // the silent half re-registers (their old leases are expired) and everyone heartbeats again
    for (const k of keys.slice(10)) manager.put(k, inst(k));
    heartbeat(manager, safety, keys, 12);
    expect(safety.isSafe).toBe(true);
    expect(manager.sweep()).toBe(0);
    heartbeat(manager, safety, keys.slice(1), 21);
    expect(safety.isSafe).toBe(true);
    manager.sweep();
    expect(removed).toEqual([['k0', 'expired']]);
  });

  it('does not judge below the max-count threshold', () => {
    const { manager, safety } = setup(20_000);
    manager.put('a', inst('a'));
    heartbeat(manager, safety, ['a'], 10);
    heartbeat(manager, safety, [], 30);
    expect(safety.isSafe).toBe(true);
    expect(manager.sweep()).toBe(1);
  });

  it('when disabled, always reports safe', () => {
    const { manager, safety } = setup(20_000, { enabled: false });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const k of keys) manager.put(k, inst(k));
    heartbeat(manager, safety, keys, 10);
    heartbeat(manager, safety, [], 30);
    expect(safety.isSafe).toBe(true);
    expect(manager.sweep()).toBe(20);
  });

  it('lets the baseline follow a smaller fleet after the reset interval while safe', () => {
    const { manager, safety } = setup(600_000, { maxCountResetIntervalMs: 60_000 });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const k of keys) manager.put(k, inst(k));
    heartbeat(manager, safety, keys, 10);
    const base = safety.stats().maxCount;
    heartbeat(manager, safety, keys.slice(0, 18), 70); // 90 %: still safe
    expect(safety.isSafe).toBe(true);
    expect(safety.stats().maxCount).toBeLessThan(base);
  });

  describe('following the fleet', () => {
    const fleet = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

    /** Heartbeats `keys` every second for `seconds`, sweeping and checking each second as the node does. */
    function run(manager: LeaseManager, safety: SelfPreservation, keys: string[], seconds: number) {
      for (let s = 0; s < seconds; s++) {
        for (const k of keys) manager.renew(k);
        vi.advanceTimersByTime(1_000);
        manager.sweep();
        safety.check();
      }
    }

    it('a graceful scale-down lowers the baseline: a lease that then goes silent expires within TTL + one sweep', () => {
      const { manager, safety, removed } = setup(20_000);
      const keys = fleet(500);
      for (const k of keys) manager.put(k, inst(k));
      run(manager, safety, keys, 15);
      const base = safety.stats().maxCount;
      expect(base).toBeGreaterThanOrEqual(4_500);
      const stay = keys.slice(0, 250);
      for (const k of keys.slice(250)) manager.evict(k);
      run(manager, safety, stay, 30);
      expect(safety.isSafe).toBe(true);
      expect(safety.stats().maxCount).toBeLessThan(base * 0.6);
      removed.length = 0;
      // one of the remaining instances goes silent: gone after its TTL plus one sweep
      const silentFrom = Date.now();
      run(manager, safety, stay.slice(1), 22);
      expect(safety.isSafe).toBe(true);
      expect(removed).toEqual([['k0', 'expired']]);
      expect(manager.get('k0')).toBeUndefined();
      expect(Date.now() - silentFrom).toBeLessThanOrEqual(20_000 + 2_000);
    });

    it('90 % of the fleet falling silent at once still keeps every lease', () => {
      const { manager, safety, removed } = setup(20_000);
      const keys = fleet(500);
      for (const k of keys) manager.put(k, inst(k));
      run(manager, safety, keys, 15);
      run(manager, safety, keys.slice(0, 50), 60);
      expect(safety.isSafe).toBe(false);
      expect(removed).toEqual([]);
      expect(manager.size).toBe(500);
    });

    it('a burst of renewals after a pause does not become the new baseline', () => {
      const { manager, safety } = setup(20_000);
      const keys = fleet(100);
      for (const k of keys) manager.put(k, inst(k));
      run(manager, safety, keys, 15);
      const base = safety.stats().maxCount;
      // the process is paused for 8 s, then works off a backlog: three renewals per lease at once
      vi.advanceTimersByTime(8_000);
      for (let i = 0; i < 3; i++) for (const k of keys) manager.renew(k);
      safety.check();
      run(manager, safety, keys, 5);
      expect(safety.stats().maxCount).toBeLessThanOrEqual(base * 1.1);
      run(manager, safety, keys, 20);
      expect(safety.isSafe).toBe(true);
    });

    describe('a node that starts with a copied registry', () => {
      /** `n` leases as a start-up copy leaves them: renewed `ageMs` ago on the peer. */
      function copied(manager: LeaseManager, keys: string[], ageMs: (k: string) => number) {
        for (const k of keys) manager.put(k, inst(k)).renewalTime = Date.now() - ageMs(k);
      }

      it('expires an instance silent for 12 s before the restart at its original deadline', () => {
        const { manager, safety, removed } = setup(20_000);
        const keys = fleet(40);
        copied(manager, keys, (k) => (k === 'k0' ? 12_000 : 500));
        safety.seedBaseline(1, manager.size); // the peers saw one renewal per lease per second
        expect(safety.stats().maxCount).toBe(400);
        const start = Date.now();
        run(manager, safety, keys.slice(1), 7);
        expect(removed).toEqual([]);
        run(manager, safety, keys.slice(1), 2);
        expect(removed).toEqual([['k0', 'expired']]);
        // deadline: 20 s after the last renewal, 12 s of which passed before the restart
        expect(Date.now() - start).toBeGreaterThanOrEqual(8_000);
        expect(Date.now() - start).toBeLessThanOrEqual(9_000);
        run(manager, safety, keys.slice(1), 30);
        expect(safety.isSafe).toBe(true);
      });

      it('keeps everything when a third of the copied fleet stops renewing during its first window', () => {
        const { manager, safety, removed } = setup(20_000);
        const keys = fleet(280);
        copied(manager, keys, () => 500);
        safety.seedBaseline(1, manager.size);
        // the heartbeats of 96 instances went through a peer that is now cut off
        run(manager, safety, keys.slice(96), 60);
        expect(safety.isSafe).toBe(false);
        expect(removed).toEqual([]);
        expect(manager.size).toBe(280);
      });

      it('stays protective for its first window when the copy told no renewal rate (a Java peer)', () => {
        const { manager, safety, removed } = setup(5_000);
        copied(manager, ['a', 'b'], (k) => (k === 'a' ? 4_000 : 0));
        safety.seedBaseline(null, manager.size);
        run(manager, safety, ['b'], 5);
        expect(removed).toEqual([]);
        run(manager, safety, ['b'], 6);
        expect(removed).toEqual([['a', 'expired']]);
      });
    });

    it('a sweep that runs before the check after a pause expires nothing', () => {
      const { manager, safety, removed } = setup(20_000, { checkIntervalMs: 1_000 });
      const keys = fleet(100);
      for (const k of keys) manager.put(k, inst(k));
      run(manager, safety, keys, 15);
      // SIGSTOP for 30 s: on resume the sweep's timer fires first
      vi.advanceTimersByTime(30_000);
      expect(manager.sweep()).toBe(0);
      safety.check();
      expect(manager.sweep()).toBe(0);
      expect(removed).toEqual([]);
    });

    it('protectFor keeps expired leases for a while whatever the counts say', () => {
      const { manager, safety, removed } = setup(1_000);
      manager.put('a', inst('a'));
      safety.protectFor(10_000);
      vi.advanceTimersByTime(5_000);
      expect(safety.isSafe).toBe(false);
      expect(manager.sweep()).toBe(0);
      vi.advanceTimersByTime(5_000);
      expect(safety.isSafe).toBe(true);
      expect(manager.sweep()).toBe(1);
      expect(removed).toEqual([['a', 'expired']]);
    });
  });
});
