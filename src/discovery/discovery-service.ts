import { EncodedBody } from '../cache/encoded-body.js';
import { Coalescer } from '../cache/coalescer.js';
import { ServiceSnapshot } from '../cache/service-snapshot.js';
import { VersionedServiceCache, type RebuildListener } from '../cache/versioned-service-cache.js';
import { SUCCESS_JSON, joinFragments, serviceJson } from '../cache/wire-json.js';
import type { Clock } from '../core/clock.js';
import { ErrorCodes } from '../core/error-codes.js';
import { failStatus } from '../core/response-status.js';
import { serviceKey, type Instance } from '../core/wire/instance.js';
import { isBlank } from '../core/wire/json-reader.js';
import { GENERIC_SERVICE_ID, makeService, type DiscoveryConfig, type InstanceChange, type Service } from '../core/wire/service.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository, ServiceEntry } from '../registry/registry-repository.js';
import type { NodeGate } from '../registry/registry-service.js';
import { discoveryGate, zoneProblem } from './discovery-access.js';
import { FilterChain, type DiscoveryFilter } from './discovery-filter.js';
import {
  DiscoveryFailures,
  NULL_REQUEST_STATUS,
  deltaFailureJson,
  listFailureJson,
  serviceFailureJson,
  servicesFailureJson,
  type GetServiceRequest,
  type GetServicesDeltaRequest,
  type LookupRequest,
} from './discovery-messages.js';

/** A live view of the services to rebuild first (e.g. those with subscribers). */
export interface PreferredServices {
  has(key: string): boolean;
  keys(): Iterable<string>;
}

export interface DiscoverySettings {
  coalesceMs: number;
  /** Longest part of a coalesced rebuild run in one turn of the event loop (ms); the rest follows a window later. */
  rebuildSliceMs: number;
  deltaHistoryCount: number;
  deltaHistoryMaxAgeMs: number;
  deltaHistoryMaxChanges?: number;
}

export interface DiscoveryServiceDeps {
  repository: RegistryRepository;
  bus: ChangeBus;
  node: NodeGate;
  clock: Clock;
  settings: DiscoverySettings;
  /** A filter or a rebuild failed; `source` names it. */
  onError?: (err: unknown, source: string) => void;
  onRebuilt?: RebuildListener;
}

const body = (text: string) => new EncodedBody(Buffer.from(text));
const LOOKUP_NULL = body(listFailureJson(NULL_REQUEST_STATUS));
const SERVICE_BAD_REQUEST = body(
  serviceFailureJson(failStatus(ErrorCodes.badRequest, DiscoveryFailures.serviceRequestNull)),
);
const DELTA_NULL = body(deltaFailureJson(NULL_REQUEST_STATUS));
const DELTA_NOT_FOUND = body(deltaFailureJson(failStatus(ErrorCodes.dataNotFound, DiscoveryFailures.deltaNotFound)));
const LOOKUP_PREFIX = `{"responseStatus":${SUCCESS_JSON},"services":`;
const ABSENT = 'absent';

/** The generic config snapshots are filtered with (spec 2.5): a fresh copy per use. */
export function genericConfig(): DiscoveryConfig {
  return { discoveryData: {}, regionId: null, serviceId: GENERIC_SERVICE_ID, zoneId: null };
}

function rawService(entry: ServiceEntry): Service {
  // a plain loop: Array.from with a mapping callback costs several times as much per instance
  const instances = new Array<Instance>(entry.leases.size);
  let i = 0;
  for (const lease of entry.leases.values()) instances[i++] = lease.instance;
  return makeService(entry.serviceId, instances);
}

const bareFragment = (serviceId: string | null) => Buffer.from(serviceJson(makeService(serviceId)));
const serviceBody = (service: Service) => body(`{"responseStatus":${SUCCESS_JSON},"service":${serviceJson(service)}}`);

/**
 * The discovery read path (spec 3.3, 5, 6): lookup, service, services and services-delta over
 * a versioned cache rebuilt from registry changes after a short coalescing window, plus the
 * filter pipeline. Reads answer from cached bytes whenever the installed filters allow; a
 * service changed since the last rebuild is read live, so lookup and service.json never lag
 * the registry; services.json, deltas and push follow a registration within the coalescing
 * window and a removal at once (see onChange).
 */
export class DiscoveryService {
  readonly cache: VersionedServiceCache;
  private readonly filters: FilterChain;
  private readonly coalescer: Coalescer;
  private readonly unsubscribe: () => void;
  private readonly tickListeners: Array<(version: number) => void> = [];
  /** Services with removals waiting for the end of the current job (a microtask), not for the window. */
  private readonly removals = new Set<string>();
  /** Lookup answers of one service, per snapshot (they go with it). */
  private readonly lookups = new WeakMap<ServiceSnapshot, EncodedBody>();
  private stopped = false;
  /** Services whose changes someone waits for (canonical keys): rebuilt before others, without the stretched window. */
  private preferred: PreferredServices = new Set<string>();
  /** Rebuilds the preferred services one window after a change of theirs, whatever a large rebuild stretched the other window to. */
  private readonly urgent: Coalescer;

