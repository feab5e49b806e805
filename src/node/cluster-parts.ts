import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { TaskScheduler } from '../core/scheduler.js';
import { ClusterManager } from '../cluster/cluster-manager.js';
import type { NodeState } from '../cluster/node-state.js';
import { CLUSTER_SECRET_HEADER, PeerHttp, type PeerLinkFilter } from '../cluster/peer-http.js';
import type { SeedResolver } from '../cluster/seeds.js';
import { httpTransport, withHeaders, type ReplicationTransport } from '../replication/transport.js';
import type { Logger } from '../telemetry/logger.js';
import type { NodeMetrics } from '../telemetry/metrics.js';

export interface ClusterPartsDeps {
  state: NodeState;
  clock: Clock;
  scheduler: TaskScheduler;
  logger: Logger;
  metrics: NodeMetrics;
  nodeId: () => string;
  peerFilter?: PeerLinkFilter | undefined;
  seedResolver?: SeedResolver | undefined;
  replicationTransport?: ReplicationTransport | undefined;
  /** This node's management store identity, gossiped to peers. */
  storeId?: () => string;
}

/** Calls to peers (secret, link filter), the membership with its metrics, and the replication transport over the same link rules. */
export function createClusterParts(config: Config, deps: ClusterPartsDeps) {
  const { metrics, peerFilter: filter } = deps;
  const peerHttp = new PeerHttp({ secret: config.cluster.secret, filter });
  const changes = new Counter({
    name: 'artemis_cluster_member_changes_total',
    help: 'Cluster member state changes seen by this node, by new state.',
    labelNames: ['to'],
    registers: [metrics.registry],
  });
  const cluster = new ClusterManager({
    settings: config.cluster, node: deps.state, clock: deps.clock, scheduler: deps.scheduler, http: peerHttp, logger: deps.logger,
    nodeId: deps.nodeId, resolver: deps.seedResolver, onEvent: (e) => changes.inc({ to: e.to }), storeId: deps.storeId,
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
  let transport = deps.replicationTransport ?? httpTransport;
  if (config.cluster.secret !== '') transport = withHeaders(transport, { [CLUSTER_SECRET_HEADER]: config.cluster.secret });
  if (filter !== undefined) {
    const inner = transport;
    transport = {
      send: (peer, ...rest) => (filter(peer) ? inner.send(peer, ...rest) : Promise.reject(new Error(`${peer}: link is cut`))),
    };
  }
  return { peerHttp, cluster, transport };
}
