import type { Clock } from '../core/clock.js';
import { instanceKey, internSharedFields, isLegacyInstance, sameInstance, serviceKey, type Instance } from '../core/wire/instance.js';
import type { ChangeType } from '../core/wire/service.js';
import { HybridClock } from '../lease/hybrid-clock.js';
import type { Lease, LeaseManager, LeaseRemovalReason } from '../lease/lease-manager.js';
import type { ChangeBus } from './change-bus.js';
import { Tombstones } from './tombstones.js';

/** How long tombstones last when the node does not say (`replication.tombstoneTtlMs`). */
const DEFAULT_TOMBSTONE_TTL_MS = 120_000;

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
 *
 * Every registration carries an order stamp (`order`, a HybridClock): a client registration gets
 * a fresh one, a replicated or copied one keeps its origin's. An unregistration leaves a
 * tombstone with a stamp of its own, and writes of registrations stamped before it (a heartbeat
 * queued before the unregistration, a stale copy) no longer bring the instance back.
 */
export class RegistryRepository {
  private readonly services = new Map<string, ServiceEntry>();
  /** Leases per registering client address (only addresses that hold one). */
  private readonly owned = new Map<string, number>();

  constructor(
    readonly normal: LeaseManager,
    readonly legacy: LeaseManager,
    private readonly bus: ChangeBus,
    readonly clock: Clock,
    readonly order: HybridClock = new HybridClock(clock),
    readonly tombstones: Tombstones = new Tombstones(clock, DEFAULT_TOMBSTONE_TTL_MS),
  ) {
    normal.onRemoval(this.onLeaseRemoved);
    legacy.onRemoval(this.onLeaseRemoved);
  }

  /** The lease table an instance belongs in (legacy `java_registry` instances have their own). */
  managerFor(instance: Instance): LeaseManager {
    return isLegacyInstance(instance) ? this.legacy : this.normal;
  }

  /** The lease of the instance in either table. */
  lease(key: string): Lease | undefined {
    return this.normal.get(key) ?? this.legacy.get(key);
  }

  /**
   * Creates or replaces the lease of the instance and publishes `new`. `stamp` is the order stamp
   * of a registration made elsewhere; a client registration here gets a fresh one. Returns the
   * stamp of the new lease. `owner` is the client address that registered it (null for
   * replicated and copied registrations). `key` is the instance's identity when the caller has
   * it already.
   *
   * A registration of the data the table already holds for the identity (same fields, same
   * spelling) restarts the held lease with a fresh stamp and publishes nothing: discovery, push
   * and the digests would see the same instance object in the same place.
   */
  register(instance: Instance, stamp?: number, owner: string | null = null, key: string = instanceKey(instance)): number {
    let incarnation: number;
    if (stamp === undefined) incarnation = this.order.tick();
    else {
      this.order.observe(stamp);
      incarnation = stamp;
    }
    const tomb = this.tombstones.get(key);
    if (tomb !== undefined && tomb.stamp < incarnation) this.tombstones.drop(key);
    const manager = this.managerFor(instance);
    const held = manager.get(key);
    // A lease marked unregistered and not swept yet takes the full path: its removal was (or will
    // be) reported, so reviving it in place would leave the listeners without the instance.
    if (held !== undefined && held.evictionTime === 0 && sameInstance(held.instance, instance)) {
      // The service index holds the same lease object (both are set together and removed
      // together), so restarting it in place serves the index as well.
      const previousOwner = held.owner;
      manager.restart(held, incarnation, owner);
      if (owner !== previousOwner) {
        this.release(previousOwner);
        this.own(owner);
      }
      return incarnation;
    }
    internSharedFields(instance);
    const other = manager === this.normal ? this.legacy : this.normal;
    const previous = other.discard(key) ?? held;
    if (previous !== undefined) this.release(previous.owner);
    // The same data registered again keeps the stored object: discovery then sees no change to
    // serialise (it matches instances by identity), and the registry holds one copy.
    const kept = previous !== undefined && sameInstance(previous.instance, instance) ? previous.instance : instance;
    const lease = manager.put(key, kept, incarnation, owner);
    this.own(owner);
    const sKey = serviceKey(instance.serviceId as string);
    let entry = this.services.get(sKey);
    if (entry === undefined) {
      entry = { serviceId: instance.serviceId as string, leases: new Map() };
      this.services.set(sKey, entry);
    } else {
      entry.serviceId = instance.serviceId as string;
    }
    entry.leases.set(key, lease);
    this.emit('new', kept);
    return incarnation;
  }

