import type { Hono } from 'hono';
import { holdTickObjectMaps } from './core/tick-maps.js';
import { GOSSIP_ROUND, type ClusterManager } from './cluster/cluster-manager.js';
import type { NodeState } from './cluster/node-state.js';
import type { PeerLinkFilter } from './cluster/peer-http.js';
import type { SeedResolver } from './cluster/seeds.js';
import { advertisedUrl, effectiveNodeId, type ConfigSourceName } from './config/load.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { dueEarlier, type Lifecycle } from './core/lifecycle.js';
import { Scheduler } from './core/scheduler.js';
import type { DiscoveryService } from './discovery/discovery-service.js';
import type { ManagementModule } from './management/index.js';
import { createClusterParts } from './node/cluster-parts.js';
import { HttpServer } from './node/http-server.js';
import { createManagementParts } from './node/management-parts.js';
import { NodeRun } from './node/node-run.js';
import { createSecurityParts, type SecurityParts } from './node/security-parts.js';
import { createRegistryCore } from './node/registry-core.js';
import { createDiscovery, createWebSockets } from './node/read-side.js';
import { createTls } from './node/tls.js';
import { ChangeBus } from './registry/change-bus.js';
import type { RegistryRepository } from './registry/registry-repository.js';
import type { RegistryService } from './registry/registry-service.js';
import { createReplication, type Replication } from './replication/index.js';
import type { ReplicationTransport } from './replication/transport.js';
import type { ManagementStore } from './store/management-store.js';
import { errorFields, silentLogger, type Logger } from './telemetry/logger.js';
import { NodeMetrics } from './telemetry/metrics.js';
import { packageVersion } from './telemetry/build-info.js';
import { Tracing } from './telemetry/tracing.js';
import type { ApiRouter } from './web/api-router.js';
import { createHttpLayer } from './web/http-layer.js';
import type { Readiness } from './web/api/ops.js';
import type { WebSocketLayer } from './websocket/websocket-layer.js';

export const VERSION = packageVersion();

/** Parts a test or embedding program may replace. */
export interface NodeOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Management store; by default the one `store.url` names (SQLite in dataDir when empty). */
  store?: ManagementStore;
  configOrigins?: ReadonlyMap<string, ConfigSourceName>;
  /** Outgoing peer calls are refused where this answers false (partition tests). */
  peerFilter?: PeerLinkFilter;
  /** Replication transport; by default HTTP to the Java replication endpoints. */
  replicationTransport?: ReplicationTransport;
  /** DNS resolution of seeds. */
  seedResolver?: SeedResolver;
  /** Tracing facade; by default enabled on the global tracer provider when `tracing.enabled`, else off. */
  tracing?: Tracing;
}

export interface ArtemisNode {
  readonly config: Config;
  readonly app: Hono;
  readonly router: ApiRouter;
  readonly metrics: NodeMetrics;
  readonly scheduler: Scheduler;
  readonly repository: RegistryRepository;
  readonly registry: RegistryService;
  readonly bus: ChangeBus;
  readonly state: NodeState;
  readonly discovery: DiscoveryService;
  readonly websocket: WebSocketLayer;
  readonly management: ManagementModule;
  /** API tokens and the access policy. */
  readonly security: SecurityParts;
  /** Cluster membership (gossip and static peers) and the Java cluster views. */
  readonly cluster: ClusterManager;
  /** Peer replication; `replication.peers.set([...])` changes the static peers at run time. */
  readonly replication: Replication;
  /** Starts every part in order and marks the node up. Resolves with the bound address. */
  start(): Promise<{ port: number; url: string }>;
  /** Graceful shutdown: every part stopped in reverse order within `http.shutdownTimeoutMs`; idempotent. */
  stop(): Promise<void>;
  readiness(): Readiness;
}

