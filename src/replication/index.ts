import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { Instance } from '../core/wire/instance.js';
import type { Scheduler } from '../core/scheduler.js';
import type { PeerHttp } from '../cluster/peer-http.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';
import { AntiEntropy, httpAntiEntropyClient, RegistryDigest } from './anti-entropy.js';
import type { PeerSource, StaticPeers } from './peers.js';
import { ReplicationManager } from './replication-manager.js';
import { copyRegistryFromPeers, type StartupSyncResult } from './startup-sync.js';
import type { ReplicationTransport } from './transport.js';

export { StaticPeers, type PeerSource } from './peers.js';
export { ReplicationManager } from './replication-manager.js';
export { AntiEntropy, RegistryDigest } from './anti-entropy.js';
export type { StartupSyncResult } from './startup-sync.js';

/** Peer replication of one node: the sending side, the start-up copy and anti-entropy. */
export interface Replication {
  /** The static peers (`cluster.peers`); `peers.set([...])` changes them at run time. */
  readonly peers: StaticPeers;
  readonly manager: ReplicationManager;
  readonly digest: RegistryDigest;
  readonly antiEntropy: AntiEntropy;
  /** Copies the registry from a peer (spec 9.5), then starts forwarding writes and repairing. */
  start(): Promise<StartupSyncResult>;
  /** Flushes the peer queues until `deadline` (epoch ms), then stops. */
  stop(deadline: number): Promise<void>;
}

/** What `createReplication` wires together. */
export interface ReplicationDeps {
  config: Config;
  registry: RegistryService;
  repository: RegistryRepository;
  bus: ChangeBus;
  clock: Clock;
  logger: Logger;
  scheduler: Scheduler;
  metricsRegistry: Registry;
  /** Live peers (membership and static peers). */
  peers: PeerSource;
  staticPeers: StaticPeers;
  /** Peers worth copying the registry from at start. */
  copySources: () => string[];
  http: PeerHttp;
  transport?: ReplicationTransport | undefined;
  /** With tracing on, replication requests carry the trace of the client writes they forward. */
  tracing?: Tracing;
}

/** Builds the replication part of a node; does no I/O until `start`. */
export function createReplication(deps: ReplicationDeps): Replication {
  const { config, registry } = deps;
  const logger = deps.logger.child({ component: 'replication' });
  const manager = new ReplicationManager({ ...deps, logger, config: config.replication });
  const repairing = config.replication.antiEntropyIntervalMs > 0;
  const digest = new RegistryDigest(deps.repository, deps.bus, deps.clock, config.replication.tombstoneTtlMs, repairing);
  const chunk = config.limits.maxInstancesPerRequest;
  const apply = (operation: 'register' | 'unregister', instances: readonly unknown[]) => {
    for (let i = 0; i < instances.length; i += chunk) {
      const answer = registry.handleReplicated(operation, { instances: instances.slice(i, i + chunk) });
      if (answer.responseStatus.status !== 'success') logger.warn({ operation, status: answer.responseStatus }, 'peer data partly refused');
    }
  };
  const repair = (copies: ReadonlyArray<{ instance: Instance; renewedAgoMs: number }>) => {
    apply('register', copies.map((c) => c.instance));
    const now = deps.clock.now();
    for (const c of copies) deps.repository.backdate(c.instance, now - c.renewedAgoMs);
  };
  const antiEntropy = new AntiEntropy({
    digest,
    peers: deps.peers,
    client: httpAntiEntropyClient(deps.http, config.replication.timeoutMs),
    sink: { register: repair, unregister: (list) => apply('unregister', list) },
    logger,
    metricsRegistry: deps.metricsRegistry,
  });
  return {
    peers: deps.staticPeers,
    manager,
    digest,
    antiEntropy,
    async start() {
      const result = await copyRegistryFromPeers({
        peers: deps.copySources(),
        regionId: config.regionId,
        timeoutMs: config.replication.startupSyncTimeoutMs,
        headers: deps.http.headers(),
        allows: (url) => deps.http.allows(url),
        apply: (instances) => apply('register', instances),
        logger,
      });
      manager.start();
      const every = config.replication.antiEntropyIntervalMs;
      if (every > 0) deps.scheduler.add({ name: 'replication.anti-entropy', intervalMs: every, jitter: 0.2, run: () => antiEntropy.round() });
      return result;
    },
    stop: (deadline) => manager.stop(deadline),
  };
}