  constructor(private readonly deps: DiscoveryServiceDeps) {
    this.filters = new FilterChain((f, err) => this.report(err, `filter ${f.name}`));
    const source = {
      build: (key: string) => this.snapshotService(key),
      keys: () => deps.repository.serviceKeys(),
      afterRemoval: (key: string) => this.afterRemoval(key),
    };
    this.cache = new VersionedServiceCache(source, deps.settings, deps.clock, deps.onRebuilt);
    // The window stretches with the cost of the rebuild itself, not with the pushes after it; a
    // rebuild runs in parts of at most rebuildSliceMs, each after the I/O waiting when the last
    // ended, services someone listens to first.
    const slice = deps.settings.rebuildSliceMs;
    this.coalescer = new Coalescer(
      deps.settings.coalesceMs,
      () => this.rebuild(() => this.cache.rebuild(slice, this.preferred.keys())).cost,
      () => deps.clock.now(),
      () => this.cache.rebuilding,
      () => this.cache.hasDirty,
    );
    this.urgent = new Coalescer(deps.settings.coalesceMs, () => this.rebuild(() => this.cache.rebuildServices(this.preferred.keys())).cost, () => deps.clock.now());
    this.unsubscribe = deps.bus.subscribe((change, expired) => this.onChange(change, expired));
  }

  /** Appends a filter; every service is rebuilt on the next tick. */
  addFilter(filter: DiscoveryFilter): void {
    this.filters.add(filter);
    this.invalidateAll();
  }

  removeFilter(filter: DiscoveryFilter): boolean {
    const removed = this.filters.remove(filter);
    if (removed) this.invalidateAll();
    return removed;
  }

  get installedFilters(): readonly DiscoveryFilter[] {
    return this.filters.list();
  }

  /** Rebuilds exactly these services (any letter case) on the next coalescing tick. */
  invalidate(serviceIds: Iterable<string>): void {
    for (const id of serviceIds) this.cache.invalidate(serviceKey(id));
    this.coalescer.request();
  }

  invalidateAll(): void {
    this.cache.invalidateAll();
    this.coalescer.request();
  }

  /** Rebuilds pending services now instead of at the end of the window; true when the version moved. */
  flush(): boolean {
    this.coalescer.cancel();
    this.coalescer.ranNow();
    this.urgent.cancel();
    return this.rebuild(() => this.cache.rebuild()).moved;
  }

  /** Stops listening to changes and clears the coalescing timer. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.coalescer.stop();
    this.urgent.stop();
  }

  /** `POST /api/discovery/lookup.json`: one service per config, in order; failures give bare services. */
  lookup(request: LookupRequest | null): EncodedBody {
    const configs = request?.discoveryConfigs ?? null;
    if (request === null || configs === null || configs.includes(null)) return LOOKUP_NULL;
    const { node } = this.deps;
    const allowed = discoveryGate(node) === null && zoneProblem(node, request.regionId, request.zoneId) === null;
    if (allowed && configs.length === 1 && !isBlank(configs[0]!.serviceId)) {
      const cached = this.cached(configs[0]!.serviceId as string);
      if (cached instanceof ServiceSnapshot) return this.singleLookup(cached);
    }
    const fragments = (configs as DiscoveryConfig[]).map((c) =>
      allowed && !isBlank(c.serviceId) ? this.lookupFragment(c) : bareFragment(c.serviceId),
    );
    return new EncodedBody(joinFragments(LOOKUP_PREFIX, fragments, '}'));
  }

  /** The lookup answer of one cached service, built once per snapshot. */
  private singleLookup(snapshot: ServiceSnapshot): EncodedBody {
    let answer = this.lookups.get(snapshot);
    if (answer === undefined) this.lookups.set(snapshot, (answer = new EncodedBody(joinFragments(LOOKUP_PREFIX, [snapshot.fragment], '}'))));
    return answer;
  }

  /** `/api/discovery/service.json`: filters run only on a present service. */
  getService(request: GetServiceRequest | null): EncodedBody {
    const config = request?.discoveryConfig ?? null;
    if (request === null || config === null || isBlank(config.serviceId)) return SERVICE_BAD_REQUEST;
    const { node } = this.deps;
    const problem = discoveryGate(node) ?? zoneProblem(node, request.regionId, request.zoneId);
    if (problem !== null) return body(serviceFailureJson(problem));
    const id = config.serviceId as string;
    const cached = this.cached(id);
    if (cached instanceof ServiceSnapshot) return cached.responseBody();
    const entry = cached === ABSENT ? undefined : this.deps.repository.service(id);
    if (entry === undefined) return serviceBody(makeService(id));
    const service = rawService(entry);
    this.filters.apply(service, config);
    return serviceBody(service);
  }

  /** `/api/discovery/services.json`: the current snapshot. */
  getServices(): EncodedBody {
    const problem = discoveryGate(this.deps.node);
    return problem === null ? this.cache.servicesBody() : body(servicesFailureJson(problem));
  }

