import type { NodeStatusText, ServiceNodeStatus } from '../core/wire/cluster.js';
import type { Member, MemberState, Membership } from './membership.js';
import type { NodeState } from './node-state.js';
import { polledStatus, type StaticPeerPoller } from './static-peer-poller.js';
import { normalizePeerUrl, type StaticPeers } from './static-peers.js';

/** One row of `members.json` and `artemis cluster status`. */
export interface MemberView {
  nodeId: string | null;
  url: string;
  source: 'self' | 'gossip' | 'static';
  state: MemberState | 'polled' | 'unknown';
  status: NodeStatusText;
  regionId: string | null;
  zoneId: string | null;
  incarnation: number | null;
  heartbeat: number | null;
  /** Milliseconds since the member was last heard from; null for this node and static peers. */
  silentMs: number | null;
  /** The management store the member announces ('' unknown); null for static peers. */
  storeId: string | null;
}

/** What the views read: this node, the gossip table, the static peers and their polled status. */
export interface ClusterViewSource {
  node: NodeState;
  selfUrl: string;
  membership: Membership | null;
  staticPeers: StaticPeers;
  poller: StaticPeerPoller;
}

function unknownStatus(url: string, regionId: string | null, zoneId: string | null, status: NodeStatusText = 'unknown'): ServiceNodeStatus {
  const flag = status === 'down' ? false : null;
  return {
    allowDiscoveryFromOtherZone: null,
    allowRegistryFromOtherZone: null,
    canServiceDiscovery: flag,
    canServiceRegistry: flag,
    node: { url, zone: { metadata: null, regionId, zoneId } },
    status,
  };
}

function memberStatus(x: Member): ServiceNodeStatus {
  const zone = x.nodeStatus.node.zone;
  if (x.state === 'alive') return { ...x.nodeStatus, node: { ...x.nodeStatus.node, url: x.url } };
  return unknownStatus(x.url, zone.regionId, zone.zoneId, x.state === 'left' ? 'down' : 'unknown');
}

/**
 * Status of every node of the cluster as the Java views show it: this node first, then the
 * other nodes of its zone, then the other zones. Suspect and dead members show `unknown`,
 * departed ones `down`.
 */
export function clusterStatuses(src: ClusterViewSource): ServiceNodeStatus[] {
  const self = src.node.status;
  const seen = new Set<string>([src.selfUrl]);
  const rest: ServiceNodeStatus[] = [];
  // When two node ids claim one URL (a node recreated under a new id), the livelier wins.
  const rank: Record<MemberState, number> = { alive: 0, suspect: 1, left: 2, dead: 3 };
  const members = [...(src.membership?.others() ?? [])].sort((x, y) => rank[x.state] - rank[y.state]);
  for (const x of members) {
    const url = normalizePeerUrl(x.url);
    if (seen.has(url)) continue;
    seen.add(url);
    rest.push(memberStatus(x));
  }
  for (const url of src.staticPeers.peers()) {
    if (seen.has(url)) continue;
    seen.add(url);
    rest.push(polledStatus(src.poller.get(url)) ?? unknownStatus(url, src.node.regionId, null));
  }
  const localZone = (s: ServiceNodeStatus) => s.node.zone.zoneId === src.node.zoneId;
  return [self, ...rest.filter(localZone), ...rest.filter((s) => !localZone(s))];
}

/** Every member with its gossip state, for `members.json`. */
export function memberViews(src: ClusterViewSource, now: number): MemberView[] {
  const self = src.membership?.self;
  const status = src.node.status;
  const out: MemberView[] = [
    {
      nodeId: self?.nodeId ?? null, url: src.selfUrl, source: 'self', state: self?.state ?? 'alive', status: status.status,
      regionId: status.node.zone.regionId, zoneId: status.node.zone.zoneId,
      incarnation: self?.incarnation ?? null, heartbeat: self?.heartbeat ?? null, silentMs: null, storeId: self?.storeId ?? null,
    },
  ];
  for (const x of src.membership?.others() ?? []) {
    out.push({
      nodeId: x.nodeId, url: x.url, source: 'gossip', state: x.state, status: x.nodeStatus.status,
      regionId: x.nodeStatus.node.zone.regionId, zoneId: x.nodeStatus.node.zone.zoneId,
      incarnation: x.incarnation, heartbeat: x.heartbeat, silentMs: Math.max(0, now - x.lastHeardAt), storeId: x.storeId,
    });
  }
  for (const url of src.staticPeers.peers()) {
    const polled = polledStatus(src.poller.get(url));
    out.push({
      nodeId: null, url, source: 'static', state: polled === null ? 'unknown' : 'polled', status: polled?.status ?? 'unknown',
      regionId: polled?.node.zone.regionId ?? null, zoneId: polled?.node.zone.zoneId ?? null,
      incarnation: null, heartbeat: null, silentMs: null, storeId: null,
    });
  }
  return out;
}
