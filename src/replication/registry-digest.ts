import type { Clock } from '../core/clock.js';
import { instanceKey, serviceKey, type Instance } from '../core/wire/instance.js';
import type { Lease } from '../lease/lease-manager.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository, ServiceEntry } from '../registry/registry-repository.js';

/**
 * An instance with the order stamp of its registration (a tombstone: of the unregistration).
 * Stamps come from the origin's HybridClock, so they order writes across nodes whose
 * wall clocks disagree; lease ages travel relative to the sender's own clock.
 */
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

/** The repairs a peer's diff calls for. */
export interface RepairPlan {
  register: Array<{ instance: Instance; stamp: number; renewedAgoMs: number }>;
  unregister: Array<{ instance: Instance; stamp: number }>;
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

/** A service digest being summed. */
interface Pending {
  key: string;
  leases: IterableIterator<Lease>;
  count: number;
  a: number;
  b: number;
}

/** Longest slice of the event loop one step of `settle` takes. */
const SLICE_MS = 2;

/**
 * Compact per-service digests of the registry and the repair that follows a mismatch. A digest
 * is the instance count plus two order-independent sums of per-instance content hashes, so two
 * nodes holding the same instances with the same data agree whatever the order of arrival.
 * Which copy wins is decided by order stamps (the registration's HybridClock stamp, carried from
 * its origin), never by comparing two nodes' wall clocks: a later registration replaces an older
 * one, and a tombstone (the repository's, kept `replication.tombstoneTtlMs`, stamped with the
 * unregistration) beats every copy of a registration stamped before it.
 */
export class RegistryDigest {
  private readonly hashes = new WeakMap<Instance, InstanceHash>();
  private readonly cache = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private allDirty = true;
  /** The first full walk over the services, while it is under way. */
  private walk: IterableIterator<[string, ServiceEntry]> | undefined;
  /** The service being summed when the last slice ended. */
  private pending: Pending | undefined;
  private settling: Promise<void> | undefined;
  private rootA = 0;
  private rootB = 0;

