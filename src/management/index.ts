import type { Clock } from '../core/clock.js';
import { untilDeadline, type Lifecycle } from '../core/lifecycle.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import type { ManagementStore } from '../store/management-store.js';
import { downFilter, groupFilter } from './management-filters.js';
import { ManagementReads } from './management-reads.js';
import { ManagementService, type ManagementDeps, type ManagementSettings } from './management-service.js';
import { RoutingService } from './routing/routing-service.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';

export interface ManagementModuleDeps {
  store: ManagementStore;
  repository: RegistryRepository;
  bus: ChangeBus;
  clock: Clock;
  /** Runs the periodic refresh and log retention. */
  scheduler: TaskScheduler;
  discovery: DiscoveryService;
  node: () => ServiceNodeStatus;
  settings: ManagementSettings & { refreshIntervalMs: number; logRetentionDays: number };
  /** Limits the three store-reading group queries. */
  groupLimiter: RateLimiter;
  onError: (err: unknown, what: string) => void;
  onCommitted?: ManagementDeps['onCommitted'];
  onLoaded?: ManagementDeps['onLoaded'];
  /** Peers on another management store (see ManagementDeps.peersWithOtherStore). */
  peersWithOtherStore?: () => string[];
}

export interface ManagementModule extends Lifecycle {
  readonly service: ManagementService;
  readonly reads: ManagementReads;
  readonly routing: RoutingService;
  /** Opens the store and loads the state; the node serves only after this. */
  start(): Promise<void>;
  /** Stops following the store, lets a reload in flight end (until `deadline`, epoch ms), then closes the store. */
  stop(deadline?: number): Promise<void>;
}

const HOUR = 3_600_000;

/** Wires management: the service, its discovery filters (group, then down), periodic refresh and log retention. */
export function createManagement(deps: ManagementModuleDeps): ManagementModule {
  const service = new ManagementService({ ...deps, invalidate: (ids) => deps.discovery.invalidate(ids) });
  const state = () => service.state;
  deps.discovery.addFilter(groupFilter(state));
  deps.discovery.addFilter(downFilter(state));
  const reads = new ManagementReads(state, deps.repository, () => deps.clock.now());
  const routing = new RoutingService({
    store: deps.store,
    state,
    request: (body) => service.request(body),
    commit: (batch, failure) => service.commit(batch, failure),
    limiter: deps.groupLimiter,
    settings: deps.settings,
  });
  // A failed reload has been reported through onError (an unreachable store: the one outage line).
  deps.scheduler.add({ name: 'management.refresh', intervalMs: deps.settings.refreshIntervalMs, jitter: 0.1, run: () => service.refresh().catch(() => undefined) });
  deps.scheduler.add({
    name: 'management.log-retention',
    intervalMs: HOUR,
    run: async () => {
      // during an outage the next round prunes; the outage itself is logged once, elsewhere
      if (!deps.store.availability().available) return;
      await deps.store.pruneLogs(deps.clock.now() - deps.settings.logRetentionDays * 24 * HOUR);
    },
  });
  return {
    name: 'management',
    service,
    reads,
    routing,
    start: async () => {
      await deps.store.init();
      await service.start();
    },
    stop: async (deadline = Number.POSITIVE_INFINITY) => {
      if ((await untilDeadline(service.stop(), deadline)) === 'timeout') deps.onError(new Error('a management reload was still running at the shutdown deadline'), 'management stop');
      await deps.store.close();
    },
  };
}
