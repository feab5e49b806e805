import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { Instance } from '../core/wire/instance.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation, type SelfPreservationSettings } from '../lease/self-preservation.js';
import { ChangeBus } from '../registry/change-bus.js';
import { RegistryRepository } from '../registry/registry-repository.js';
import { instance } from '../../test/helpers/node.js';
import { HybridClock } from '../lease/hybrid-clock.js';
import { Tombstones } from '../registry/tombstones.js';
import { RegistryDigest, type RepairPlan } from './anti-entropy.js';

const sp: SelfPreservationSettings = {
  enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000,
};

function node(clock: { t: number }, skewMs = 0) {
  const c: Clock = { now: () => clock.t + skewMs };
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const repo = new RegistryRepository(
    new LeaseManager('instance', { ttlMs: 20_000 }, c, new SelfPreservation(sp, c)),
    new LeaseManager('legacy-instance', { ttlMs: 90_000 }, c, new SelfPreservation(sp, c)),
    bus,
    c,
    new HybridClock(c),
    new Tombstones(c, 60_000),
  );
  const digest = new RegistryDigest(repo, bus, c);
  /** Applies a repair plan the way the replication pipeline would. */
  const apply = (plan: RepairPlan) => {
    for (const { instance: i, stamp, renewedAgoMs } of plan.register) if (repo.registerReplicated(i, stamp)) repo.backdate(i, c.now() - renewedAgoMs, stamp);
    for (const { instance: i, stamp } of plan.unregister) repo.unregister(i, stamp);
    repo.normal.sweep();
  };
  return { repo, digest, apply };
}

const inst = (id: string, meta: Record<string, string> | null = null) => instance({ instanceId: id, serviceId: 'svc.a', metadata: meta }) as unknown as Instance;

/** One pull of `from`'s differing services into `to`. */
function pull(to: ReturnType<typeof node>, from: ReturnType<typeof node>) {
  const keys = to.digest.differing(from.digest.digests());
  to.apply(to.digest.plan(from.digest.diff(keys)));
}

