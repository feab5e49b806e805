import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AccessPolicy } from '../auth/access-policy.js';
import type { Scope } from '../auth/scopes.js';
import type { TokenRegistry } from '../auth/token-registry.js';
import type { ClusterManager } from '../cluster/cluster-manager.js';
import type { NodeState } from '../cluster/node-state.js';
import type { PeerVerifier } from '../cluster/peer-signature.js';
import type { ConfigSourceName } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { LeaseManager } from '../lease/lease-manager.js';
import type { ManagementModule } from '../management/index.js';
import type { ClientRateLimiter, RateLimiter } from '../ratelimit/rate-limiter.js';
import type { StatusLimiters } from '../ratelimit/operator-limit.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { Replication } from '../replication/index.js';
import type { ManagementStore } from '../store/management-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { WebSocketLayer } from '../websocket/websocket-layer.js';
import { accessGuard, endpointAuthorizer } from './access.js';
import { antiEntropyEndpoints } from './api/anti-entropy.js';
import { clusterEndpoints } from './api/cluster.js';
import { consoleEndpoints } from './api/console.js';
import { discoveryEndpoints } from './api/discovery.js';
import { groupEndpoints } from './api/groups.js';
import { logEndpoints } from './api/management-logs.js';
import { managementEndpoints } from './api/management.js';
import { opsEndpoints, swaggerAssetEndpoints, type Readiness } from './api/ops.js';
import { registryEndpoints } from './api/registry.js';
import { replicationEndpoints } from './api/replication.js';
import { statusEndpoints } from './api/status.js';
import { storeStatusEndpoints, type StoreStatusView } from './api/store-status.js';
import { tokenEndpoints } from './api/tokens.js';
import type { ApiRouter } from './api-router.js';
import { withAccessLog } from './access-log.js';
import { browserSafety, CorsPolicy } from './browser-safety.js';
import { createDirectPath, DIRECT_OPERATIONS } from './direct-path.js';
import { openApiDocument } from './openapi/document.js';
import { peerAuth } from './peer-auth.js';
import { createWebApp } from './web-app.js';
import { TurnBudget } from '../core/turn-budget.js';

/** The parts of a node that its HTTP endpoints answer from. */
export interface HttpLayerDeps {
  config: Config;
  version: string;
  logger: Logger;
  metrics: NodeMetrics;
  tracing: Tracing;
  configOrigins: ReadonlyMap<string, ConfigSourceName>;
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
  limiters: { registry: RateLimiter; replication: RateLimiter; cluster: RateLimiter; status: StatusLimiters; group: RateLimiter };
  leaseTables: { normal: LeaseManager; legacy: LeaseManager };
  repository: RegistryRepository;
  state: NodeState;
  discovery: DiscoveryService;
  cluster: ClusterManager;
  replication: Replication;
  management: ManagementModule;
  store: ManagementStore;
  websocket: WebSocketLayer;
  /** Tokens and the access policy (node/security-parts.ts); `refused` counts refusals. */
  security: { tokens: TokenRegistry; policy: AccessPolicy; refused: (scope: Scope) => void };
  readiness: () => Readiness;
  /** The management store check: its status endpoint, and why a started node is not ready. */
  storeHealth: { status(): StoreStatusView; notReadyReason(): string | null };
  listenPort: () => number;
  /** Checks signed peer calls; null without a cluster key. */
  peerVerifier: PeerVerifier | null;
}

/** The `host[:port]` of a URL, '' when it is none. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

export interface HttpLayer {
  readonly app: Hono;
  readonly router: ApiRouter;
  /** The node:http request listener of the node's server. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Every HTTP endpoint of a node, mounted on one Hono app, and the request listener that serves it. */
