import { describe, expect, it } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import type { InstanceChange } from '../core/wire/service.js';
import { ChangeBus } from '../registry/change-bus.js';
import type { ChangePublisher } from './change-publisher.js';
import { PushRelay } from './push-relay.js';

const change = (serviceId: string, instanceId: string): InstanceChange => ({
  changeTime: 1,
  changeType: 'new',
  instance: makeInstance({ regionId: 'SHA', zoneId: 'sha-z1', serviceId, instanceId, url: `http://${instanceId}`, port: 80 }),
});

function fixture(listened: string[]) {
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const pending = new Set<string>();
  const listeners: Array<(v: number) => void> = [];
  let preferred: { keys(): Iterable<string> } = new Set<string>();
  const sent: Array<[string, number]> = [];
  const publisher = {
    listensTo: (id: string | null) => listened.includes(id ?? ''),
    listenedServices: () => new Map(listened.map((k) => [k, 1])),
    publish: (changes: readonly InstanceChange[], version: number) => {
      for (const c of changes) sent.push([c.instance.instanceId as string, version]);
    },
  } as unknown as ChangePublisher;
  const relay = new PushRelay(bus, { onTick: (l) => listeners.push(l), pending: (id) => pending.has(id), preferFirst: (k) => (preferred = k) }, publisher);
  const tick = (v: number) => listeners.forEach((l) => l(v));
  return { bus, pending, sent, tick, relay, preferred: () => [...preferred.keys()] };
}

describe('PushRelay', () => {
  it('pushes a service\'s changes at the first tick whose version includes them, in order', () => {
    const { bus, pending, sent, tick } = fixture(['a', 'b']);
    bus.publish(change('a', 'a1'));
    bus.publish(change('b', 'b1'));
    bus.publish(change('a', 'a2'));
    pending.add('b');
    tick(10);
    expect(sent).toEqual([['a1', 10], ['a2', 10]]);
    bus.publish(change('b', 'b2'));
    tick(11);
    expect(sent).toHaveLength(2);
    pending.delete('b');
    tick(12);
    expect(sent.slice(2)).toEqual([['b1', 12], ['b2', 12]]);
  });

  it('keeps nothing for services nobody listens to', () => {
    const { bus, pending, sent, tick } = fixture(['a']);
    bus.publish(change('z', 'z1'));
    pending.add('z');
    tick(10);
    pending.delete('z');
    tick(11);
    expect(sent).toEqual([]);
  });

  it('names the services someone subscribed to as those to rebuild first', () => {
    const { preferred } = fixture(['a', 'b']);
    expect(preferred()).toEqual(['a', 'b']);
  });
});
