import { Registry } from 'prom-client';
import type { Clock } from '../../src/core/clock.js';
import type { ServiceNodeStatus } from '../../src/core/wire/cluster.js';
import { makeInstance, type Instance } from '../../src/core/wire/instance.js';
import { HybridClock } from '../../src/lease/hybrid-clock.js';
import { LeaseManager } from '../../src/lease/lease-manager.js';
import { SelfPreservation } from '../../src/lease/self-preservation.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { ChangeBus } from '../../src/registry/change-bus.js';
import { RegistryRepository } from '../../src/registry/registry-repository.js';
import { RegistryService, type RegistryOperation as Op } from '../../src/registry/registry-service.js';
import { Tombstones } from '../../src/registry/tombstones.js';
import { ReplicationManager } from '../../src/replication/replication-manager.js';
import { readPeerAnswer, replicationBody, type ReplicationTransport } from '../../src/replication/transport.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SELF_PRESERVATION } from './lease-clock.js';
import { instance } from './node.js';

/**
 * In-process registries of a node each (repository, pipeline, optionally the sending side of
 * replication), for deterministic tests of ordering: every node has a wall clock of its own
 * (`t.ms`, moved by hand) and peers are joined by links that a test cuts and heals.
 */

const up: ServiceNodeStatus = {
  allowDiscoveryFromOtherZone: true,
  allowRegistryFromOtherZone: true,
  canServiceDiscovery: true,
  canServiceRegistry: true,
  node: { url: 'http://node', zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } },
  status: 'up',
};

const SERVICE_ID = 'demo.order';
const LEASE_TTL_MS = 20_000;

export const inst = (id: string): Instance => makeInstance(instance({ instanceId: id, url: `http://x/${id}` }));

/** One node's registry: `t.ms` is its wall clock (nodes of one test may disagree). */
export function registryNode(t: { ms: number }, resuming = () => false) {
  const clock: Clock = { now: () => t.ms };
  const normal = new LeaseManager('instance', { ttlMs: LEASE_TTL_MS }, clock, new SelfPreservation(SELF_PRESERVATION, clock));
  const legacy = new LeaseManager('legacy-instance', { ttlMs: 90_000 }, clock, new SelfPreservation(SELF_PRESERVATION, clock));
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const repository = new RegistryRepository(normal, legacy, bus, clock, new HybridClock(clock), new Tombstones(clock, 120_000));
  const applied: Array<[string, string, number]> = [];
  const service = new RegistryService({
    repository,
    node: { status: up, regionId: 'SHA', zoneId: 'sha-z1' },
    limiter: new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 1_000_000, limits: {} }, 10_000, clock),
    limits: { maxInstancesPerRequest: 100, maxFieldLength: 256, maxMetadataEntries: 16, maxMetadataBytes: 4_096 },
    onUnexpected: (err) => {
      throw err;
    },
    resuming,
  });
  service.onApplied((op, i, stamp) => applied.push([op, i.instanceId as string, stamp]));
  const ids = () => [...(repository.service(SERVICE_ID)?.leases.values() ?? [])].filter((l) => l.evictionTime === 0).map((l) => l.instance.instanceId);
  const client = (op: Op, id: string) => service.handle(op, { instances: [inst(id)] });
  const replicated = (op: Op, id: string, stamp?: number) =>
    service.handleReplicated(op, stamp === undefined ? { instances: [inst(id)] } : { instances: [inst(id)], stamps: [stamp] });
  /** The stamp this node's last client write of `id` was forwarded with. */
  const stampOf = (id: string) => applied.filter(([, i]) => i === id).at(-1)?.[2] ?? 0;
  return { clock, repository, service, normal, ids, client, replicated, stampOf };
}

type RegistryNode = ReturnType<typeof registryNode>;

/**
 * Links between in-process nodes by URL: a cut link fails every request on it, as a partition
 * does; requests on a live link go through the receiver's replication pipeline, with the body
 * the HTTP transport would send.
 */
export class Links {
  private readonly nodes = new Map<string, RegistryNode>();
  private readonly cut = new Set<string>();
  /** Every request that reached a peer: `from>to op id@stamp`. */
  readonly delivered: string[] = [];

  add(url: string, node: RegistryNode): void {
    this.nodes.set(url, node);
  }

  set(a: string, b: string, up: boolean): void {
    for (const k of [`${a}>${b}`, `${b}>${a}`]) if (up) this.cut.delete(k);
    else this.cut.add(k);
  }

  transport(from: string): ReplicationTransport {
    return {
      send: (peer, operation, instances, _timeoutMs, _headers, stamps) => {
        const node = this.nodes.get(peer);
        if (node === undefined || this.cut.has(`${from}>${peer}`)) return Promise.reject(new Error(`link ${from}>${peer} is cut`));
        instances.forEach((i, k) => this.delivered.push(`${from}>${peer} ${operation} ${String(i.instanceId)}@${stamps?.[k] ?? 0}`));
        const answer = node.service.handleReplicated(operation, JSON.parse(replicationBody(instances, stamps)));
        return Promise.resolve(readPeerAnswer(answer));
      },
    };
  }
}

/** The sending side of replication of `node` (at `url`) to `peers`, over `links`. */
export function replicationOf(node: RegistryNode, url: string, peers: string[], links: Links) {
  const manager = new ReplicationManager({
    registry: node.service,
    peers: { peers: () => peers, onChange: () => undefined },
    config: { maxQueue: 1_000, maxBatch: 100, batchDelayMs: 1, timeoutMs: 100, taskTtlMs: 60_000, startupSyncTimeoutMs: 0, antiEntropyIntervalMs: 0, tombstoneTtlMs: 120_000 },
    clock: node.clock,
    metricsRegistry: new Registry(),
    logger: silentLogger,
    transport: links.transport(url),
    baseBackoffMs: 2,
    maxBackoffMs: 5,
    tombstones: node.repository.tombstones,
  });
  manager.start();
  return manager;
}
