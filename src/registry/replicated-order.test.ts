import { describe, expect, it } from 'vitest';
import { instanceKey } from '../core/wire/instance.js';
import { HybridClock, STAMPS_PER_MS } from '../lease/hybrid-clock.js';
import { inst, registryNode as node } from '../../test/helpers/registry-node.js';

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
