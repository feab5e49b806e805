import type { Clock } from '../core/clock.js';
import { instanceKey, internSharedFields, isLegacyInstance, serviceKey, type Instance } from '../core/wire/instance.js';
import type { ChangeType } from '../core/wire/service.js';
import type { Lease, LeaseManager, LeaseRemovalReason } from '../lease/lease-manager.js';
import type { ChangeBus } from './change-bus.js';

/** The instances of one service, keyed by canonical instance identity. */
export interface ServiceEntry {
  /** Service id as spelled by the most recent registration. */
  serviceId: string;
  readonly leases: Map<string, Lease>;
}

/**
 * The in-memory registry of a node: two lease tables (normal and legacy `java_registry`
 * instances) and one service index, all keyed by the same canonical lower-cased identity while
 * instance data keeps its original spelling. Every change is published on the bus.
 */
export class RegistryRepository {
  private readonly services = new Map<string, ServiceEntry>();

  constructor(
    readonly normal: LeaseManager,
    readonly legacy: LeaseManager,
    private readonly bus: ChangeBus,
    private readonly clock: Clock,
  ) {
    normal.onRemoval(this.onLeaseRemoved);
    legacy.onRemoval(this.onLeaseRemoved);
  }

  /** The lease table an instance belongs in (legacy `java_registry` instances have their own). */
  managerFor(instance: Instance): LeaseManager {
    return isLegacyInstance(instance) ? this.legacy : this.normal;
  }

  /** Creates or replaces the lease of the instance and publishes `new`. */
  register(instance: Instance): void {
    internSharedFields(instance);
    const key = instanceKey(instance);
    const manager = this.managerFor(instance);
    const other = manager === this.normal ? this.legacy : this.normal;
    other.discard(key);
    const lease = manager.put(key, instance);
    const sKey = serviceKey(instance.serviceId as string);
    let entry = this.services.get(sKey);
    if (entry === undefined) {
      entry = { serviceId: instance.serviceId as string, leases: new Map() };
      this.services.set(sKey, entry);
    } else {
      entry.serviceId = instance.serviceId as string;
    }
    entry.leases.set(key, lease);
    this.emit('new', instance);
  }

  /** Renews the lease; false when the instance must re-register. */
  renew(instance: Instance): boolean {
    return this.managerFor(instance).renew(instanceKey(instance));
  }

  /**
   * Moves a live lease's last renewal back to `renewedAt` (never forward): a copy taken from a
   * peer keeps the age it had there, so it expires when the original does.
   */
  backdate(instance: Instance, renewedAt: number): void {
    const key = instanceKey(instance);
    const lease = this.normal.get(key) ?? this.legacy.get(key);
    if (lease !== undefined && lease.evictionTime === 0 && renewedAt < lease.renewalTime) lease.renewalTime = renewedAt;
  }

  /** Marks the lease unregistered (removed and published as `delete` by the next sweep). */
  unregister(instance: Instance): void {
    const key = instanceKey(instance);
    if (!this.managerFor(instance).evict(key)) {
      // The instance may sit in the other table if its metadata changed since it registered.
      const other = this.managerFor(instance) === this.normal ? this.legacy : this.normal;
      other.evict(key);
    }
  }

  /** Removes from the index, and publishes `delete` for, every lease a sweep removed. */
  private readonly onLeaseRemoved = (lease: Lease, _reason: LeaseRemovalReason): void => {
    const sKey = serviceKey(lease.instance.serviceId as string);
    const entry = this.services.get(sKey);
    // Only the lease that still holds the slot is removed: a newer registration stays.
    if (entry === undefined || entry.leases.get(lease.key) !== lease) return;
    entry.leases.delete(lease.key);
    if (entry.leases.size === 0) this.services.delete(sKey);
    this.emit('delete', lease.instance);
  };

  private emit(changeType: ChangeType, instance: Instance): void {
    this.bus.publish({ changeTime: this.clock.now(), changeType, instance });
  }

  /** The service's entry, looked up by id in any letter case. */
  service(serviceId: string): ServiceEntry | undefined {
    return this.services.get(serviceKey(serviceId));
  }

  serviceKeys(): IterableIterator<string> {
    return this.services.keys();
  }

  serviceEntries(): IterableIterator<[string, ServiceEntry]> {
    return this.services.entries();
  }

  get serviceCount(): number {
    return this.services.size;
  }

  get instanceCount(): number {
    return this.normal.size + this.legacy.size;
  }
}