  /**
   * A registration a peer forwarded (or a copy): applied unless this node knows of a later
   * registration or of an unregistration that ended it. False when it was stale.
   */
  registerReplicated(instance: Instance, stamp: number | undefined): boolean {
    if (stamp !== undefined) {
      const key = instanceKey(instance);
      this.order.observe(stamp);
      if (this.tombstones.covers(key, stamp)) return false;
      const local = this.lease(key);
      if (local !== undefined && local.evictionTime === 0 && local.incarnation > stamp) return false;
    }
    this.register(instance, stamp);
    return true;
  }

  /**
   * A heartbeat a peer forwarded (spec 3.4): renews the lease, or registers the instance it
   * carries when the lease is missing or expired, unless a tombstone says that registration is
   * over. A heartbeat of a later registration than the one held here replaces it (its register
   * was missed). A heartbeat without a stamp (Java peer) never outweighs a tombstone.
   */
  heartbeatReplicated(instance: Instance, stamp: number | undefined): void {
    const key = instanceKey(instance);
    if (stamp !== undefined) {
      this.order.observe(stamp);
      const local = this.lease(key);
      if (local !== undefined && local.evictionTime === 0 && stamp > local.incarnation && !local.expired) {
        this.register(instance, stamp);
        return;
      }
    }
    if (this.renew(instance)) return;
    if (this.tombstones.covers(key, stamp)) return;
    this.register(instance, stamp);
  }

  /** Renews the lease; returns its registration's order stamp, null when the instance must re-register. */
  renewStamped(instance: Instance, key: string = instanceKey(instance)): number | null {
    return this.managerFor(instance).renewed(key)?.incarnation ?? null;
  }


  /** Renews the lease; false when the instance must re-register. */
  renew(instance: Instance): boolean {
    return this.managerFor(instance).renew(instanceKey(instance));
  }

  /**
   * Moves a live lease's last renewal back to `renewedAt` (never forward): a copy taken from a
   * peer keeps the age it had there, so it expires when the original does. With `stamp`, only a
   * lease of that registration is touched (a copy refused as stale leaves the newer lease alone).
   */
  backdate(instance: Instance, renewedAt: number, stamp?: number): void {
    const lease = this.lease(instanceKey(instance));
    if (lease === undefined || lease.evictionTime > 0 || renewedAt >= lease.renewalTime) return;
    if (stamp !== undefined && lease.incarnation !== stamp) return;
    lease.renewalTime = renewedAt;
  }

  /**
   * Leaves a tombstone and removes the lease at once (published as `delete` before this
   * returns, so discovery and push never serve an unregistered instance). The tombstone is
   * stamped with the unregistration itself: a fresh stamp here, or `stamp`, the one its origin
   * gave it. Every registration stamped before it is over (also one made on another node and
   * still on its way here); a lease of a registration stamped after it is kept. Returns the
   * tombstone's stamp, or 0 when a later registration kept the lease. `key`: the instance's
   * identity when the caller has it already.
   */
  unregister(instance: Instance, stamp?: number, key: string = instanceKey(instance)): number {
    if (stamp !== undefined) this.order.observe(stamp);
    // The instance may sit in the other table if its metadata changed since it registered.
    const local = this.lease(key);
    const live = local !== undefined && local.evictionTime === 0 ? local : undefined;
    if (stamp !== undefined && live !== undefined && live.incarnation > stamp) return 0;
    const ended = stamp ?? this.order.tick();
    this.tombstones.record(key, local?.instance ?? instance, ended);
    if (local !== undefined) (this.normal.get(key) === local ? this.normal : this.legacy).unregister(key);
    return ended;
  }

  /** Leases registered from `address` that the tables still hold. */
  ownedBy(address: string): number {
    return this.owned.get(address) ?? 0;
  }

  /** Client addresses that hold at least one lease. */
  get ownerCount(): number {
    return this.owned.size;
  }

  private own(owner: string | null): void {
    if (owner !== null) this.owned.set(owner, (this.owned.get(owner) ?? 0) + 1);
  }

  private release(owner: string | null): void {
    if (owner === null) return;
    const count = (this.owned.get(owner) ?? 0) - 1;
    if (count > 0) this.owned.set(owner, count);
    else this.owned.delete(owner);
  }

  /** Removes from the index, and publishes `delete` for, every lease a sweep removed. */
  private readonly onLeaseRemoved = (lease: Lease, reason: LeaseRemovalReason): void => {
    this.release(lease.owner);
    const sKey = serviceKey(lease.instance.serviceId as string);
    const entry = this.services.get(sKey);
    // Only the lease that still holds the slot is removed: a newer registration stays.
    if (entry === undefined || entry.leases.get(lease.key) !== lease) return;
    entry.leases.delete(lease.key);
    if (entry.leases.size === 0) this.services.delete(sKey);
    this.emit('delete', lease.instance, reason === 'expired');
  };

  private emit(changeType: ChangeType, instance: Instance, expired = false): void {
    this.bus.publish({ changeTime: this.clock.now(), changeType, instance }, expired);
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
