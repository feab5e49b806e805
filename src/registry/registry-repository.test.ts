import { describe, expect, it, vi } from 'vitest';
import { instanceKey, makeInstance, type Instance } from '../core/wire/instance.js';
import type { InstanceChange } from '../core/wire/service.js';
import { ChangeBus } from './change-bus.js';
import { RegistryRepository } from './registry-repository.js';
import { T0, clock, leaseTable, selfPreservation, useFakeTimeFromT0 } from '../../test/helpers/lease-clock.js';
import { instance } from '../../test/helpers/node.js';

function setup() {
  const normal = leaseTable('instance', 20_000, selfPreservation({ enabled: false }));
  const legacy = leaseTable('legacy-instance', 20_000, selfPreservation({ enabled: false }));
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const changes: InstanceChange[] = [];
  bus.subscribe((c) => changes.push(c));
  const repository = new RegistryRepository(normal, legacy, bus, clock);
  return { repository, normal, legacy, changes };
}

const inst = (overrides: Partial<Instance> = {}): Instance => makeInstance(instance({ metadata: { a: '1' }, ...overrides }));
const KEY = instanceKey(inst());

describe('RegistryRepository.register of data it already holds', () => {
  useFakeTimeFromT0();

  it('gives a fresh lease and stamp, keeps the stored object and the index in step, and publishes nothing', () => {
    const { repository, normal, changes } = setup();
    const first = repository.register(inst(), undefined, 'client-a');
    const stored = normal.get(KEY)!.instance;
    vi.advanceTimersByTime(1_000);
    const again = repository.register(inst(), undefined, 'client-b');
    const lease = normal.get(KEY)!;
    expect(again).toBeGreaterThan(first);
    expect(lease.incarnation).toBe(again);
    expect(lease.creationTime).toBe(T0 + 1_000);
    expect(lease.renewalTime).toBe(T0 + 1_000);
    expect(lease.owner).toBe('client-b');
    expect(lease.instance).toBe(stored);
    expect(repository.service('demo.order')?.leases.get(KEY)).toBe(lease);
    expect([repository.ownedBy('client-a'), repository.ownedBy('client-b'), repository.ownerCount]).toEqual([0, 1, 1]);
    expect(changes.map((c) => c.changeType)).toEqual(['new']);
    // the index still answers for the fresh lease: an unregistration removes and publishes it
    expect(repository.unregister(inst())).toBeGreaterThan(again);
    expect(repository.service('demo.order')).toBeUndefined();
    expect(changes.map((c) => c.changeType)).toEqual(['new', 'delete']);
    expect(repository.ownerCount).toBe(0);
  });

  it('revives a lease seen expired but not swept yet: the sweep then removes nothing', () => {
    const { repository, normal, changes } = setup();
    repository.register(inst());
    vi.advanceTimersByTime(20_001);
    expect(normal.renew(KEY)).toBe(false);
    repository.register(inst());
    expect(normal.renew(KEY)).toBe(true);
    expect(normal.sweep()).toBe(0);
    expect(changes.map((c) => c.changeType)).toEqual(['new']);
    expect(repository.instanceCount).toBe(1);
  });

  it('publishes new when anything a reader sees differs: a field, the metadata order, the spelling, the table', () => {
    const { repository, normal, legacy, changes } = setup();
    repository.register(inst());
    const variants = [
      inst({ url: 'http://other' }),
      inst({ url: 'http://other', metadata: { a: '1', b: '2' } }),
      inst({ url: 'http://other', metadata: { b: '2', a: '1' } }),
      inst({ url: 'http://other', metadata: { b: '2', a: '1' }, serviceId: 'Demo.Order' }),
      inst({ url: 'http://other', metadata: { java_registry: 'true' }, serviceId: 'Demo.Order' }),
    ];
    for (const v of variants) repository.register(v);
    expect(changes.map((c) => c.instance.url)).toEqual(['http://10.1.2.3:8080/order', ...variants.map(() => 'http://other')]);
    expect([normal.size, legacy.size]).toEqual([0, 1]);
    expect(repository.service('demo.order')?.serviceId).toBe('Demo.Order');
    // the same data again in the legacy table: a fresh lease there, no event
    repository.register(inst({ url: 'http://other', metadata: { java_registry: 'true' }, serviceId: 'Demo.Order' }));
    expect(changes).toHaveLength(variants.length + 1);
    expect(repository.service('demo.order')?.leases.get(KEY)).toBe(legacy.get(KEY));
  });

  it('a lease marked unregistered and not swept yet is replaced by a fresh one and published again', () => {
    const { repository, normal, changes } = setup();
    repository.register(inst());
    const marked = normal.get(KEY)!;
    normal.evict(KEY);
    repository.register(inst());
    const lease = normal.get(KEY)!;
    expect(lease).not.toBe(marked);
    expect(lease.evictionTime).toBe(0);
    expect(repository.service('demo.order')?.leases.get(KEY)).toBe(lease);
    expect(changes.map((c) => c.changeType)).toEqual(['new', 'new']);
  });

  it('a replicated registration of the same data takes the origin stamp and drops the local owner', () => {
    const { repository, normal, changes } = setup();
    const local = repository.register(inst(), undefined, 'client-a');
    expect(repository.registerReplicated(inst(), local + 5)).toBe(true);
    expect(normal.get(KEY)!.incarnation).toBe(local + 5);
    expect(normal.get(KEY)!.owner).toBeNull();
    expect(repository.ownerCount).toBe(0);
    // a stale copy is still refused
    expect(repository.registerReplicated(inst(), local + 1)).toBe(false);
    expect(changes).toHaveLength(1);
  });
});
