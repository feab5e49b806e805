import type { AddressInfo } from 'node:net';
import { Counter, Gauge } from 'prom-client';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { Hono } from 'hono';
import { NodeState } from './cluster/node-state.js';
import { ClusterManager } from './cluster/cluster-manager.js';
import { CLUSTER_SECRET_HEADER, PeerHttp, type PeerLinkFilter } from './cluster/peer-http.js';
import type { SeedResolver } from './cluster/seeds.js';
import { httpTransport, withHeaders, type ReplicationTransport } from './replication/transport.js';
import { advertisedUrl, effectiveNodeId, type ConfigSourceName } from './config/load.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { Scheduler } from './core/scheduler.js';
import { DiscoveryService } from './discovery/discovery-service.js';
import { createWebSocketLayer, type WebSocketLayer } from './websocket/websocket-layer.js';
import { createManagement, type ManagementModule } from './management/index.js';
import { createStore } from './store/index.js';
import type { ManagementStore } from './store/management-store.js';
import { LeaseManager } from './lease/lease-manager.js';
import { SelfPreservation } from './lease/self-preservation.js';
import { ClientRateLimiter, RateLimiter } from './ratelimit/rate-limiter.js';
import { ChangeBus } from './registry/change-bus.js';
import { RegistryRepository } from './registry/registry-repository.js';
import { RATE_LIMITED_RESPONSE_JSON, RegistryService, SUCCESS_RESPONSE, SUCCESS_RESPONSE_JSON } from './registry/registry-service.js';
import { errorFields, silentLogger, type Logger } from './telemetry/logger.js';
import { NodeMetrics } from './telemetry/metrics.js';
import { Tracing } from './telemetry/tracing.js';
import type { Readiness } from './web/ops-routes.js';
import { createHttpLayer } from './web/http-layer.js';
import { createReplication, type Replication } from './replication/index.js';
import type { ApiRouter } from './web/api-router.js';

export const VERSION = '0.1.0';

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
  /** Cluster membership (gossip and static peers) and the Java cluster views. */
  readonly cluster: ClusterManager;
  /** Peer replication; `replication.peers.set([...])` changes the static peers at run time. */
  readonly replication: Replication;
  /** Listens, starts background work and marks the node up. Resolves with the bound address. */
  start(): Promise<{ port: number; url: string }>;
  /** Graceful shutdown within `http.shutdownTimeoutMs`; idempotent. */
  stop(): Promise<void>;
  readiness(): Readiness;
}

function leaseTables(config: Config, clock: Clock) {
  const r = config.registry;
  const normal = new LeaseManager('instance', r.lease, clock, new SelfPreservation(r.selfPreservation, clock));
  const legacy = new LeaseManager('legacy-instance', r.legacyLease, clock, new SelfPreservation(r.legacySelfPreservation, clock));
  return { normal, legacy };
}