describe('RegistryDigest', () => {
  it('settles in slices that yield to the event loop, to the digests a whole refresh gives, changes made meanwhile included', async () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    const many = (id: string, s: number) => instance({ instanceId: id, serviceId: `svc.${s}` }) as unknown as Instance;
    for (let i = 0; i < 600; i++) {
      a.repo.register(many(`i${i}`, i % 3));
      b.repo.register(many(`i${i}`, i % 3));
    }
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    // a deadline already past: every slice ends at its first check
    const settling = a.digest.settle(-1);
    a.repo.register(many('late', 1));
    await settling;
    clearInterval(counting);
    expect(turns).toBeGreaterThan(0);
    b.repo.register(many('late', 1));
    expect(a.digest.root()).toBe(b.digest.root());
    expect(a.digest.digests()).toEqual(b.digest.digests());
    expect(a.digest.digests()['svc.1']).toMatch(/^201\./);
  });

  it('agrees on equal registries whatever the order of arrival, and differs on content', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    a.repo.register(inst('i1'));
    a.repo.register(inst('i2'));
    b.repo.register(inst('i2'));
    b.repo.register(inst('i1'));
    expect(a.digest.digests()).toEqual(b.digest.digests());
    b.repo.register(inst('i2', { v: '2' }));
    expect(a.digest.differing(b.digest.digests())).toEqual(['svc.a']);
  });

  it('a lost register is copied, a lost unregister is applied, and neither comes back', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    for (const n of [a, b]) n.repo.register(inst('old'));
    t.t = 2_000;
    a.repo.register(inst('new')); // never reached B
    t.t = 3_000;
    a.repo.unregister(inst('old')); // never reached B
    a.repo.normal.sweep();
    t.t = 4_000;
    pull(a, b); // A must not bring "old" back from B
    expect([...a.repo.service('svc.a')?.leases.keys() ?? []].map((k) => k.split('.').pop())).toEqual(['new']);
    pull(b, a);
    expect([...b.repo.service('svc.a')?.leases.keys() ?? []].map((k) => k.split('.').pop())).toEqual(['new']);
    expect(a.digest.digests()).toEqual(b.digest.digests());
  });

  it('a registration newer than the tombstone wins, and the newer data of an instance wins', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    a.repo.register(inst('x'));
    a.repo.unregister(inst('x'));
    a.repo.normal.sweep();
    t.t = 2_000;
    b.repo.register(inst('x', { v: 'later' })); // registered again on B after A's removal
    pull(a, b);
    expect(a.repo.service('svc.a')?.leases.size).toBe(1);
    t.t = 3_000;
    a.repo.register(inst('x', { v: 'newest' }));
    pull(b, a);
    const lease = [...(b.repo.service('svc.a')?.leases.values() ?? [])][0];
    expect(lease?.instance.metadata).toEqual({ v: 'newest' });
    pull(a, b); // B's older copy does not overwrite A's
    expect([...(a.repo.service('svc.a')?.leases.values() ?? [])][0]?.instance.metadata).toEqual({ v: 'newest' });
  });

  it('forgets tombstones after their TTL', () => {
    const t = { t: 1_000 };
    const a = node(t);
    a.repo.register(inst('gone'));
    a.repo.unregister(inst('gone'));
    a.repo.normal.sweep();
    expect(a.digest.diff(['svc.a'])[0]?.tombstones).toHaveLength(1);
    t.t = 62_000;
    expect(a.digest.diff(['svc.a'])).toEqual([]);
  });

  it('a re-registration clears the tombstone, so a peer keeps its older copy', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    for (const n of [a, b]) n.repo.register(inst('r'));
    t.t = 2_000;
    a.repo.unregister(inst('r')); // a client restart: unregister, sweep, register again
    a.repo.normal.sweep();
    t.t = 2_500;
    a.repo.register(inst('r'));
    t.t = 3_000;
    pull(b, a);
    expect(b.repo.service('svc.a')?.leases.size).toBe(1);
    expect(a.digest.diff(['svc.a'])[0]?.tombstones).toEqual([]);
  });

  it('an unregistration not swept yet is not undone by a peer that missed it', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    for (const n of [a, b]) n.repo.register(inst('u'));
    t.t = 2_000;
    a.repo.unregister(inst('u')); // marked, the sweep has not run
    pull(a, b);
    a.repo.normal.sweep();
    expect(a.repo.service('svc.a')).toBeUndefined();
    pull(b, a); // B learns the removal from A's pending tombstone
    expect(b.repo.service('svc.a')).toBeUndefined();
  });

  it('a copy keeps the age it had on its source, and a dying copy is not taken', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    a.repo.register(inst('old-lease'));
    t.t = 8_000; // 7 s without renewal on A (TTL 20 s)
    pull(b, a);
    const copy = [...(b.repo.service('svc.a')?.leases.values() ?? [])][0];
    expect(copy?.renewalTime).toBe(1_000);
    t.t = 12_000; // 11 s: past half the TTL on A
    const c = node(t);
    pull(c, a);
    expect(c.repo.service('svc.a')).toBeUndefined();
  });

  it('a node whose clock runs 90 s ahead takes the unregistrations of the others and does not bring them back', () => {
    const t = { t: 1_000_000 };
    const a = node(t);
    const c = node(t, 90_000);
    for (const id of ['x', 'y']) {
      const stamp = a.repo.register(inst(id));
      c.repo.registerReplicated(inst(id), stamp); // replicated before the partition
    }
    // Partition: A unregisters x; C registers its own instance.
    t.t += 3_000;
    a.repo.unregister(inst('x'));
    a.repo.normal.sweep();
    c.repo.register(inst('c-only'));
    t.t += 3_000;
    for (let round = 0; round < 2; round++) {
      pull(c, a);
      pull(a, c);
    }
    const ids = (n: ReturnType<typeof node>) => [...(n.repo.service('svc.a')?.leases.keys() ?? [])].map((k) => k.split('.').pop()).sort();
    expect(ids(c)).toEqual(['c-only', 'y']);
    expect(ids(a)).toEqual(['c-only', 'y']);
    expect(a.digest.root()).toBe(c.digest.root());
  });

  it('keeps a root digest that equals on equal registries and follows every change', () => {
    const t = { t: 1_000 };
    const a = node(t);
    const b = node(t);
    a.repo.register(inst('x'));
    a.repo.register(instance({ instanceId: 'y', serviceId: 'svc.b' }));
    b.repo.register(instance({ instanceId: 'y', serviceId: 'svc.b' }));
    expect(a.digest.root()).not.toBe(b.digest.root());
    b.repo.register(inst('x'));
    expect(a.digest.root()).toBe(b.digest.root());
    a.repo.unregister(inst('x'));
    a.repo.normal.sweep();
    expect(a.digest.root()).not.toBe(b.digest.root());
    b.repo.unregister(inst('x'));
    b.repo.normal.sweep();
    expect(a.digest.root()).toBe(b.digest.root());
    expect(a.digest.root()).toMatch(/^1\./);
  });
});

