import type { Clock } from '../core/clock.js';
import { instanceKey, serviceKey, type Instance } from '../core/wire/instance.js';
import type { Lease } from '../lease/lease-manager.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';

/** An instance with the local time its registration (or its unregistration) happened. */
export interface StampedInstance {
  instance: Instance;
  stamp: number;
  /** Live instances only: milliseconds since the lease was last renewed on the sender. */
  renewedAgoMs?: number;
}

/** What one node holds of one service, for repairing a peer. */
export interface ServiceDiff {
  serviceId: string;
  instances: StampedInstance[];
  /** Instances unregistered recently, so the peer does not bring them back. */
  tombstones: StampedInstance[];
}

function fnv1a(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface InstanceHash {
  a: number;
  b: number;
}

/**
 * Compact per-service digests of the registry and the repair that follows a mismatch. A digest
 * is the instance count plus two order-independent sums of per-instance content hashes, so two
 * nodes holding the same instances with the same data agree whatever the order of arrival.
 * Unregistrations are remembered as tombstones for `tombstoneTtlMs`, so an instance removed on
 * one node is not copied back from a peer that missed the removal: the later of registration and
 * tombstone wins.
 */
export class RegistryDigest {
  private readonly hashes = new WeakMap<Instance, InstanceHash>();
  private readonly cache = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private allDirty = true;
  private rootA = 0;
  private rootB = 0;
  private readonly tombstones = new Map<string, StampedInstance & { serviceKey: string }>();
  /** Tombstone keys per service key, so a diff reads only the services asked for. */
  private readonly tombstonesByService = new Map<string, Set<string>>();

  constructor(
    private readonly repository: RegistryRepository,
    bus: ChangeBus,
    private readonly clock: Clock,
    private readonly tombstoneTtlMs: number,
    /** False when anti-entropy is off: no tombstones are kept. */
    private readonly keepTombstones = true,
  ) {
    bus.subscribe((change) => {
      const id = change.instance.serviceId;
      if (typeof id === 'string') this.dirty.add(serviceKey(id));
      // A registration supersedes any earlier unregistration of the same instance.
      if (change.changeType === 'new') this.dropTombstone(instanceKey(change.instance));
    });
    for (const table of [repository.normal, repository.legacy]) {
      table.onRemoval((lease, reason) => {
        if (reason !== 'unregistered' || !this.keepTombstones) return;
        const sKey = serviceKey(lease.instance.serviceId as string);
        this.dropTombstone(lease.key);
        this.tombstones.set(lease.key, { instance: lease.instance, stamp: lease.evictionTime, serviceKey: sKey });
        let keys = this.tombstonesByService.get(sKey);
        if (keys === undefined) this.tombstonesByService.set(sKey, (keys = new Set()));
        keys.add(lease.key);
      });
    }
  }

  private hash(instance: Instance): InstanceHash {
    let h = this.hashes.get(instance);
    if (h === undefined) {
      const text = `${instanceKey(instance)}\n${JSON.stringify(instance)}`;
      h = { a: fnv1a(text, 0x811c9dc5), b: fnv1a(text, 0x050c5d1f) };
      this.hashes.set(instance, h);
    }
    return h;
  }

  private serviceDigest(leases: Iterable<Lease>): string {
    let count = 0;
    let a = 0;
    let b = 0;
    for (const lease of leases) {
      if (lease.evictionTime > 0) continue;
      const h = this.hash(lease.instance);
      a = (a + h.a) >>> 0;
      b = (b + h.b) >>> 0;
      count++;
    }
    return `${count}.${a.toString(36)}.${b.toString(36)}`;
  }

  private setDigest(key: string, digest: string | undefined): void {
    const old = this.cache.get(key);
    if (old === digest) return;
    if (old !== undefined) {
      const h = fnv1a(`${key}=${old}`, 0x811c9dc5);
      this.rootA = (this.rootA - h + 0x100000000) >>> 0;
      this.rootB = (this.rootB - fnv1a(`${key}=${old}`, 0x050c5d1f) + 0x100000000) >>> 0;
      this.cache.delete(key);
    }
    if (digest !== undefined) {
      this.rootA = (this.rootA + fnv1a(`${key}=${digest}`, 0x811c9dc5)) >>> 0;
      this.rootB = (this.rootB + fnv1a(`${key}=${digest}`, 0x050c5d1f)) >>> 0;
      this.cache.set(key, digest);
    }
  }

  private refresh(): void {
    if (this.allDirty) {
      for (const key of [...this.cache.keys()]) this.setDigest(key, undefined);
      for (const [key, entry] of this.repository.serviceEntries()) this.setDigest(key, this.serviceDigest(entry.leases.values()));
      this.allDirty = false;
    } else {
      for (const key of this.dirty) {
        const entry = this.repository.service(key);
        this.setDigest(key, entry === undefined ? undefined : this.serviceDigest(entry.leases.values()));
      }
    }
    this.dirty.clear();
  }

  /**
   * One digest of the whole registry (service count and two order-independent sums over the
   * service digests), kept up to date as services change: equal roots mean nothing to compare.
   */
  root(): string {
    this.refresh();
    return `${this.cache.size}.${this.rootA.toString(36)}.${this.rootB.toString(36)}`;
  }

  /** Digest of every service, keyed by canonical service key; recomputed only where changed. */
  digests(): Record<string, string> {
    this.refresh();
    return Object.fromEntries(this.cache);
  }

  private dropTombstone(key: string): void {
    const t = this.tombstones.get(key);
    if (t === undefined) return;
    this.tombstones.delete(key);
    const keys = this.tombstonesByService.get(t.serviceKey);
    keys?.delete(key);
    if (keys?.size === 0) this.tombstonesByService.delete(t.serviceKey);
  }

  /** Drops tombstones older than the TTL. */
  prune(): void {
    const oldest = this.clock.now() - this.tombstoneTtlMs;
    for (const [key, t] of this.tombstones) if (t.stamp < oldest) this.dropTombstone(key);
  }

  /**
   * What this node holds of the given services: every lease the digest counts (with how long ago
   * it was renewed), and tombstones, including unregistrations the sweep has not removed yet.
   */
  diff(serviceKeys: readonly string[]): ServiceDiff[] {
    this.prune();
    const wanted = new Set(serviceKeys.map(serviceKey));
    const out = new Map<string, ServiceDiff>();
    const now = this.clock.now();
    for (const key of wanted) {
      const entry = this.repository.service(key);
      if (entry === undefined) continue;
      const instances: StampedInstance[] = [];
      const tombstones: StampedInstance[] = [];
      for (const lease of entry.leases.values()) {
        if (lease.evictionTime > 0) tombstones.push({ instance: lease.instance, stamp: lease.evictionTime });
        else instances.push({ instance: lease.instance, stamp: lease.creationTime, renewedAgoMs: Math.max(0, now - lease.renewalTime) });
      }
      out.set(key, { serviceId: entry.serviceId, instances, tombstones });
    }
    for (const sKey of wanted) {
      for (const key of this.tombstonesByService.get(sKey) ?? []) {
        const t = this.tombstones.get(key);
        if (t === undefined) continue;
        let d = out.get(t.serviceKey);
        if (d === undefined) out.set(t.serviceKey, (d = { serviceId: t.instance.serviceId as string, instances: [], tombstones: [] }));
        d.tombstones.push({ instance: t.instance, stamp: t.stamp });
      }
    }
    return [...out.values()];
  }

  /** Service keys whose digests differ between this node and a peer (either side missing counts). */
  differing(peer: Record<string, string>): string[] {
    const mine = this.digests();
    const out: string[] = [];
    for (const [key, d] of Object.entries(peer)) if (mine[key] !== d) out.push(key);
    for (const key of Object.keys(mine)) if (!(key in peer)) out.push(key);
    return out;
  }

  /**
   * Decides the repairs a peer's diff calls for: instances this node lacks (unless its own
   * tombstone is newer) or holds with older different data, and removals the peer made after
   * this node's registration.
   */
  plan(diffs: readonly ServiceDiff[]): { register: Array<{ instance: Instance; renewedAgoMs: number }>; unregister: Instance[] } {
    const register: Array<{ instance: Instance; renewedAgoMs: number }> = [];
    const unregister: Instance[] = [];
    const now = this.clock.now();
    for (const d of diffs) {
      const listed = new Set<string>();
      for (const { instance, stamp, renewedAgoMs = 0 } of d.instances) {
        const key = instanceKey(instance);
        listed.add(key);
        const local = this.repository.normal.get(key) ?? this.repository.legacy.get(key);
        const table = local === undefined ? null : this.repository.managerFor(local.instance);
        // A copy no longer renewed for half a lease TTL is dying on the sender: not copied.
        if (table !== null && renewedAgoMs > table.ttlMs / 2) continue;
        if (table === null && renewedAgoMs > this.repository.normal.ttlMs / 2) continue;
        if (local !== undefined && local.evictionTime > 0) {
          // Unregistered here and not swept yet: that counts as a tombstone.
          if (local.evictionTime >= stamp) continue;
        } else if (local !== undefined && table?.isExpired(local, now) === false) {
          const same = this.hash(local.instance);
          const theirs = this.hash(instance);
          if ((same.a !== theirs.a || same.b !== theirs.b) && stamp > local.creationTime) register.push({ instance, renewedAgoMs });
          continue;
        }
        const tomb = this.tombstones.get(key);
        if (tomb !== undefined && tomb.stamp >= stamp) continue;
        register.push({ instance, renewedAgoMs });
      }
      for (const { instance, stamp } of d.tombstones) {
        const key = instanceKey(instance);
        // The sender lists the instance live too (registered again): its tombstone is stale.
        if (listed.has(key)) continue;
        const local = this.repository.normal.get(key) ?? this.repository.legacy.get(key);
        if (local !== undefined && local.evictionTime === 0 && local.creationTime < stamp) unregister.push(local.instance);
      }
    }
    return { register, unregister };
  }
}
