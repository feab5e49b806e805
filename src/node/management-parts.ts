import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import { createManagement, type ManagementModule } from '../management/index.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { createStore } from '../store/index.js';
import type { ManagementStore } from '../store/management-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import { logManagementWrite } from './operator-log.js';
import { logStoreFailure, StoreHealth } from './store-health.js';

export interface ManagementPartsDeps {
  /** A store to use instead of the one `store.url` names. */
  store?: ManagementStore | undefined;
  repository: RegistryRepository;
  bus: ChangeBus;
  clock: Clock;
  scheduler: TaskScheduler;
  logger: Logger;
  metrics: NodeMetrics;
  discovery: DiscoveryService;
  node: () => ServiceNodeStatus;
  /** Limits the store-reading group queries (rateLimit.group). */
  groupLimiter: RateLimiter;
}

export interface ManagementParts {
  readonly store: ManagementStore;
  /** Compares the store with the peers' once it is told them ({@link StoreHealth.watchPeers}). */
  readonly storeHealth: StoreHealth;
  readonly management: ManagementModule;
}

/**
 * The management store (the one `store.url` names unless given), its health and management. A
 * store failure seen anywhere here is told to the health at once, so that an outage is logged
 * when it starts, once; every management write is logged for the operator.
 */
export function createManagementParts(config: Config, deps: ManagementPartsDeps): ManagementParts {
  const { logger, scheduler } = deps;
  // The store reports its trouble to its health, which reads the store: bound once both exist
  // (the store does no I/O, so reports nothing, before init()).
  let health: StoreHealth | undefined = undefined;
  const observe = () => health?.observe();
  const s = config.store;
  const store = deps.store ?? createStore({
    url: s.url, dataDir: config.dataDir, keyPrefix: s.keyPrefix, scheduler,
    timeoutMs: s.timeoutMs, minReplicas: s.minReplicas, replicaTimeoutMs: s.replicaTimeoutMs,
    onError: (err) => logStoreFailure(logger, err, 'warn', 'management store trouble', {}, observe),
  });
  const storeHealth = new StoreHealth({
    store, nodeLocal: s.nodeLocal, logger, metrics: deps.metrics, scheduler, checkIntervalMs: 1_000, now: () => deps.clock.now(),
  });
  health = storeHealth;
  const management = createManagement({
    store, repository: deps.repository, bus: deps.bus, clock: deps.clock, scheduler, discovery: deps.discovery, node: deps.node,
    peersWithOtherStore: () => storeHealth.writeBlockers(),
    settings: { ...config.management, maxFieldLength: config.limits.maxFieldLength },
    groupLimiter: deps.groupLimiter,
    onError: (err, what) => logStoreFailure(logger, err, 'error', 'management failure', { what }, observe),
    onCommitted: (batch) => {
      storeHealth.observe();
      logManagementWrite(logger, batch);
    },
    onLoaded: () => storeHealth.observe(),
  });
  return { store, storeHealth, management };
}
