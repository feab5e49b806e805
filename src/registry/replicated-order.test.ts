import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { instanceKey, makeInstance, type Instance } from '../core/wire/instance.js';
import { HybridClock, STAMPS_PER_MS } from '../lease/hybrid-clock.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation, type SelfPreservationSettings } from '../lease/self-preservation.js';
import { RateLimiter } from '../ratelimit/rate-limiter.js';
import { instance } from '../../test/helpers/node.js';
import { ChangeBus } from './change-bus.js';
import { RegistryRepository } from './registry-repository.js';
import { RegistryService } from './registry-service.js';
import { Tombstones } from './tombstones.js';

const sp: SelfPreservationSettings = { enabled: true, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 };
const up: ServiceNodeStatus = {
  allowDiscoveryFromOtherZone: true,
  allowRegistryFromOtherZone: true,
  canServiceDiscovery: true,
  canServiceRegistry: true,
  node: { url: 'http://node', zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } },
  status: 'up',
};

/** One node's registry: `t.ms` is its wall clock (nodes of one test may disagree). */
function node(t: { ms: number }, resuming = () => false) {
  const clock: Clock = { now: () => t.ms };
  const normal = new LeaseManager('instance', { ttlMs: 20_000 }, clock, new SelfPreservation(sp, clock));
  const legacy = new LeaseManager('legacy-instance', { ttlMs: 90_000 }, clock, new SelfPreservation(sp, clock));
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const repository = new RegistryRepository(normal, legacy, bus, clock, new HybridClock(clock), new Tombstones(clock, 120_000));
  const applied: Array<[string, string, number]> = [];
  const service = new RegistryService({
    repository,
    node: { status: up, regionId: 'SHA', zoneId: 'sha-z1' },
    limiter: new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 1_000_000, limits: {} }, 10_000, clock),
    limits: { maxInstancesPerRequest: 100, maxFieldLength: 256, maxMetadataEntries: 16, maxMetadataBytes: 4_096 },
    onUnexpected: (err) => {
      throw err;
    },
    resuming,
  });
  service.onApplied((op, i, stamp) => applied.push([op, i.instanceId as string, stamp]));
  const ids = () => [...(repository.service('demo.order')?.leases.values() ?? [])].filter((l) => l.evictionTime === 0).map((l) => l.instance.instanceId);
  const client = (op: 'register' | 'heartbeat' | 'unregister', id: string) => service.handle(op, { instances: [inst(id)] });
  const replicated = (op: 'register' | 'heartbeat' | 'unregister', id: string, stamp?: number) =>
    service.handleReplicated(op, stamp === undefined ? { instances: [inst(id)] } : { instances: [inst(id)], stamps: [stamp] });
  /** The stamp this node's last client write of `id` was forwarded with. */
  const stampOf = (id: string) => applied.filter(([, i]) => i === id).at(-1)?.[2] ?? 0;
  return { repository, service, normal, ids, client, replicated, stampOf };
}

const inst = (id: string): Instance => makeInstance(instance({ instanceId: id, url: `http://x/${id}` }));

