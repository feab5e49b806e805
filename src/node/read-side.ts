import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { Instance } from '../core/wire/instance.js';
import type { NodeState } from '../cluster/node-state.js';
import { DiscoveryService } from '../discovery/discovery-service.js';
import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { RATE_LIMITED_RESPONSE_JSON, SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON, type RegistryService } from '../registry/registry-service.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import { CorsPolicy } from '../web/browser-safety.js';
import { createWebSocketLayer, type WebSocketLayer } from '../websocket/websocket-layer.js';
import type { SecurityParts } from './security-parts.js';

export interface DiscoveryPartDeps {
  repository: RegistryRepository;
  bus: ChangeBus;
  state: NodeState;
  clock: Clock;
  logger: Logger;
  metrics: NodeMetrics;
}

/** The discovery cache of a node, its failures logged and its rebuilds counted. */
export function createDiscovery(config: Config, { repository, bus, state, clock, logger, metrics }: DiscoveryPartDeps): DiscoveryService {
  const discovery = new DiscoveryService({
    repository, bus, node: state, clock, settings: config.discovery,
    onError: (err, source) => logger.error({ ...errorFields(err), source }, 'discovery failure'),
    onRebuilt: (version, builds) => {
      metrics.discoveryCacheRebuilds.inc(builds);
      metrics.discoveryVersion.set(version);
    },
  });
  metrics.discoveryVersion.set(discovery.cache.version);
  return discovery;
}

export interface WebSocketPartDeps {
  clock: Clock;
  logger: Logger;
  metrics: NodeMetrics;
  scheduler: TaskScheduler;
  bus: ChangeBus;
  discovery: DiscoveryService;
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
  security: SecurityParts;
  /** Instances pulled out by management: their changes are not pushed. */
  isSuppressed: (instance: Instance) => boolean;
}

/**
 * The WebSocket channels of a node: upgrades checked by the security part and the allowed
 * origins, heartbeats through the per-client limit and the registry, refusals counted.
 */
export function createWebSockets(config: Config, deps: WebSocketPartDeps): WebSocketLayer {
  const { metrics, registry, clientLimiter } = deps;
  const origins = new CorsPolicy(config.cors);
  return createWebSocketLayer({
    config: config.websocket, contextPath: config.contextPath, clock: deps.clock, logger: deps.logger, registry: metrics.registry,
    scheduler: deps.scheduler, bus: deps.bus, discovery: deps.discovery,
    admit: deps.security.admitUpgrade,
    isSuppressed: deps.isSuppressed,
    admitsOrigin: (origin, host) => {
      const admitted = origins.admits(origin, host);
      if (!admitted) metrics.browserRefusals.inc({ reason: 'origin' });
      return admitted;
    },
    maxSubscriptionsPerSession: config.limits.maxSubscriptionsPerSession,
    onLimitRefused: (limit) => metrics.limitRefusals.inc({ limit }),
    heartbeat: (body, address) => {
      if (!clientLimiter.tryAcquire(address)) return RATE_LIMITED_RESPONSE_JSON;
      const response = registry.handle('heartbeat', body);
      return response === SUCCESS_RESPONSE ? SUCCESS_RESPONSE_JSON : JSON.stringify(response);
    },
  });
}
