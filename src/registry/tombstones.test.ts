import { describe, expect, it } from 'vitest';
import { makeInstance } from '../core/wire/instance.js';
import { Tombstones } from './tombstones.js';

const inst = (id: string) => makeInstance({ regionId: 'SHA', serviceId: 'svc', instanceId: id, url: `http://${id}` });

describe('Tombstones', () => {
  it('prunes those recorded more than the TTL ago, a re-recorded one counting from its new time', () => {
    let now = 1_000_000;
    const tombs = new Tombstones({ now: () => now }, 10_000);
    tombs.record('a', inst('a'), 1);
    now += 1_000;
    tombs.record('b', inst('b'), 2);
    now += 1_000;
    tombs.record('c', inst('c'), 3);
    now += 1_000;
    // a later unregistration of a: recorded again, now the newest
    tombs.record('a', inst('a'), 4);
    now = 1_000_000 + 11_500;
    tombs.prune();
    expect([...tombs.values()].map((t) => t.key)).toEqual(['c', 'a']);
    expect([...tombs.forService('svc')].map((t) => t.key).sort()).toEqual(['a', 'c']);
    now += 2_000;
    tombs.prune();
    expect(tombs.size).toBe(0);
    expect([...tombs.forService('svc')]).toEqual([]);
  });
});
