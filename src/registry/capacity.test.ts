import { describe, expect, it } from 'vitest';
import { makeInstance, instanceKey } from '../core/wire/instance.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation } from '../lease/self-preservation.js';
import { ChangeBus } from './change-bus.js';
import { RegistryCapacity, type CapacitySettings } from './capacity.js';
import { RegistryRepository } from './registry-repository.js';

let now = 1_700_000_000_000;
const clock = { now: () => now };

function setup(settings: Partial<CapacitySettings>) {
  const sp = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000, checkIntervalMs: 1_000 };
  const table = (name: 'instance' | 'legacy-instance') => new LeaseManager(name, { ttlMs: 20_000 }, clock, new SelfPreservation(sp, clock));
  const repository = new RegistryRepository(table('instance'), table('legacy-instance'), new ChangeBus(() => undefined), clock);
  const capacity = new RegistryCapacity({ maxInstances: 0, maxInstancesPerService: 0, maxInstancesPerClient: 0, maxRegistrationsPerClientPerSecond: 0, maxTrackedClients: 100, ...settings }, repository, clock);
  const add = (id: string, client: string | null, serviceId = 'svc') => {
    const instance = makeInstance({ regionId: 'R', serviceId, instanceId: id, url: 'http://x' });
    const refused = capacity.admit(instanceKey(instance), serviceId, client);
    if (refused === null) repository.register(instance, undefined, client);
    return refused?.limit ?? null;
  };
  return { repository, add };
}

describe('RegistryCapacity', () => {
  it('counts instances per client, releases them on replacement and removal', () => {
    const { repository, add } = setup({ maxInstancesPerClient: 2 });
    expect([add('a', 'c1'), add('b', 'c1'), add('c', 'c1')]).toEqual([null, null, 'limits.maxInstancesPerClient']);
    // re-registering one it holds is fine; another client may take it over
    expect(add('a', 'c1')).toBeNull();
    expect(add('a', 'c2')).toBeNull();
    expect([repository.ownedBy('c1'), repository.ownedBy('c2')]).toEqual([1, 1]);
    repository.unregister(makeInstance({ regionId: 'R', serviceId: 'svc', instanceId: 'b', url: 'http://x' }));
    repository.normal.sweep();
    expect(repository.ownedBy('c1')).toBe(0);
    expect(repository.ownerCount).toBe(1);
    // replicated registrations (no client) are not counted
    expect(add('z', null)).toBeNull();
    expect(repository.ownerCount).toBe(1);
  });

  it('bounds instances in all and per service; an identity already held is not new', () => {
    const { add } = setup({ maxInstances: 3, maxInstancesPerService: 2 });
    expect([add('a', 'c'), add('b', 'c'), add('c', 'c')]).toEqual([null, null, 'limits.maxInstancesPerService']);
    expect(add('c', 'c', 'other')).toBeNull();
    expect(add('d', 'c', 'third')).toBe('limits.maxInstances');
    expect(add('a', 'c')).toBeNull();
  });

  it('limits registrations per client and second', () => {
    const { add } = setup({ maxRegistrationsPerClientPerSecond: 2 });
    expect([add('a', 'c'), add('b', 'c'), add('c', 'c'), add('c', 'd')]).toEqual([null, null, 'limits.maxRegistrationsPerClientPerSecond', null]);
    now += 2_000;
    expect(add('c', 'c')).toBeNull();
  });
});