export function createHttpLayer(deps: HttpLayerDeps): HttpLayer {
  const { config, logger, metrics, tracing, registry, clientLimiter, limiters, repository, state, discovery, cluster, replication, management, store, websocket } = deps;
  const isStopping = () => deps.readiness() === 'stopping';
  const { policy, refused } = deps.security;
  // Read and register checks run as a guard (both ways in), only when the settings ask for them.
  const mounted: { router?: ApiRouter } = {};
  const access = accessGuard(policy, (path) => mounted.router?.accessOf(path), refused);
  const authorize = endpointAuthorizer(policy, refused);
  const cors = new CorsPolicy(config.cors);
  const browser = browserSafety(cors, (reason) => metrics.browserRefusals.inc({ reason }));
  const guards0 = access === undefined ? [browser] : [browser, access];
  const { app, router, guards, errorAnswer } = createWebApp({ contextPath: config.contextPath, metrics, logger, isStopping, tracing, accessLog: config.log.accessLog, cors, guards: guards0, authorize });
  mounted.router = router;
  const maxBodyBytes = config.limits.maxBodyBytes;
  const gzipMinBytes = config.discovery.gzipMinBytes;
  const clusterStatuses = () => cluster.statuses();
  const peerCheck = peerAuth({
    verifier: deps.peerVerifier,
    insecure: config.cluster.insecure,
    trustedAddresses: config.cluster.trustedAddresses,
    names: () => [hostOf(state.self.url), ...config.cluster.aliases],
    requireClientCert: config.tls.mutual,
    onRefused: (reason) => metrics.peerRefusals.inc({ reason }),
  });
  const turns = new TurnBudget(config.http.turnSliceMs, config.http.maxWaitingBodies, undefined, metrics.tally(metrics.httpDeferredBodies, {}));
  const limits = { maxBodyBytes, gzipMinBytes, peerCheck, turns };
  router.mount(registryEndpoints({ registry, clientLimiter }), limits);
  router.mount(discoveryEndpoints({ discovery }), limits);
  router.mount(replicationEndpoints({ registry, repository, node: state, limiter: limiters.replication, tracing }), limits);
  router.mount(clusterEndpoints({ clusterStatuses, cluster, queueDepths: () => replication.manager.queueDepths(), limiter: limiters.cluster }), limits);
  router.mount(antiEntropyEndpoints({ digest: replication.digest, maxServices: config.limits.maxAntiEntropyServices }), limits);
  router.mount([...managementEndpoints(management), ...groupEndpoints(management.routing), ...logEndpoints({ store, logQueryLimit: config.management.logQueryLimit })], limits);
  router.mount(
    statusEndpoints({
      config,
      configOrigins: deps.configOrigins,
      nodeStatus: () => state.status,
      clusterStatuses,
      leaseTables: deps.leaseTables,
      limiter: limiters.status,
      listenPort: deps.listenPort,
    }),
    limits,
  );
  router.mount(tokenEndpoints({ tokens: deps.security.tokens, policy }), limits);
  const openApi = () => openApiDocument({ version: deps.version, contextPath: config.contextPath, endpoints: router.endpoints });
  router.mount(storeStatusEndpoints({ status: () => deps.storeHealth.status() }), limits);
  router.mount(
    opsEndpoints({ readiness: deps.readiness, notReadyReason: () => deps.storeHealth.notReadyReason(), metrics, openApi, connections: () => websocket.gateway.connections() }),
    limits,
  );
  router.mount(swaggerAssetEndpoints(), limits);
  router.mount(consoleEndpoints({ version: deps.version }), limits);

  const framework = getRequestListener(app.fetch);
  // The busiest endpoints take the direct way in, which runs the same guard chain and the same
  // endpoint handlers; with tracing on every request goes through the framework, which opens
  // the server spans.
  const direct = tracing.enabled
    ? () => false
    : createDirectPath({ router, operations: DIRECT_OPERATIONS, guards, corsEnabled: cors.enabled, metrics, errorAnswer });
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    if (!direct(req, res)) void framework(req, res);
  };
  const listener = config.log.accessLog ? withAccessLog(serve, logger, router) : serve;
  return { app, router, listener };
}
