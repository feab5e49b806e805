import type { Clock } from '../core/clock.js';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { InstanceChange, Service } from '../core/wire/service.js';
import { DeltaHistory, composeSteps, deltaResponseJson, serviceChanges, type ServiceTransitions, type Transition } from './delta-history.js';
import { EncodedBody, versionTag } from './encoded-body.js';
import { ServiceSnapshot } from './service-snapshot.js';
import { SUCCESS_JSON, joinFragments } from './wire-json.js';

/** Where the cache reads services from, keyed by canonical (lower-cased) service id. */
export interface ServiceSource {
  /** The service as the snapshot shows it (filters applied), or null when it has no instances stored. */
  build(key: string): Service | null;
  /** Keys of every stored service. */
  keys(): Iterable<string>;
  /**
   * What a service's snapshot is after some of its listed instances were unregistered and
   * nothing else changed: `kept`, the snapshot before without them (nothing the filters give
   * reads those instances); `gone`, none (the service has no instances stored any more); `build`,
   * whatever a build gives. Absent: always `build`.
   */
  afterRemoval?(key: string): 'kept' | 'gone' | 'build';
}

export interface VersionedCacheSettings {
  deltaHistoryCount: number;
  deltaHistoryMaxAgeMs: number;
  /** Most instance transitions the delta history keeps; absent or 0 = no bound. */
  deltaHistoryMaxChanges?: number;
}

/** Counters a test or a metric can watch. */
export interface CacheStats {
  version: number;
  /** Service snapshots built (one per dirty service per rebuild). */
  serviceBuilds: number;
  /** Rebuilds that produced a new version. */
  versionBumps: number;
  /** Snapshots made by leaving unregistered instances out of the one before (no build). */
  removalSnapshots: number;
}

export type RebuildListener = (version: number, serviceBuilds: number) => void;

/**
 * Versioned discovery snapshots, rebuilt on change. Changes mark services dirty; `rebuild()`
 * rebuilds only those and, if any snapshot changed, bumps one node-wide version that never
 * decreases (`max(previous + 1, now)`). Each body is serialised at most once per version.
 */
export class VersionedServiceCache {
  private readonly entries = new Map<string, ServiceSnapshot>();
  private readonly dirty = new Set<string>();
  /** Instances unregistered from a service that was clean before and has had no other change since. */
  private readonly removed = new Map<string, Instance[]>();
  /** Services still to rebuild of those dirty when the current rebuild in parts began. */
  private readonly round = new Set<string>();
  private readonly history: DeltaHistory;
  private readonly deltas = new Map<number, EncodedBody>();
  private current: number;
  private list: EncodedBody | undefined;
  private serviceBuilds = 0;
  private versionBumps = 0;
  private removalSnapshots = 0;

  constructor(
    private readonly source: ServiceSource,
    settings: VersionedCacheSettings,
    private readonly clock: Clock,
    private readonly onRebuilt: RebuildListener = () => undefined,
  ) {
    this.history = new DeltaHistory({ maxCount: settings.deltaHistoryCount, maxAgeMs: settings.deltaHistoryMaxAgeMs, maxChanges: settings.deltaHistoryMaxChanges ?? 0 });
    this.current = Math.max(1, clock.now());
    this.invalidateAll();
    this.rebuild();
  }

  get version(): number {
    return this.current;
  }

  get stats(): CacheStats {
    return { version: this.current, serviceBuilds: this.serviceBuilds, versionBumps: this.versionBumps, removalSnapshots: this.removalSnapshots };
  }

  /** Marks a service for rebuild; true when it was clean. */
  invalidate(key: string): boolean {
    this.removed.delete(key);
    if (this.dirty.has(key)) return false;
    this.dirty.add(key);
    return true;
  }

  /**
   * Marks a service for rebuild after `instance` (the object its snapshot lists) was
   * unregistered. While nothing else changed the service since its last rebuild, the rebuild
   * leaves the instances so removed out of the snapshot before instead of building it (see
   * `ServiceSource.afterRemoval`): its cost follows what was removed, not the service's size.
   */
  invalidateRemoval(key: string, instance: Instance): void {
    const pending = this.removed.get(key);
    if (pending !== undefined) pending.push(instance);
    else if (!this.dirty.has(key)) this.removed.set(key, [instance]);
    this.dirty.add(key);
  }

  invalidateAll(): void {
    this.removed.clear();
    for (const key of this.entries.keys()) this.dirty.add(key);
    for (const key of this.source.keys()) this.dirty.add(key);
  }

  isDirty(key: string): boolean {
    return this.dirty.has(key);
  }

  get hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** The snapshot of a service as of the current version (undefined when it has no instances stored). */
  service(key: string): ServiceSnapshot | undefined {
    return this.entries.get(key);
  }

  /** `GetServicesResponse` of the current version, built on first use. */
  servicesBody(): EncodedBody {
    this.list ??= this.listBody();
    return this.list;
  }

  /** `GetServicesDeltaResponse` from `version` to the current one; null when not retained. */
  deltaBody(version: number): EncodedBody | null {
    if (version === this.current || !this.history.retains(version, this.clock.now())) return null;
    let body = this.deltas.get(version);
    const steps = body === undefined ? this.history.since(version) : null;
    if (steps !== null && steps.length > 0) {
      const newest = steps[steps.length - 1]!;
      body = new EncodedBody(Buffer.from(deltaResponseJson(composeSteps(steps), newest.at, this.current)));
      this.deltas.set(version, body);
    }
    return body ?? null;
  }