  constructor(
    private readonly repository: RegistryRepository,
    bus: ChangeBus,
    private readonly clock: Clock,
  ) {
    bus.subscribe((change) => {
      const id = change.instance.serviceId;
      if (typeof id === 'string') this.dirty.add(serviceKey(id));
    });
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

  /** Digest text of a service from its sums. */
  private static digestOf(p: Pending): string {
    return `${p.count}.${p.a.toString(36)}.${p.b.toString(36)}`;
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

  /** The next service to digest: from the first full walk, then from the changed ones. */
  private nextService(): Pending | null {
    if (this.allDirty) {
      if (this.walk === undefined) {
        this.cache.clear();
        this.rootA = 0;
        this.rootB = 0;
        this.walk = this.repository.serviceEntries();
      }
      const next = this.walk.next();
      if (next.done !== true) return { key: next.value[0], leases: next.value[1].leases.values(), count: 0, a: 0, b: 0 };
      this.allDirty = false;
      this.walk = undefined;
    }
    for (const key of this.dirty) {
      this.dirty.delete(key);
      const entry = this.repository.service(key);
      if (entry !== undefined) return { key, leases: entry.leases.values(), count: 0, a: 0, b: 0 };
      this.setDigest(key, undefined);
    }
    return null;
  }

  /**
   * Brings the digests up to date until done (true) or `deadline` (performance.now()) passed
   * (false; the next call goes on where this one stopped, within a service too). A service that
   * changes while it is being summed is marked changed again by the bus and summed anew.
   */
  private refreshUntil(deadline: number): boolean {
    let visited = 0;
    for (;;) {
      const p = this.pending ?? this.nextService();
      if (p === null) return true;
      this.pending = p;
      for (let next = p.leases.next(); next.done !== true; next = p.leases.next()) {
        const lease = next.value;
        if (lease.evictionTime === 0) {
          const h = this.hash(lease.instance);
          p.a = (p.a + h.a) >>> 0;
          p.b = (p.b + h.b) >>> 0;
          p.count++;
        }
        if ((++visited & 63) === 0 && performance.now() > deadline) return false;
      }
      this.pending = undefined;
      this.setDigest(p.key, RegistryDigest.digestOf(p));
      if (performance.now() > deadline) return false;
    }
  }

  private refresh(): void {
    this.refreshUntil(Number.POSITIVE_INFINITY);
  }

  /**
   * Brings the digests up to date in slices of at most `sliceMs` of the event loop, yielding
   * between them: the first digest of a million instances hashes each of them once, which takes
   * seconds. `root()` and `digests()` right after it have (almost) nothing left to do.
   */
  settle(sliceMs = SLICE_MS): Promise<void> {
    this.settling ??= (async () => {
      try {
        while (!this.refreshUntil(performance.now() + sliceMs)) await new Promise<void>((resolve) => setImmediate(resolve));
      } finally {
        this.settling = undefined;
      }
    })();
    return this.settling;
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

  /** Drops tombstones older than their TTL. */
  prune(): void {
    this.repository.tombstones.prune();
  }

  /**
   * What this node holds of the given services: every lease the digest counts (with its stamp
   * and how long ago it was renewed here) and the tombstones.
   */
  diff(serviceKeys: readonly string[]): ServiceDiff[] {
    this.prune();
    const wanted = new Set(serviceKeys.map(serviceKey));
    const out = new Map<string, ServiceDiff>();
    const now = this.clock.now();
    const { tombstones } = this.repository;
    for (const key of wanted) {
      const entry = this.repository.service(key);
      const instances: StampedInstance[] = [];
      for (const lease of entry?.leases.values() ?? []) {
        if (lease.evictionTime === 0) instances.push({ instance: lease.instance, stamp: lease.incarnation, renewedAgoMs: Math.max(0, now - lease.renewalTime) });
      }
      const dead: StampedInstance[] = [];
      for (const t of tombstones.forService(key)) dead.push({ instance: t.instance, stamp: t.stamp });
      if (entry === undefined && dead.length === 0) continue;
      out.set(key, { serviceId: entry?.serviceId ?? (dead[0]!.instance.serviceId as string), instances, tombstones: dead });
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
   * Decides the repairs a peer's diff calls for, by order stamps only: an instance this node
   * lacks is copied unless a tombstone here is stamped after that registration; one held here
   * is replaced only by a later registration; a peer's tombstone removes a registration stamped
   * before it and is adopted, so stale writes lose here too. A copy no longer
   * renewed for half a lease TTL on the sender is dying there and is not taken.
   */
  plan(diffs: readonly ServiceDiff[]): RepairPlan {
    const register: RepairPlan['register'] = [];
    const unregister: RepairPlan['unregister'] = [];
    const now = this.clock.now();
    const { tombstones } = this.repository;
    for (const d of diffs) {
      const listed = new Set<string>();
      for (const { instance, stamp, renewedAgoMs = 0 } of d.instances) {
        const key = instanceKey(instance);
        listed.add(key);
        if (tombstones.covers(key, stamp)) continue;
        const local = this.repository.lease(key);
        const table = this.repository.managerFor(local?.instance ?? instance);
        if (renewedAgoMs > table.ttlMs / 2) continue;
        if (local !== undefined && local.evictionTime === 0 && !table.isExpired(local, now)) {
          const same = this.hash(local.instance);
          const theirs = this.hash(instance);
          if ((same.a !== theirs.a || same.b !== theirs.b) && stamp > local.incarnation) register.push({ instance, stamp, renewedAgoMs });
          continue;
        }
        register.push({ instance, stamp, renewedAgoMs });
      }
      for (const { instance, stamp } of d.tombstones) {
        const key = instanceKey(instance);
        // The sender lists the instance live too (registered again): its tombstone is stale.
        if (listed.has(key)) continue;
        const local = this.repository.lease(key);
        // A later registration here outlives the peer's tombstone.
        if (local !== undefined && local.incarnation > stamp) continue;
        const known = tombstones.get(key);
        const live = local !== undefined && local.evictionTime === 0;
        if (live || known === undefined || known.stamp < stamp) unregister.push({ instance, stamp });
      }
    }
    return { register, unregister };
  }
}
