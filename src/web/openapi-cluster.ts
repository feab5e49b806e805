import { arr, envelope, int, map, nstr, obj, ref, str, strEnum, type Endpoint, type Json } from './openapi-schema.js';

/**
 * Membership and anti-entropy endpoints (extensions beside the Java cluster and replication
 * API). Only function declarations at top level, as in openapi-management.ts.
 */

export function clusterExtensionSchemas(): Json {
  const member = obj('One member as gossiped between nodes.', {
    nodeId: str('Node id.'),
    url: str('URL peers and clients use for the node.'),
    incarnation: int('int64', 'Raised only by the member itself: at start and to refute a suspicion.'),
    heartbeat: int('int64', 'Raised by the member every gossip round.'),
    state: strEnum(['alive', 'suspect', 'dead', 'left'], 'Membership state as the sender sees it.'),
    nodeStatus: ref('ServiceNodeStatus'),
  }, ['nodeId', 'url', 'incarnation', 'heartbeat', 'state', 'nodeStatus']);
  const memberView = obj('One row of the member table.', {
    nodeId: nstr('Node id; null for static peers.'),
    url: str('Node URL.'),
    source: strEnum(['self', 'gossip', 'static'], 'How this node knows the member.'),
    state: strEnum(['alive', 'suspect', 'dead', 'left', 'polled', 'unknown'], 'Gossip state, or the result of polling a static peer.'),
    status: strEnum(['starting', 'up', 'down', 'unknown'], 'The node status the member reports.'),
    regionId: nstr(),
    zoneId: nstr(),
    incarnation: { ...int('int64', 'Incarnation (gossip members only).'), nullable: true },
    heartbeat: { ...int('int64', 'Heartbeat counter (gossip members only).'), nullable: true },
    silentMs: { ...int('int64', 'Milliseconds since the member was last heard from.'), nullable: true },
    replicationQueue: { ...int('int32', 'Replication tasks queued for the member.'), nullable: true },
  });
  const stamped = obj('An instance with the local time of its registration or unregistration.', {
    instance: ref('Instance'),
    stamp: int('int64', 'Epoch milliseconds.'),
  });
  return {
    ClusterMember: member,
    GossipRequest: obj('The sender\'s member table, itself first.', { members: arr(ref('ClusterMember')) }, ['members']),
    GossipResponse: envelope('The receiver\'s member table after merging, itself first.', { members: arr(ref('ClusterMember')) }),
    MemberView: memberView,
    GetMembersResponse: envelope('This node first, then gossip members, then static peers.', { members: arr(ref('MemberView')) }),
    GetDigestsRequest: obj('The caller\'s root digest, if it has one.', { root: str('Root digest of the caller.') }),
    GetDigestsResponse: envelope('Per-service digest: instance count and two order-independent content-hash sums.', {
      digests: map({ type: 'string' }, true, 'Canonical service key → digest; null when the caller sent the same root.'),
      root: str('Digest of the whole registry.'),
    }),
    GetDiffRequest: obj('Services to compare.', { serviceIds: arr(str()) }, ['serviceIds']),
    ServiceDiff: obj('What the node holds of one service.', {
      serviceId: str(),
      instances: arr(ref('StampedInstance')),
      tombstones: arr(ref('StampedInstance'), false, 'Instances unregistered within replication.tombstoneTtlMs.'),
    }),
    StampedInstance: stamped,
    GetDiffResponse: envelope('Instances and tombstones of the services asked for.', { services: arr(ref('ServiceDiff')) }),
  };
}

export function clusterExtensionEndpoints(): Endpoint[] {
  const peerOnly = 'Peer call: with cluster.secret set it needs the x-artemis-cluster-secret header (or a trusted address), else HTTP 403 no-permission.';
  return [
    {
      path: '/api/cluster/gossip.json',
      tag: 'cluster',
      id: 'gossip',
      summary: 'Exchange member tables (push and pull in one call).',
      description: peerOnly,
      request: 'GossipRequest',
      response: 'GossipResponse',
    },
    {
      path: '/api/cluster/members.json',
      tag: 'cluster',
      id: 'getMembers',
      summary: 'List the members this node knows, with gossip state and replication queue.',
      response: 'GetMembersResponse',
      query: [],
    },
    {
      path: '/api/replication/registry/digest.json',
      tag: 'replication',
      id: 'getRegistryDigests',
      summary: 'Compact per-service digests of the registry (anti-entropy).',
      description: peerOnly,
      request: 'GetDigestsRequest',
      response: 'GetDigestsResponse',
      query: [],
    },
    {
      path: '/api/replication/registry/diff.json',
      tag: 'replication',
      id: 'getRegistryDiff',
      summary: 'Instances and recent tombstones of the given services (anti-entropy).',
      description: peerOnly,
      request: 'GetDiffRequest',
      response: 'GetDiffResponse',
    },
  ];
}