  /** One service's changes from `version` to the current one (delete then new per identity); null when not retained. */
  serviceChangesSince(key: string, version: number): { changes: InstanceChange[]; version: number } | null {
    if (version === this.current) return { changes: [], version };
    if (!this.history.retains(version, this.clock.now())) return null;
    const steps = this.history.since(version) ?? [];
    const service = composeSteps(steps).get(key);
    const changeTime = steps[steps.length - 1]?.at ?? this.clock.now();
    return { changes: service === undefined ? [] : serviceChanges(service, changeTime), version: this.current };
  }

  /**
   * Rebuilds dirty services; true when a new version was made. With `budgetMs`, stops after the
   * service during which the budget ran out and leaves the rest for the next call: the services
   * rebuilt so far make one version, so a caller can spread a large rebuild over several turns of
   * the event loop, each bounded, instead of holding the loop for all of it. The parts of one such
   * rebuild cover the services dirty when its first part ran (`rebuilding` stays true until they are
   * done); services dirtied meanwhile wait for the next rebuild, except those in `first`, which go
   * before all others whenever dirty.
   */
  rebuild(budgetMs = Number.POSITIVE_INFINITY, first: Iterable<string> = []): boolean {
    if (this.dirty.size === 0) return false;
    if (budgetMs === Number.POSITIVE_INFINITY) {
      this.round.clear();
      return this.rebuildKeys(this.dirty, budgetMs);
    }
    if (this.round.size === 0) for (const key of this.dirty) this.round.add(key);
    return this.rebuildKeys(this.roundKeys(first), budgetMs);
  }

  /** True while a rebuild in parts has services left from the ones dirty when it began. */
  get rebuilding(): boolean {
    for (const key of this.round) {
      if (this.dirty.has(key)) return true;
      this.round.delete(key);
    }
    return false;
  }

  /** The dirty keys of `first`, then those of the current round, each dropped from the round as it is handed out. */
  private *roundKeys(first: Iterable<string>): Generator<string> {
    for (const key of first) if (this.dirty.has(key)) yield key;
    for (const key of this.round) {
      this.round.delete(key);
      if (this.dirty.has(key)) yield key;
    }
  }

  /** Rebuilds these services now, if dirty (others are skipped); true when a new version was made. */
  rebuildServices(keys: Iterable<string>): boolean {
    const picked = new Set<string>();
    for (const key of keys) if (this.dirty.has(key)) picked.add(key);
    return picked.size > 0 && this.rebuildKeys(picked, Number.POSITIVE_INFINITY);
  }

  /** Rebuilds `keys` in order (each leaves `dirty`) until done or past `budgetMs`; one version for all. */
  private rebuildKeys(keys: Iterable<string>, budgetMs: number): boolean {
    const started = performance.now();
    const now = this.clock.now();
    const next = Math.max(this.current + 1, now);
    const services = new Map<string, ServiceTransitions>();
    const before = this.serviceBuilds;
    let changed = false;
    for (const key of keys) {
      this.dirty.delete(key);
      changed = this.rebuildOne(key, next, services) || changed;
      if (performance.now() - started >= budgetMs) break;
    }
    if (!changed) return false;
    this.history.record({ from: this.current, to: next, at: now, services });
    this.current = next;
    this.versionBumps++;
    this.deltas.clear();
    this.list = undefined;
    this.onRebuilt(next, this.serviceBuilds - before);
    return true;
  }

  private rebuildOne(key: string, version: number, out: Map<string, ServiceTransitions>): boolean {
    const prev = this.entries.get(key);
    const removed = this.removed.get(key);
    if (removed !== undefined) {
      this.removed.delete(key);
      if (prev !== undefined && this.leaveOut(key, prev, removed, version, out)) return true;
    }
    const built = this.source.build(key);
    this.serviceBuilds++;
    // unchanged instances keep their bytes from the previous snapshot: the cost follows the change
    const next = built === null ? undefined : new ServiceSnapshot(key, built, version, prev);
    if (next === undefined && prev === undefined) return false;
    if (next !== undefined && prev !== undefined && prev.fragment.equals(next.fragment)) {
      this.entries.set(key, next.sameAs(prev));
      return false;
    }
    if (next === undefined) this.entries.delete(key);
    else this.entries.set(key, next);
    const transitions: Map<string, Transition> = next === undefined ? prev!.removals() : next.transitionsFrom(prev);
    if (transitions.size > 0) out.set(key, { serviceId: (next ?? prev)!.serviceId, transitions });
    return true;
  }

  /** The snapshot of a service after `removed` were unregistered, from the one before; false when it must be built. */
  private leaveOut(key: string, prev: ServiceSnapshot, removed: readonly Instance[], version: number, out: Map<string, ServiceTransitions>): boolean {
    const after = this.source.afterRemoval?.(key) ?? 'build';
    if (after === 'build') return false;
    if (after === 'gone') {
      // every instance the snapshot listed was removed since it was built
      this.entries.delete(key);
      out.set(key, { serviceId: prev.serviceId, transitions: prev.removals() });
      this.removalSnapshots++;
      return true;
    }
    const next = prev.without(removed, version);
    if (next === undefined) return false;
    this.entries.set(key, next);
    const transitions = new Map<string, Transition>();
    for (const x of removed) transitions.set(instanceKey(x), { before: x, after: null });
    out.set(key, { serviceId: next.serviceId, transitions });
    this.removalSnapshots++;
    return true;
  }

  private listBody(): EncodedBody {
    const keys = [...this.entries.keys()].sort();
    const fragments: Buffer[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key)!;
      if (entry.listed) fragments.push(entry.fragment);
    }
    const bytes = joinFragments(`{"responseStatus":${SUCCESS_JSON},"services":`, fragments, `,"version":${this.current}}`);
    return new EncodedBody(bytes, versionTag(this.current));
  }
}
