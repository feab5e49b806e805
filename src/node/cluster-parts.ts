import { readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/schema.js';
import { SETTING_WARNINGS } from '../config/setting-warnings.js';
import type { Clock } from '../core/clock.js';
import type { TaskTrigger } from '../core/scheduler.js';
import { ClusterManager } from '../cluster/cluster-manager.js';
import type { NodeState } from '../cluster/node-state.js';
import { PeerHttp, type PeerLinkFilter } from '../cluster/peer-http.js';
import { keyBytes, PeerSigner, PeerVerifier } from '../cluster/peer-signature.js';
import type { SeedResolver } from '../cluster/seeds.js';
import { createHttpTransport, type ReplicationTransport } from '../replication/transport.js';
import type { Logger } from '../telemetry/logger.js';
import type { TlsFiles, TlsMaterial } from './tls.js';
import type { NodeMetrics } from '../telemetry/metrics.js';

export interface ClusterPartsDeps {
  state: NodeState;
  clock: Clock;
  scheduler: TaskTrigger;
  logger: Logger;
  metrics: NodeMetrics;
  nodeId: () => string;
  peerFilter?: PeerLinkFilter | undefined;
  /** The node's TLS files: peer calls trust their CA and, with mutual TLS, present their certificate. */
  tls?: TlsFiles | null | undefined;
  seedResolver?: SeedResolver | undefined;
  replicationTransport?: ReplicationTransport | undefined;
  /** This node's management store identity, gossiped to peers. */
  storeId?: () => string;
}

/** The cluster key: cluster.key, or the contents of cluster.keyFile; '' for none. */
export function clusterKey(config: Config): string {
  const { key, keyFile } = config.cluster;
  if (keyFile === '') return key;
  let text: string;
  try {
    text = readFileSync(keyFile, 'utf8').trim();
  } catch (err) {
    throw new Error(`cluster.keyFile ${keyFile} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (text.length < 32) throw new Error(`cluster.keyFile ${keyFile}: a cluster key needs at least 32 characters`);
  return text;
}

/**
 * Calls to peers (signed with the cluster key, link filter), the check of incoming peer calls,
 * the membership with its metrics, and the replication transport over the same link rules.
 */
export function createClusterParts(config: Config, deps: ClusterPartsDeps) {
  const { metrics, peerFilter: filter } = deps;
  const key = clusterKey(config);
  const signer = new PeerSigner(key === '' ? null : keyBytes(key), deps.clock);
  const { maxClockSkewMs, nonceCacheSize, previousKeys } = config.cluster;
  const peerVerifier = key === '' ? null : new PeerVerifier({ keys: [key, ...previousKeys].map(keyBytes), maxClockSkewMs, nonceCacheSize }, deps.clock);
  if (key === '' && config.cluster.insecure) {
    deps.logger.warn({ key: 'cluster.insecure' }, `${SETTING_WARNINGS.insecureCluster} (development only)`);
  }
  const tls = deps.tls ?? null;
  const peerTls = (m: TlsMaterial) => (tls?.settings.mutual === true ? { ca: m.ca, cert: m.cert, key: m.key } : { ca: m.ca });
  const peerHttp = new PeerHttp({ signer, filter, tls: tls === null ? undefined : peerTls(tls.material) });
  tls?.onChange((m) => peerHttp.setTls(peerTls(m)));
  const changes = new Counter({
    name: 'artemis_cluster_member_changes_total',
    help: 'Cluster member state changes seen by this node, by new state.',
    labelNames: ['to'],
    registers: [metrics.registry],
  });
  const cluster = new ClusterManager({
    settings: config.cluster, node: deps.state, clock: deps.clock, scheduler: deps.scheduler, http: peerHttp, logger: deps.logger,
    nodeId: deps.nodeId, resolver: deps.seedResolver, onEvent: (e) => changes.inc({ to: e.to }), storeId: deps.storeId,
    onRefused: (reason) => metrics.gossipRefusals.inc({ reason }),
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
  // One signature per request, i.e. per operation of a batch, over its gzip bytes.
  let transport = deps.replicationTransport ?? createHttpTransport((method, url, body) => signer.headers(method, url, body), peerHttp.fetch);
  if (filter !== undefined) {
    const inner = transport;
    transport = {
      send: (peer, ...rest) => (filter(peer) ? inner.send(peer, ...rest) : Promise.reject(new Error(`${peer}: link is cut`))),
    };
  }
  return { peerHttp, peerVerifier, cluster, transport };
}
