import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Lifecycle } from '../core/lifecycle.js';
import type { Instance } from '../core/wire/instance.js';
import type { TaskScheduler } from '../core/scheduler.js';
import type { PeerHttp } from '../cluster/peer-http.js';
import type { StaticPeers } from '../cluster/static-peers.js';
import type { ChangeBus } from '../registry/change-bus.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';
import { AntiEntropy, httpAntiEntropyClient, RegistryDigest } from './anti-entropy.js';
import type { PeerSource } from './peers.js';
import { ReplicationManager } from './replication-manager.js';
import type { ReplicationSettings } from './settings.js';
import { copyRegistryFromPeers } from './startup-sync.js';
import type { ReplicationTransport } from './transport.js';

export { StaticPeers } from '../cluster/static-peers.js';
export type { PeerSource } from './peers.js';
export { ReplicationManager } from './replication-manager.js';
export { AntiEntropy, RegistryDigest } from './anti-entropy.js';
export type { ReplicationSettings } from './settings.js';
export type { StartupSyncResult } from './startup-sync.js';

/**
 * Peer replication of one node: the sending side, the start-up copy and anti-entropy. As a
 * part of the node, `start` starts forwarding client writes and `stop` flushes the peer queues;
 * the start-up copy is a part of its own (`startupCopy`), started once the node has joined.
 */
export interface Replication extends Lifecycle {
  /** The static peers (`cluster.peers`); `peers.set([...])` changes them at run time. */
  readonly peers: StaticPeers;
  readonly manager: ReplicationManager;
  readonly digest: RegistryDigest;
  readonly antiEntropy: AntiEntropy;
  /** Copies the registry from a peer (spec 9.5); anti-entropy rounds run from then on. */
  readonly startupCopy: Lifecycle;
  /** Starts forwarding client writes to the live peers. */
  start(): void;
  /** Flushes the peer queues until `deadline` (epoch ms), then stops. */
  stop(deadline: number): Promise<void>;
}

/** What `createReplication` wires together. */
export interface ReplicationDeps {
  settings: ReplicationSettings;
  /** This node's region: the start-up copy asks for its services. */
  regionId: string;
  /** Copied and repaired instances are applied in chunks of this many (`limits.maxInstancesPerRequest`). */
  maxInstancesPerRequest: number;
  registry: RegistryService;
  repository: RegistryRepository;
  bus: ChangeBus;
  clock: Clock;
  logger: Logger;
  /** Runs anti-entropy rounds (registered here, run after the start-up copy). */
  scheduler: TaskScheduler;
  metricsRegistry: Registry;
  /** Live peers (membership and static peers). */
  peers: PeerSource;
  staticPeers: StaticPeers;
  /** Peers worth copying the registry from at start. */
  copySources: () => string[];
  http: PeerHttp;
  transport: ReplicationTransport;
  /** With tracing on, replication requests carry the trace of the client writes they forward. */
  tracing?: Tracing;
}

/** Builds the replication part of a node; does no I/O until `start`. */
export function createReplication(deps: ReplicationDeps): Replication {
  const { settings, registry } = deps;
  const logger = deps.logger.child({ component: 'replication' });
  const manager = new ReplicationManager({ ...deps, logger, config: settings, tombstones: deps.repository.tombstones });
  const repairing = settings.antiEntropyIntervalMs > 0;
  const digest = new RegistryDigest(deps.repository, deps.bus, deps.clock);
  const chunk = deps.maxInstancesPerRequest;
  const apply = (operation: 'register' | 'unregister', instances: readonly unknown[], stamps?: ReadonlyArray<number | undefined>) => {
    for (let i = 0; i < instances.length; i += chunk) {
      const body = { instances: instances.slice(i, i + chunk), stamps: stamps?.slice(i, i + chunk) };
      const answer = registry.handleReplicated(operation, body);
      if (answer.responseStatus.status !== 'success') logger.warn({ operation, status: answer.responseStatus }, 'peer data partly refused');
    }
  };
  /** Registers copies (stale ones are refused), then gives each lease the age it had on the sender. */
  const registerCopies = (copies: ReadonlyArray<{ instance: unknown; stamp?: number | undefined; renewedAgoMs?: number | undefined }>) => {
    apply('register', copies.map((c) => c.instance), copies.map((c) => c.stamp));
    const now = deps.clock.now();
    for (const c of copies) if (c.renewedAgoMs !== undefined) deps.repository.backdate(c.instance as Instance, now - c.renewedAgoMs, c.stamp);
  };
  const antiEntropy = new AntiEntropy({
    digest,
    peers: deps.peers,
    client: httpAntiEntropyClient(deps.http, settings.timeoutMs),
    sink: {
      register: registerCopies,
      unregister: (list) => apply('unregister', list.map((t) => t.instance), list.map((t) => t.stamp)),
    },
    logger,
    metricsRegistry: deps.metricsRegistry,
  });
  let copied = false;
  if (repairing) {
    deps.scheduler.add({ name: 'replication.anti-entropy', intervalMs: settings.antiEntropyIntervalMs, jitter: 0.2, run: () => (copied ? antiEntropy.round() : undefined) });
  }
  const startupCopy: Lifecycle = {
    name: 'start-up copy',
    async start() {
      await copyRegistryFromPeers({
        peers: deps.copySources(),
        regionId: deps.regionId,
        timeoutMs: settings.startupSyncTimeoutMs,
        headers: (url) => deps.http.headers('GET', url),
        fetch: deps.http.fetch,
        allows: (url) => deps.http.allows(url),
        apply: (copy) => {
          registerCopies(copy.instances);
          apply('unregister', copy.tombstones.map((t) => t.instance), copy.tombstones.map((t) => t.stamp));
          // The baseline of self-preservation comes from the copy: what its peers' renewal rate
          // means for the leases it now holds.
          for (const table of [deps.repository.normal, deps.repository.legacy]) table.safety.seedBaseline(copy.renewalRates[table.name] ?? null, table.size);
        },
        logger,
      });
      copied = true;
    },
    stop() {
      copied = false;
    },
  };
  return {
    name: 'replication',
    peers: deps.staticPeers,
    manager,
    digest,
    antiEntropy,
    startupCopy,
    start: () => manager.start(),
    stop: (deadline) => manager.stop(deadline),
  };
}