describe('replicated writes are ordered by the origin, not by arrival', () => {
  it('a heartbeat queued before an unregistration does not bring the instance back', () => {
    const t = { ms: 1_000_000 };
    const a = node(t);
    const b = node(t);
    a.client('register', 'x');
    b.replicated('register', 'x', a.stampOf('x'));
    a.client('heartbeat', 'x');
    const beat = a.stampOf('x');
    t.ms += 500;
    a.client('unregister', 'x');
    b.replicated('unregister', 'x', a.stampOf('x'));
    b.normal.sweep();
    expect(b.ids()).toEqual([]);
    // The heartbeat was retried and arrives late: the tombstone wins, on every node.
    t.ms += 2_000;
    expect(b.replicated('heartbeat', 'x', beat).responseStatus.status).toBe('success');
    expect(b.ids()).toEqual([]);
    // So does a late copy of the registration itself.
    b.replicated('register', 'x', beat);
    expect(b.ids()).toEqual([]);
  });

  it('a node that never saw the instance keeps the unregistration it is told of', () => {
    const t = { ms: 1_000_000 };
    const a = node(t);
    const c = node(t);
    a.client('register', 'x');
    const registered = a.stampOf('x');
    a.client('unregister', 'x');
    c.replicated('unregister', 'x', a.stampOf('x')); // the register never reached C
    c.replicated('heartbeat', 'x', registered);
    expect(c.ids()).toEqual([]);
  });

  it('a registration made after the unregistration wins, wherever it was made', () => {
    const t = { ms: 1_000_000 };
    const a = node(t);
    const b = node(t);
    a.client('register', 'x');
    b.replicated('register', 'x', a.stampOf('x'));
    a.client('unregister', 'x');
    b.replicated('unregister', 'x', a.stampOf('x'));
    b.normal.sweep();
    b.client('register', 'x'); // the client came back on B
    a.replicated('register', 'x', b.stampOf('x'));
    expect(a.ids()).toEqual(['x']);
    expect(b.ids()).toEqual(['x']);
    // The old unregistration arriving again (a retry) leaves the new registration alone.
    b.replicated('unregister', 'x', a.stampOf('x'));
    expect(b.ids()).toEqual(['x']);
  });

  it('holds when the origin clock runs 90 s behind the receiver', () => {
    const ta = { ms: 1_000_000 };
    const tb = { ms: 1_090_000 };
    const a = node(ta);
    const b = node(tb);
    b.client('register', 'x');
    a.replicated('register', 'x', b.stampOf('x')); // A takes in B's later stamp
    a.client('heartbeat', 'x');
    const beat = a.stampOf('x');
    a.client('unregister', 'x');
    expect(a.stampOf('x')).toBeGreaterThanOrEqual(beat);
    b.replicated('unregister', 'x', a.stampOf('x'));
    b.normal.sweep();
    b.replicated('heartbeat', 'x', beat);
    expect(b.ids()).toEqual([]);
    // A client registration on A after that orders after everything A saw, B's clock included.
    a.client('register', 'x');
    expect(a.stampOf('x')).toBeGreaterThan(1_090_000 * STAMPS_PER_MS);
    b.replicated('register', 'x', a.stampOf('x'));
    expect(b.ids()).toEqual(['x']);
  });

  it('a Java peer (no stamps): its heartbeat registers a missing instance, unless a tombstone is known', () => {
    const t = { ms: 1_000_000 };
    const b = node(t);
    b.replicated('heartbeat', 'java-1');
    expect(b.ids()).toEqual(['java-1']);
    b.replicated('unregister', 'java-1');
    b.normal.sweep();
    b.replicated('heartbeat', 'java-1');
    expect(b.ids()).toEqual([]);
    // A registration (Java sends one when its client registers again) supersedes the tombstone.
    b.replicated('register', 'java-1');
    expect(b.ids()).toEqual(['java-1']);
  });

  it('a heartbeat of a later registration than the one held replaces it (its register was missed)', () => {
    const t = { ms: 1_000_000 };
    const a = node(t);
    const b = node(t);
    a.client('register', 'x');
    b.replicated('register', 'x', a.stampOf('x'));
    t.ms += 1_000;
    a.client('register', 'x'); // re-registered; this register is lost on the way to B
    a.client('heartbeat', 'x');
    b.replicated('heartbeat', 'x', a.stampOf('x'));
    expect(b.repository.lease(instanceKey(inst('x')))?.incarnation).toBe(a.stampOf('x'));
  });

  it('replicated heartbeats count as renewals (spec 4.4); one that registers a missing instance does not', () => {
    const t = { ms: 1_000_000 };
    const b = node(t);
    b.replicated('heartbeat', 'x', 5);
    expect(b.normal.safety.stats().countInWindow).toBe(0);
    b.replicated('heartbeat', 'x', 5);
    b.replicated('heartbeat', 'x');
    expect(b.normal.safety.stats().countInWindow).toBe(2);
  });
});

describe('a node resuming from a stall', () => {
  it('answers the client writes that waited through it with service-unavailable, and still applies peers’ writes', () => {
    let stalled = true;
    const b = node({ ms: 1_000_000 }, () => stalled);
    expect(b.client('register', 'late').responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
    expect(b.ids()).toEqual([]);
    b.replicated('register', 'peer', 7);
    expect(b.ids()).toEqual(['peer']);
    stalled = false;
    expect(b.client('register', 'late').responseStatus.status).toBe('success');
  });
});

describe('HybridClock', () => {
  it('never goes back, follows the wall clock when ahead, and orders after what it observed', () => {
    const t = { ms: 1_000 };
    const h = new HybridClock({ now: () => t.ms });
    const first = h.tick();
    expect(first).toBe(1_000 * STAMPS_PER_MS);
    t.ms = 900; // the wall clock stepped back
    expect(h.tick()).toBe(first + 1);
    h.observe(5_000 * STAMPS_PER_MS + 7);
    expect(h.tick()).toBe(5_000 * STAMPS_PER_MS + 8);
    h.observe(Number.NaN);
    h.observe(1);
    t.ms = 6_000;
    expect(h.tick()).toBe(6_000 * STAMPS_PER_MS);
  });
});
