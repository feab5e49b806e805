import { BadRequestError } from '../../core/errors.js';
import { ErrorCodes } from '../../core/error-codes.js';
import { RATE_LIMITED, SUCCESS, failStatus } from '../../core/response-status.js';
import { canServeDiscovery, canServeRegistry, type ServiceNodeStatus } from '../../core/wire/cluster.js';
import { readObject, readString } from '../../core/wire/json-reader.js';
import type { ClusterManager } from '../../cluster/cluster-manager.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { wire, type Endpoint, type EndpointInput } from '../endpoint.js';
import { REGION_QUERY, ZONE_QUERY } from './discovery.js';
import { GetMembersResponse, GossipRequest, GossipResponse } from '../openapi/cold-schemas.js';

export interface ClusterEndpointsDeps {
  clusterStatuses: () => ServiceNodeStatus[];
  /** Membership: gossip exchanges and the member table (extensions of the Java API). */
  cluster: Pick<ClusterManager, 'handleGossip' | 'members'>;
  /** Replication queue depth per peer, shown beside the members. */
  queueDepths: () => Map<string, number>;
  limiter: RateLimiter;
}

export const ClusterFailures = {
  noNodes: 'No available service nodes.',
  badGossip: 'request.members must be a list of members.',
} as const;

async function callerZone(input: EndpointInput): Promise<{ regionId: string | null; zoneId: string | null }> {
  if (input.method === 'GET') return { regionId: input.query('regionId') ?? null, zoneId: input.query('zoneId') ?? null };
  const body = readObject(await input.body(), 'request');
  const out = { regionId: null as string | null, zoneId: null as string | null };
  if (body === null) return out;
  for (const key of Object.keys(body)) {
    const k = key.toLowerCase();
    if (k === 'regionid') out.regionId = readString(body[key], 'request.regionId');
    else if (k === 'zoneid') out.zoneId = readString(body[key], 'request.zoneId');
  }
  return out;
}

/** /api/cluster/*: the nodes clients may use for registry and discovery, and membership. */
export function clusterEndpoints(deps: ClusterEndpointsDeps): Endpoint[] {
  const nodesEndpoint = (
    name: string,
    operationId: string,
    summary: string,
    capable: (s: ServiceNodeStatus) => boolean,
    allowOther: (s: ServiceNodeStatus) => boolean,
  ): Endpoint => ({
    operationId,
    path: `/api/cluster/${name}.json`,
    methods: ['GET', 'POST'],
    tag: 'cluster',
    summary,
    query: [REGION_QUERY, ZONE_QUERY],
    request: 'GetServiceNodesRequest',
    response: 'GetServiceNodesResponse',
    failures: [ClusterFailures.noNodes],
    rateLimit: 'cluster',
    access: 'public',
    handle: async (input) => {
      if (!deps.limiter.tryAcquire(name)) return wire({ nodes: null, responseStatus: RATE_LIMITED });
      const caller = await callerZone(input);
      // Zone matching is exact (case-sensitive), as the reference's node lists are.
      const nodes = deps
        .clusterStatuses()
        .filter((s) => capable(s) && (allowOther(s) || (s.node.zone.regionId === caller.regionId && s.node.zone.zoneId === caller.zoneId)))
        .map((s) => s.node);
      if (nodes.length === 0) return wire({ nodes: null, responseStatus: failStatus(ErrorCodes.dataNotFound, ClusterFailures.noNodes) });
      return wire({ nodes, responseStatus: SUCCESS });
    },
  });
  return [
    nodesEndpoint('up-registry-nodes', 'getUpRegistryNodes', 'List the nodes that can serve registry.', canServeRegistry, (s) => s.allowRegistryFromOtherZone === true),
    nodesEndpoint('up-discovery-nodes', 'getUpDiscoveryNodes', 'List the nodes that can serve discovery.', canServeDiscovery, (s) => s.allowDiscoveryFromOtherZone === true),
    {
      operationId: 'getClusterNodes',
      path: '/api/cluster/nodes.json',
      methods: ['GET', 'POST'],
      tag: 'cluster',
      summary: 'List every node of the cluster: gossip members and static peers.',
      query: [REGION_QUERY, ZONE_QUERY],
      request: 'GetServiceNodesRequest',
      response: 'GetServiceNodesResponse',
      rateLimit: 'none',
      access: 'public',
      handle: () => wire({ nodes: deps.clusterStatuses().map((s) => s.node), responseStatus: SUCCESS }),
    },
    {
      operationId: 'gossip',
      path: '/api/cluster/gossip.json',
      methods: ['POST'],
      tag: 'cluster',
      summary: 'Exchange member tables (push and pull in one call).',
      request: GossipRequest,
      response: GossipResponse,
      failures: [ClusterFailures.badGossip],
      bareFailure: true,
      rateLimit: 'none',
      access: 'peer-only',
      handle: async (input) => {
        const answer = deps.cluster.handleGossip(await input.body());
        if (answer === null) throw new BadRequestError(ClusterFailures.badGossip);
        return wire({ ...answer, responseStatus: SUCCESS });
      },
    },
    {
      operationId: 'getMembers',
      path: '/api/cluster/members.json',
      methods: ['GET'],
      tag: 'cluster',
      summary: 'List the members this node knows, with gossip state and replication queue.',
      response: GetMembersResponse,
      rateLimit: 'none',
      access: 'public',
      handle: () => {
        const depths = deps.queueDepths();
        const members = deps.cluster.members().map((m) => ({ ...m, replicationQueue: depths.get(m.url) ?? null }));
        return wire({ members, responseStatus: SUCCESS });
      },
    },
  ];
}
