import { afterEach, describe, expect, it, vi } from 'vitest';
import { instanceKey, makeInstance } from '../../src/core/wire/instance.js';
import { inProcessNode, instance } from '../helpers/node.js';

describe('identical re-registration between two nodes', () => {
  afterEach(() => vi.useRealTimers());

  it('is forwarded with a fresh stamp, restarts the peer lease, keeps owners straight and the digests equal', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_000_000);
    const a = inProcessNode();
    const b = inProcessNode();
    const forwarded: Array<{ op: string; stamp: number }> = [];
    a.registry.onApplied((op, inst, stamp) => {
      forwarded.push({ op, stamp });
      b.registry.handleReplicated(op, { instances: [inst], stamps: [stamp] });
    });
    const body = { instances: [instance({ metadata: { z: '1', a: '2' } })] };
    const key = instanceKey(makeInstance(instance()));
    expect(a.registry.handle('register', body, false, '10.0.0.1').responseStatus.status).toBe('success');
    vi.advanceTimersByTime(5_000);
    const events: string[] = [];
    a.bus.subscribe((c) => events.push(`a:${c.changeType}`));
    b.bus.subscribe((c) => events.push(`b:${c.changeType}`));
    expect(a.registry.handle('register', body, false, '10.0.0.2').responseStatus.status).toBe('success');
    expect(forwarded.map((f) => f.op)).toEqual(['register', 'register']);
    expect(forwarded[1]!.stamp).toBeGreaterThan(forwarded[0]!.stamp);
    const la = a.repository.lease(key)!;
    const lb = b.repository.lease(key)!;
    expect([la.incarnation, lb.incarnation]).toEqual([forwarded[1]!.stamp, forwarded[1]!.stamp]);
    expect([la.creationTime, lb.creationTime]).toEqual([Date.now(), Date.now()]);
    expect([a.repository.ownedBy('10.0.0.1'), a.repository.ownedBy('10.0.0.2'), b.repository.ownerCount]).toEqual([0, 1, 0]);
    expect(events).toEqual([]);
    expect(a.replication.digest.root()).toBe(b.replication.digest.root());
    // an unregistration still ends it on both, once
    a.registry.handle('unregister', body);
    expect(events).toEqual(['a:delete', 'b:delete']);
    expect([a.repository.lease(key), b.repository.lease(key), a.repository.ownerCount]).toEqual([undefined, undefined, 0]);
  });
});