/** Composition root: wires every part of a node from its configuration. Does no I/O. */
export function createNode(config: Config, overrides: NodeOverrides = {}): ArtemisNode {
  holdTickObjectMaps();
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? silentLogger;
  const tracing = overrides.tracing ?? (config.tracing.enabled ? Tracing.create({ version: VERSION }) : Tracing.disabled);
  const metrics = new NodeMetrics({ version: VERSION, droppedLogLines: () => logger.droppedLines?.() ?? 0 });
  const scheduler = new Scheduler((task, err) => logger.error({ ...errorFields(err), task }, 'background task failed'));
  const bus = new ChangeBus((err) => logger.error(errorFields(err), 'change listener failed'));
  const { tables, repository, state, limiters, clientLimiter, registry } = createRegistryCore(config, { clock, logger, metrics, bus, scheduler });
  const discovery = createDiscovery(config, { repository, bus, state, clock, logger, metrics });
  const { store, storeHealth, management } = createManagementParts(config, {
    store: overrides.store, repository, bus, clock, scheduler, logger, metrics, discovery, node: () => state.status, groupLimiter: limiters.group,
  });
  const security = createSecurityParts(config, { store, clock, scheduler, logger, metrics });

  // The port the node listens on: the configured one until the server is bound (0 picks one).
  let port = config.port;
  const nodeId = () => effectiveNodeId(config, port);
  const tls = createTls(config.tls, { scheduler, logger });
  const { peerHttp, peerVerifier, cluster, transport } = createClusterParts(config, { ...overrides, state, clock, scheduler, logger, metrics, nodeId, storeId: () => storeHealth.identity(), tls });
  storeHealth.watchPeers(() => cluster.memberStores());
  const replication = createReplication({
    settings: config.replication, regionId: config.regionId, maxInstancesPerRequest: config.limits.maxInstancesPerRequest,
    registry, repository, bus, clock, logger, scheduler, metricsRegistry: metrics.registry,
    peers: cluster, staticPeers: cluster.staticPeers, copySources: () => cluster.copySources(), http: peerHttp, transport, tracing,
  });

  const websocket = createWebSockets(config, {
    clock, logger, metrics, scheduler, bus, discovery, registry, clientLimiter, security,
    isSuppressed: (instance) => management.service.state.isDown(instance),
  });

  const run = new NodeRun({ state, logger, shutdownTimeoutMs: config.http.shutdownTimeoutMs });
  const http = createHttpLayer({
    config, logger, metrics, tracing, configOrigins: overrides.configOrigins ?? new Map(),
    version: VERSION, registry, clientLimiter, limiters, leaseTables: tables, repository, state, discovery, cluster, replication, management, store, websocket, security,
    readiness: () => run.readiness(),
    storeHealth,
    listenPort: () => port,
    peerVerifier,
  });
  const server = new HttpServer({
    host: config.host, port: config.port, settings: config.http, listener: http.listener, upgrades: websocket, logger, tls,
    maxConnectionsPerAddress: config.limits.maxConnectionsPerAddress,
    onConnectionRefused: () => metrics.limitRefusals.inc({ limit: 'limits.maxConnectionsPerAddress' }),
    onTimeout: (limit) => metrics.limitRefusals.inc({ limit }),
    onListening: (bound) => {
      port = bound;
      state.setUrl(advertisedUrl(config, port));
      logger.info({ port, host: config.host, url: state.self.url, nodeId: nodeId() }, 'artemis node listening');
    },
  });

  // Started in this order, stopped in reverse: announce `left` → drain HTTP/WS → flush
  // replication → scheduler (waits for runs in flight) → discovery → management and its store → tokens.
  const share = Math.floor(config.http.shutdownTimeoutMs / 4);
  const parts: Lifecycle[] = [
    { name: 'metrics', start: () => undefined, stop: () => metrics.close() },
    security.part,
    management,
    { name: 'discovery', start: () => undefined, stop: () => discovery.stop() },
    scheduler,
    replication,
    dueEarlier(server, share),
    dueEarlier(cluster, config.http.shutdownTimeoutMs - share),
    replication.startupCopy,
  ];
  run.sequence(parts, () => {
    security.announce();
    // Peers learn at once that this node is up.
    void scheduler.runNow(GOSSIP_ROUND);
  });

  return {
    config, app: http.app, router: http.router, metrics, scheduler, repository, registry, bus, state, discovery, websocket, management, cluster, replication, security,
    start: async () => {
      await run.start();
      return { port, url: state.self.url };
    },
    stop: () => run.stop(),
    readiness: () => run.readiness(),
  };
}