/** Composition root: wires every part of a node from its configuration. Does no I/O. */
export function createNode(config: Config, overrides: NodeOverrides = {}): ArtemisNode {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? silentLogger;
  const tracing = overrides.tracing ?? (config.tracing.enabled ? Tracing.create({ version: VERSION }) : Tracing.disabled);
  const metrics = new NodeMetrics();
  const scheduler = new Scheduler((task, err) => logger.error({ ...errorFields(err), task }, 'background task failed'));
  const bus = new ChangeBus((err) => logger.error(errorFields(err), 'change listener failed'));

  const tables = leaseTables(config, clock);
  for (const table of [tables.normal, tables.legacy]) table.onRemoval((_, reason) => metrics.leaseExpiries.inc({ table: table.name, reason }));
  const repo = new RegistryRepository(tables.normal, tables.legacy, bus, clock);

  const state = new NodeState(
    {
      regionId: config.regionId,
      zoneId: config.zoneId,
      allowRegistryFromOtherZone: config.registry.allowFromOtherZone,
      allowDiscoveryFromOtherZone: config.discovery.allowFromOtherZone,
    },
    config.nodeUrl !== '' ? config.nodeUrl : 'http://127.0.0.1',
  );

  const rl = config.rateLimit;
  const limiters = {
    registry: new RateLimiter('artemis.service.registry', rl.registry, rl.windowMs, clock),
    replication: new RateLimiter('artemis.service.registry.replication', rl.replication, rl.windowMs, clock),
    cluster: new RateLimiter('artemis.service.cluster', rl.cluster, rl.windowMs, clock),
    status: new RateLimiter('artemis.service.status', rl.status, rl.windowMs, clock),
    group: new RateLimiter('artemis.service.management.group', rl.group, rl.windowMs, clock),
  };
  const clientLimiter = new ClientRateLimiter(rl.perClient, rl.windowMs, clock);

  const operationCounters = new Map<string, { inc(): void }>();
  const registry = new RegistryService({
    repository: repo,
    node: state,
    limiter: limiters.registry,
    limits: config.limits,
    onUnexpected: (err, errorId) => logger.error({ ...errorFields(err), errorId }, 'unexpected registry error'),
    onInstanceResult: (operation, result) => {
      // Label children are bound once per (operation, result): no label hashing per instance.
      const key = `${operation} ${result}`;
      let child = operationCounters.get(key);
      if (child === undefined) operationCounters.set(key, (child = metrics.registryOperations.labels(operation, result)));
      child.inc();
    },
    replicationLimiter: limiters.replication,
  });
  const peerHttp = new PeerHttp({ secret: config.cluster.secret, filter: overrides.peerFilter });
  const cluster = new ClusterManager({
    config: config.cluster, node: state, clock, scheduler, http: peerHttp, logger, resolver: overrides.seedResolver,
    onEvent: (e) => clusterChanges.inc({ to: e.to }),
  });
  const clusterChanges = new Counter({
    name: 'artemis_cluster_member_changes_total',
    help: 'Cluster member state changes seen by this node, by new state.',
    labelNames: ['to'],
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'artemis_cluster_members',
    help: 'Cluster members known to this node (itself included), by state.',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const m of cluster.members()) this.inc({ state: m.state });
    },
  });
  let transport = overrides.replicationTransport ?? httpTransport;
  if (config.cluster.secret !== '') transport = withHeaders(transport, { [CLUSTER_SECRET_HEADER]: config.cluster.secret });
  const filter = overrides.peerFilter;
  if (filter !== undefined) {
    const inner = transport;
    transport = {
      send: (peer, ...rest) => (filter(peer) ? inner.send(peer, ...rest) : Promise.reject(new Error(`${peer}: link is cut`))),
    };
  }
  const replication = createReplication({
    config, registry, repository: repo, bus, clock, logger, scheduler, metricsRegistry: metrics.registry,
    peers: cluster, staticPeers: cluster.staticPeers, copySources: () => cluster.copySources(), http: peerHttp, transport, tracing,
  });

  metrics.bind({
    leases: (t) => (t === 'instance' ? tables.normal.size : tables.legacy.size),
    instances: () => repo.instanceCount,
    services: () => repo.serviceCount,
    unsafe: (t) => !(t === 'instance' ? tables.normal : tables.legacy).safety.isSafe,
    renewalsInWindow: (t) => (t === 'instance' ? tables.normal : tables.legacy).safety.stats().countInWindow,
  });

  const discovery = new DiscoveryService({
    repository: repo, bus, node: state, clock, settings: config.discovery,
    onError: (err, source) => logger.error({ ...errorFields(err), source }, 'discovery failure'),
    onRebuilt: (version, builds) => {
      metrics.discoveryCacheRebuilds.inc(builds);
      metrics.discoveryVersion.set(version);
    },
  });
  metrics.discoveryVersion.set(discovery.cache.version);

  const websocket = createWebSocketLayer({
    config: config.websocket, contextPath: config.contextPath, clock, logger, registry: metrics.registry, scheduler, bus, discovery,
    heartbeat: (body, address) => {
      if (!clientLimiter.tryAcquire(address)) return RATE_LIMITED_RESPONSE_JSON;
      const response = registry.handle('heartbeat', body);
      return response === SUCCESS_RESPONSE ? SUCCESS_RESPONSE_JSON : JSON.stringify(response);
    },
  });

  const store =
    overrides.store ??
    createStore({
      url: config.store.url, dataDir: config.dataDir, keyPrefix: config.store.keyPrefix,
      onError: (err) => logger.warn(errorFields(err), 'management store trouble'),
    });
  const management = createManagement({
    store, repository: repo, bus, clock, scheduler, discovery, node: () => state.status,
    settings: { ...config.management, maxFieldLength: config.limits.maxFieldLength },
    groupLimiter: limiters.group,
    onError: (err, what) => logger.error({ ...errorFields(err), what }, 'management failure'),
  });
  websocket.publisher.setSuppression((instance) => management.service.state.isDown(instance));

  for (const [name, table, lease, sp] of [
    ['instance', tables.normal, config.registry.lease, config.registry.selfPreservation],
    ['legacy-instance', tables.legacy, config.registry.legacyLease, config.registry.legacySelfPreservation],
  ] as const) {
    scheduler.add({ name: `${name}.lease-sweep`, intervalMs: lease.sweepIntervalMs, run: () => void table.sweep() });
    scheduler.add({ name: `${name}.self-preservation`, intervalMs: sp.checkIntervalMs, run: () => table.safety.check() });
  }

  let readiness: Readiness = 'starting';
  let boundPort = config.port;
  const http = createHttpLayer({
    config, logger, metrics, tracing, configOrigins: overrides.configOrigins ?? new Map(),
    version: VERSION, registry, clientLimiter, limiters, leaseTables: tables, repository: repo, state, discovery, cluster, replication, management, store, websocket,
    readiness: () => readiness,
    listenPort: () => boundPort,
  });
  const { app, router } = http;

  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<{ port: number; url: string }> {
    if (server !== undefined) throw new Error('node already started');
    const srv = createServer(http.listener);
    server = srv;
    srv.keepAliveTimeout = config.http.keepAliveTimeoutMs;
    srv.requestTimeout = config.http.requestTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(config.port, config.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    boundPort = (srv.address() as AddressInfo).port;
    const url = advertisedUrl(config, boundPort);
    state.setUrl(url);
    logger.info({ port: boundPort, host: config.host, url, nodeId: effectiveNodeId(config, boundPort) }, 'artemis node listening');
    websocket.attach(srv);
    await management.start();
    scheduler.start();
    await cluster.start(effectiveNodeId(config, boundPort));
    await replication.start();
    state.markUp();
    readiness = 'ready';
    void cluster.round();
    return { port: boundPort, url };
  }

  async function drainHttp(deadline: number): Promise<void> {
    const srv = server;
    if (srv === undefined) return;
    const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
    srv.closeIdleConnections();
    const remaining = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), remaining);
    });
    const result = await Promise.race([closed, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      logger.warn({}, 'in-flight requests did not finish before the deadline; closing connections');
      srv.closeAllConnections();
      await closed;
    }
  }

  async function doStop(): Promise<void> {
    const deadline = Date.now() + config.http.shutdownTimeoutMs;
    readiness = 'stopping';
    state.markDown();
    logger.info({}, 'artemis node stopping');
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['cluster leave', () => cluster.leave(Math.floor(config.http.shutdownTimeoutMs / 4))],
      ['http and websocket', async () => {
        const drainBy = deadline - Math.floor(config.http.shutdownTimeoutMs / 4);
        await Promise.all([drainHttp(drainBy), websocket.close(Math.max(0, drainBy - Date.now()))]);
      }],
      ['replication queues', () => replication.stop(deadline)],
      ['scheduler', () => scheduler.stop()],
      ['discovery', () => discovery.stop()],
      ['management store', () => management.stop()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        logger.error({ ...errorFields(err), step: name }, 'shutdown step failed');
      }
    }
    logger.info({}, 'artemis node stopped');
    logger.flush();
  }

  return {
    config,
    app,
    router,
    metrics,
    scheduler,
    repository: repo,
    registry,
    bus,
    state,
    discovery,
    websocket,
    management,
    cluster,
    replication,
    start,
    stop: () => (stopping ??= doStop()),
    readiness: () => readiness,
  };
}