  /** `POST /api/discovery/services-delta.json`: changes from `version` to the current version. */
  getServicesDelta(request: GetServicesDeltaRequest | null): EncodedBody {
    const problem = discoveryGate(this.deps.node);
    if (problem !== null) return body(deltaFailureJson(problem));
    if (request === null) return DELTA_NULL;
    return this.cache.deltaBody(request.version) ?? DELTA_NOT_FOUND;
  }

  /**
   * A change marks its service dirty for the next coalescing tick. An unregistration is not held
   * back by the window: the services it removed from are rebuilt at the end of the current job,
   * once for every removal of that job (a batch), each by leaving the removed instances out of
   * its snapshot when nothing else changed it (no build), so an instance that is gone is never served
   * again, by any read, delta or push, after the call that removed it returned; other dirty
   * services keep waiting for the window. Expiries wait for the window like registrations: a
   * sweep that expires many leases in slices gives one paced rebuild, not one per slice.
   */
  private onChange(change: InstanceChange, expired: boolean): void {
    const id = change.instance.serviceId;
    if (id === null) return;
    const key = serviceKey(id);
    if (change.changeType !== 'delete' || expired) {
      this.cache.invalidate(key);
      this.coalescer.request();
      if (this.preferred.has(key)) this.urgent.request();
      return;
    }
    this.cache.invalidateRemoval(key, change.instance);
    if (this.removals.size === 0) queueMicrotask(() => this.flushRemovals());
    this.removals.add(key);
  }

  private flushRemovals(): void {
    const keys = [...this.removals];
    this.removals.clear();
    if (!this.stopped) this.rebuild(() => this.cache.rebuildServices(keys));
  }

  private rebuild(run: () => boolean): { moved: boolean; cost: number } {
    let moved = false;
    const started = this.deps.clock.now();
    try {
      moved = run();
    } catch (err) {
      this.report(err, 'discovery cache rebuild');
    }
    const cost = this.deps.clock.now() - started;
    for (const listener of this.tickListeners) {
      try {
        listener(this.cache.version);
      } catch (err) {
        this.report(err, 'discovery tick listener');
      }
    }
    return { moved, cost };
  }

  /**
   * Called after every coalescing tick (and flush) with the current version, whether or not it
   * moved: every registry change published before the tick to a service that is not `pending`
   * is reflected in that version.
   */
  onTick(listener: (version: number) => void): void {
    this.tickListeners.push(listener);
  }

  /**
   * Names the services (canonical keys) whose changes someone waits for: a rebuild in parts does
   * them first, and a change of one is rebuilt a coalescing window later even while the window of
   * the others is stretched by a large rebuild (that rebuild of the few stretches its own window).
   */
  preferFirst(services: PreferredServices): void {
    this.preferred = services;
  }

  /** True while changes of a service are not yet in the current version (it waits for a rebuild). */
  pending(serviceId: string): boolean {
    return this.cache.isDirty(serviceKey(serviceId));
  }

  /** One service's changes after `version`, leading to the current version; null when too old. */
  changesSince(serviceId: string, version: number): { changes: InstanceChange[]; version: number } | null {
    return this.cache.serviceChangesSince(serviceKey(serviceId), version);
  }

  private report(err: unknown, source: string): void {
    this.deps.onError?.(err, source);
  }

  /**
   * What the snapshot of a service becomes when instances it lists were unregistered: the one
   * before without them while every filter leaves the rest of the service as it was, none when
   * the registry holds no instance of it any more.
   */
  private afterRemoval(key: string): 'kept' | 'gone' | 'build' {
    const entry = this.deps.repository.service(key);
    if (entry === undefined) return 'gone';
    return this.filters.keepOnRemoval(entry.serviceId) ? 'kept' : 'build';
  }

  /** The service as snapshots show it: registry instances filtered with the generic config. */
  private snapshotService(key: string): Service | null {
    const entry = this.deps.repository.service(key);
    if (entry === undefined) return null;
    const service = rawService(entry);
    if (this.filters.size > 0) this.filters.apply(service, genericConfig());
    return service;
  }

  /**
   * The cached snapshot when it answers for any caller: no filter reads the caller's config and
   * the service has not changed since the last rebuild. ABSENT when such a service is unknown;
   * undefined when the answer must be built live.
   */
  private cached(serviceId: string): ServiceSnapshot | typeof ABSENT | undefined {
    const key = serviceKey(serviceId);
    if (this.filters.dependsOnConfig || this.cache.isDirty(key)) return undefined;
    return this.cache.service(key) ?? ABSENT;
  }

  private lookupFragment(config: DiscoveryConfig): Buffer {
    const id = config.serviceId as string;
    const cached = this.cached(id);
    if (cached instanceof ServiceSnapshot) return cached.fragment;
    if (cached === ABSENT && this.filters.size === 0) return bareFragment(id);
    const entry = cached === ABSENT ? undefined : this.deps.repository.service(id);
    const service = entry === undefined ? makeService(id) : rawService(entry);
    this.filters.apply(service, config);
    return Buffer.from(serviceJson(service));
  }
}
