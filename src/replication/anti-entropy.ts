import type { Registry } from 'prom-client';
import { Counter } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { instanceKey, serviceKey, type Instance } from '../core/wire/instance.js';
import type { Lease } from '../lease/lease-manager.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { PeerCallError, type PeerHttp } from '../cluster/peer-http.js';
import type { PeerSource } from './peers.js';

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

/** Applies repairs through the replication pipeline (validated, never forwarded). */
export interface RepairSink {
  /** Registers copies; each lease is then back-dated to the sender's last renewal. */
  register(copies: ReadonlyArray<{ instance: Instance; renewedAgoMs: number }>): void;
  unregister(instances: Instance[]): void;
}

/** Calls to a peer's anti-entropy endpoints. */
export interface AntiEntropyClient {
  /**
   * The peer's per-service digests; `same` when its root equals `root` (nothing differs); null
   * when the peer lacks the endpoint.
   */
  digests(peer: string, root: string): Promise<Record<string, string> | 'same' | null>;
  diff(peer: string, serviceKeys: string[]): Promise<ServiceDiff[] | null>;
}

export const DIGEST_PATH = '/api/replication/registry/digest.json';
export const DIFF_PATH = '/api/replication/registry/diff.json';

/** A peer that lacked the endpoints is asked again after this long. */
const UNSUPPORTED_RETRY_MS = 600_000;

/** Most services repaired from one peer in one round. */
const MAX_SERVICES_PER_ROUND = 1_000;

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

export interface AntiEntropyDeps {
  digest: RegistryDigest;
  peers: PeerSource;
  client: AntiEntropyClient;
  sink: RepairSink;
  logger: Logger;
  metricsRegistry: Registry;
}

/**
 * Periodic repair between peers: each round compares digests with every live peer and pulls
 * the services that differed in this round and the one before (a single mismatch is usually a
 * write still being replicated). Every node pulls, so a difference is healed from both sides
 * within two or three rounds. Peers without the endpoints (Java nodes) are left alone.
 */
export class AntiEntropy {
  private readonly repairs: Counter<'kind'>;
  private readonly rounds: Counter<'result'>;
  /** Peers without the anti-entropy endpoints, with the time that was found. */
  private readonly unsupported = new Map<string, number>();
  /** Per peer: the services that differed in the previous round. */
  private readonly previous = new Map<string, Set<string>>();

  constructor(private readonly deps: AntiEntropyDeps) {
    this.repairs = new Counter({
      name: 'artemis_anti_entropy_repairs_total',
      help: 'Instances registered or removed by anti-entropy repair.',
      labelNames: ['kind'],
      registers: [deps.metricsRegistry],
    });
    this.rounds = new Counter({
      name: 'artemis_anti_entropy_exchanges_total',
      help: 'Digest comparisons with a peer, by result (same, pending: differs for the first time, repaired, failed).',
      labelNames: ['result'],
      registers: [deps.metricsRegistry],
    });
  }

  /** One round against every live peer. */
  async round(): Promise<void> {
    this.deps.digest.prune();
    const peers = this.deps.peers.peers();
    const live = new Set(peers);
    for (const p of this.previous.keys()) if (!live.has(p)) this.previous.delete(p);
    // A peer without the endpoints is asked again after a while (it may have been replaced).
    const now = Date.now();
    for (const [p, since] of this.unsupported) if (!live.has(p) || now - since > UNSUPPORTED_RETRY_MS) this.unsupported.delete(p);
    await Promise.all(peers.filter((p) => !this.unsupported.has(p)).map((p) => this.syncWith(p)));
  }

  /** Compares digests with one peer and applies what it has that this node lacks. */
  async syncWith(peer: string): Promise<void> {
    const { client, digest, sink } = this.deps;
    try {
      const theirs = await client.digests(peer, digest.root());
      if (theirs === null) {
        this.unsupported.set(peer, Date.now());
        return;
      }
      if (theirs === 'same') {
        this.previous.delete(peer);
        this.rounds.inc({ result: 'same' });
        return;
      }
      // A service that differs in one round only is usually a write still in flight; repair
      // what differed in two consecutive rounds.
      const differing = digest.differing(theirs);
      const before = this.previous.get(peer);
      this.previous.set(peer, new Set(differing));
      const keys = differing.filter((k) => before?.has(k) === true).slice(0, MAX_SERVICES_PER_ROUND);
      if (keys.length === 0) {
        this.rounds.inc({ result: differing.length === 0 ? 'same' : 'pending' });
        return;
      }
      const diffs = await client.diff(peer, keys);
      if (diffs === null) return;
      const plan = digest.plan(diffs);
      if (plan.register.length > 0) sink.register(plan.register);
      if (plan.unregister.length > 0) sink.unregister(plan.unregister);
      this.repairs.inc({ kind: 'register' }, plan.register.length);
      this.repairs.inc({ kind: 'unregister' }, plan.unregister.length);
      this.rounds.inc({ result: plan.register.length + plan.unregister.length > 0 ? 'repaired' : 'same' });
      if (plan.register.length + plan.unregister.length > 0) {
        this.deps.logger.info({ peer, services: keys.length, registered: plan.register.length, removed: plan.unregister.length }, 'anti-entropy repaired differences');
      }
    } catch (err) {
      this.rounds.inc({ result: 'failed' });
      this.deps.logger.debug({ ...errorFields(err), peer }, 'anti-entropy exchange failed');
    }
  }
}

/** The anti-entropy endpoints of peers over HTTP; a peer answering 404 does not have them. */
export function httpAntiEntropyClient(http: PeerHttp, timeoutMs: number): AntiEntropyClient {
  const call = async (url: string, body: unknown): Promise<Record<string, unknown> | null> => {
    try {
      const answer = (await http.postJson(url, body, timeoutMs)) as Record<string, unknown> | null;
      const status = (answer?.['responseStatus'] as { status?: unknown } | undefined)?.status;
      if (status !== 'success') throw new Error(`peer answered ${String(status)}`);
      return answer;
    } catch (err) {
      if (err instanceof PeerCallError && (err.httpStatus === 404 || err.httpStatus === 405)) return null;
      throw err;
    }
  };
  return {
    async digests(peer, root) {
      const answer = await call(`${peer}${DIGEST_PATH}`, { root });
      if (answer === null) return null;
      if (answer['root'] === root) return 'same';
      const digests = answer['digests'];
      if (digests === null || typeof digests !== 'object' || Array.isArray(digests)) throw new Error('digest answer without digests');
      return digests as Record<string, string>;
    },
    async diff(peer, serviceKeys) {
      const answer = await call(`${peer}${DIFF_PATH}`, { serviceIds: serviceKeys });
      if (answer === null) return null;
      const services = answer['services'];
      if (!Array.isArray(services)) throw new Error('diff answer without services');
      return services.filter(isServiceDiff);
    },
  };
}

function isStamped(value: unknown): value is StampedInstance {
  const v = value as StampedInstance | null;
  return v !== null && typeof v === 'object' && typeof v.stamp === 'number' && v.instance !== null && typeof v.instance === 'object';
}

function isServiceDiff(value: unknown): value is ServiceDiff {
  const v = value as ServiceDiff | null;
  return (
    v !== null && typeof v === 'object' && typeof v.serviceId === 'string' &&
    Array.isArray(v.instances) && v.instances.every(isStamped) &&
    Array.isArray(v.tombstones) && v.tombstones.every(isStamped)
  );
}
