import { describe, expect, it } from 'vitest';
import { Links, registryNode, replicationOf } from '../../test/helpers/registry-node.js';

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('a write queued for a peer before an unregistration', () => {
  it('is not sent once the unregistration has reached the sender, so a peer that has not heard of it yet stays clean', async () => {
    const t = { ms: 1_000_000 };
    const a = registryNode(t);
    const b = registryNode(t);
    const c = registryNode(t);
    const links = new Links();
    links.add('a', a);
    links.add('b', b);
    links.add('c', c);
    const fromA = replicationOf(a, 'a', ['b', 'c'], links);
    const fromC = replicationOf(c, 'c', ['a', 'b'], links);
    a.client('register', 'x');
    await until(() => b.ids().includes('x') && c.ids().includes('x'));
    // B is cut off; the client keeps heartbeating on A, whose heartbeats for B wait in its queue.
    links.set('a', 'b', false);
    links.set('c', 'b', false);
    a.client('heartbeat', 'x');
    await until(() => links.delivered.some((d) => d.startsWith('a>c heartbeat x')));
    // The client moves to C and unregisters there; A hears of it, B does not (still cut off).
    const unregistered = c.client('unregister', 'x');
    expect(unregistered.responseStatus.status).toBe('success');
    await until(() => a.ids().length === 0);
    // B's copy expires meanwhile: B knows of neither the lease nor its end.
    t.ms += 25_000;
    b.normal.sweep();
    expect(b.ids()).toEqual([]);
    // The links heal; A's queued heartbeat comes due before C's unregistration.
    const healedAt = links.delivered.length;
    links.set('a', 'b', true);
    await until(() => fromA.queueDepths().get('b') === 0);
    expect(links.delivered.slice(healedAt).filter((d) => d.startsWith('a>b'))).toEqual([]);
    expect(b.ids()).toEqual([]);
    expect((await fromA.metrics.drops.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'superseded' }, value: 1 })]);
    links.set('c', 'b', true);
    await until(() => fromC.queueDepths().get('b') === 0);
    expect(b.repository.tombstones.get([...a.repository.tombstones.values()][0]!.key)?.stamp).toBe(c.stampOf('x'));
    await Promise.all([fromA.stop(Date.now() + 100), fromC.stop(Date.now() + 100)]);
  });

  it('still goes out when the registration it belongs to is live (a later registration outlives the tombstone)', async () => {
    const t = { ms: 1_000_000 };
    const a = registryNode(t);
    const b = registryNode(t);
    const links = new Links();
    links.add('a', a);
    links.add('b', b);
    const fromA = replicationOf(a, 'a', ['b'], links);
    a.client('register', 'x');
    a.client('unregister', 'x');
    a.client('register', 'x'); // registered again: the tombstone is over
    a.client('heartbeat', 'x');
    await until(() => fromA.queueDepths().get('b') === 0);
    expect(b.ids()).toEqual(['x']);
    await fromA.stop(Date.now() + 100);
  });
});
