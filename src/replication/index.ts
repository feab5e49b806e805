import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { Logger } from '../telemetry/logger.js';
import { StaticPeers } from './peers.js';
import { ReplicationManager } from './replication-manager.js';
import { copyRegistryFromPeers, type StartupSyncResult } from './startup-sync.js';
import type { ReplicationTransport } from './transport.js';

export { StaticPeers, type PeerSource } from './peers.js';
export { ReplicationManager } from './replication-manager.js';
export type { StartupSyncResult } from './startup-sync.js';

/** Peer replication of one node: its peers, the sending side and the start-up copy. */
export interface Replication {
  /** The static `cluster.peers` list; `peers.set([...])` changes it at run time. */
  readonly peers: StaticPeers;
  readonly manager: ReplicationManager;
  /** Copies the registry from a peer (spec 9.5), then starts forwarding writes. */
  start(): Promise<StartupSyncResult>;
  /** Flushes the peer queues until `deadline` (epoch ms), then stops. */
  stop(deadline: number): Promise<void>;
}

/** What `createReplication` wires together. */
export interface ReplicationDeps {
  config: Config;
  registry: RegistryService;
  clock: Clock;
  logger: Logger;
  metricsRegistry: Registry;
  /** This node's own URL, known once it listens. */
  selfUrl: () => string;
  transport?: ReplicationTransport;
}

/** Builds the replication part of a node; does no I/O until `start`. */
export function createReplication(deps: ReplicationDeps): Replication {
  const { config, registry } = deps;
  const logger = deps.logger.child({ component: 'replication' });
  const peers = new StaticPeers(config.cluster.peers, deps.selfUrl);
  const manager = new ReplicationManager({ ...deps, logger, peers, config: config.replication });
  return {
    peers,
    manager,
    async start() {
      const result = await copyRegistryFromPeers({
        peers: peers.peers(),
        regionId: config.regionId,
        timeoutMs: config.replication.startupSyncTimeoutMs,
        apply: (instances) => {
          const answer = registry.handleReplicated('register', { instances });
          if (answer.responseStatus.status !== 'success') logger.warn({ status: answer.responseStatus }, 'start-up copy: part of the registry was refused');
        },
        logger,
      });
      manager.start();
      return result;
    },
    stop: (deadline) => manager.stop(deadline),
  };
}
