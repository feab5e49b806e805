import { z } from 'zod';
import { component, int32, int64, named } from './zod-components.js';

/** Status, operations, membership and anti-entropy messages (cold APIs), as zod schemas. */

const envelope = <T extends z.ZodRawShape>(description: string, shape: T) =>
  z.object({ ...shape, responseStatus: component('ResponseStatus') }).describe(description);

const properties = z
  .record(z.string(), z.string())
  .nullable()
  .describe('Property key to "{ key: <key>, value: <raw>, typedValue: <parsed> }".');
const sources = z.record(z.string(), int32()).nullable().describe('Configuration source id to priority.');

export const EmptyRequest = named('EmptyRequest', z.object({}).describe('No fields.'));

export const GetClusterNodeStatusResponse = named(
  'GetClusterNodeStatusResponse',
  envelope("This node's live status.", { nodeStatus: component('ServiceNodeStatus').nullable() }),
);

export const GetClusterStatusResponse = named(
  'GetClusterStatusResponse',
  envelope('Last known status of every configured node.', {
    nodeCount: int32('Number of entries in nodesStatus.'),
    nodesStatus: z.array(component('ServiceNodeStatus')).nullable(),
  }),
);

export const GetLeasesStatusRequest = named(
  'GetLeasesStatusRequest',
  z.object({ serviceIds: z.array(z.string()).nullable().optional() }).describe('Lease listing; null or empty serviceIds means all services.'),
);

export const GetLeasesStatusResponse = named(
  'GetLeasesStatusResponse',
  envelope('Leases and self-preservation counters of one lease manager.', {
    isSafe: z.boolean().describe('Self-preservation state (true when the checker is disabled).'),
    isSafeCheckEnabled: z.boolean().describe('Checker enabled.'),
    leaseCount: int32('Number of leases listed.'),
    leaseUpdateCountLastTimeWindow: int64('Renewals counted in the current window.'),
    leaseUpdateMaxCount: int64('Current maxCount baseline.'),
    leaseUpdateMaxCountLastUpdateTime: int64('When maxCount last changed, ms since the epoch.'),
    leases: z.record(z.string(), z.array(component('LeaseStatus'))).nullable().describe('serviceId to its non-evicted leases.'),
  }),
);

export const GetConfigStatusResponse = named('GetConfigStatusResponse', envelope('Effective server configuration.', { properties, sources }));

export const GetDeploymentStatusResponse = named(
  'GetDeploymentStatusResponse',
  envelope('Deployment settings of this node.', {
    appId: z.string().nullable().describe('app.id'),
    ip: z.string().nullable().describe('Detected local IPv4.'),
    machineName: z.string().nullable().describe('Local host name.'),
    path: z.string().nullable().describe('app.path'),
    port: int32('app.port (default 8080).'),
    properties: z.record(z.string(), z.string()).nullable().describe('app.id, region.id, zone.id and app.port.'),
    protocol: z.string().nullable().describe('app.protocol (default http).'),
    regionId: z.string().nullable().describe('region.id'),
    sources,
    zoneId: z.string().nullable().describe('zone.id'),
  }),
);

export const ErrorResponse = named(
  'ErrorResponse',
  z.object({ responseStatus: component('ResponseStatus') }).describe('Body of framework errors (400, 403, 405, 413, 415, 503).'),
);

export const ConnectionsResponse = named(
  'ConnectionsResponse',
  z
    .object({
      registry: z.string().describe('Open /ws/registry/heartbeat sessions.'),
      discovery: z.string().describe('Open /ws/discovery/instance-change sessions.'),
    })
    .describe('Open WebSocket sessions, as decimal strings.'),
);

export const HealthResponse = named('HealthResponse', z.object({ status: z.enum(['ok']).describe('Always "ok".') }).describe('Liveness.'));
export const ReadyResponse = named(
  'ReadyResponse',
  z
    .object({
      status: z.enum(['ready', 'starting', 'stopping', 'not-ready']).describe('Readiness state; not-ready: started, but its management store differs from its peers\'.'),
      reason: z.string().optional().describe('Why the node is not ready (not-ready only).'),
    })
    .describe('Readiness.'),
);
export const OpenApiDocument = named('OpenApiDocument', z.object({}).loose().describe('An OpenAPI 3.1 document.'));

const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'] as const;
const NODE_STATUSES = ['starting', 'up', 'down', 'unknown'] as const;

const ClusterMember = named(
  'ClusterMember',
  z
    .object({
      nodeId: z.string().describe('Node id.'),
      url: z.string().describe('URL peers and clients use for the node.'),
      incarnation: int64('Raised only by the member itself: at start and to refute a suspicion.'),
      heartbeat: int64('Raised by the member every gossip round.'),
      state: z.enum(MEMBER_STATES).describe('Membership state as the sender sees it.'),
      nodeStatus: component('ServiceNodeStatus'),
      storeId: z.string().optional().describe("Identity of the member's management store ('' while unknown); peers on another store make a node not ready."),
    })
    .describe('One member as gossiped between nodes.'),
);

export const GossipRequest = named('GossipRequest', z.object({ members: z.array(ClusterMember) }).describe("The sender's member table, itself first."));
export const GossipResponse = named(
  'GossipResponse',
  envelope("The receiver's member table after merging, itself first.", { members: z.array(ClusterMember) }),
);

const MemberView = named(
  'MemberView',
  z
    .object({
      nodeId: z.string().nullable().describe('Node id; null for static peers.'),
      url: z.string().describe('Node URL.'),
      source: z.enum(['self', 'gossip', 'static']).describe('How this node knows the member.'),
      state: z.enum([...MEMBER_STATES, 'polled', 'unknown']).describe('Gossip state, or the result of polling a static peer.'),
      status: z.enum(NODE_STATUSES).describe('The node status the member reports.'),
      regionId: z.string().nullable(),
      zoneId: z.string().nullable(),
      incarnation: int64('Incarnation (gossip members only).').nullable(),
      heartbeat: int64('Heartbeat counter (gossip members only).').nullable(),
      silentMs: int64('Milliseconds since the member was last heard from.').nullable(),
      replicationQueue: int32('Replication tasks queued for the member.').nullable(),
      storeId: z.string().nullable().optional().describe("The management store the member announces ('' unknown; null for static peers)."),
    })
    .describe('One row of the member table.'),
);

export const GetMembersResponse = named(
  'GetMembersResponse',
  envelope('This node first, then gossip members, then static peers.', { members: z.array(MemberView) }),
);

export const GetDigestsRequest = named(
  'GetDigestsRequest',
  z.object({ root: z.string().optional().describe('Root digest of the caller.') }).describe("The caller's root digest, if it has one."),
);
export const GetDigestsResponse = named(
  'GetDigestsResponse',
  envelope('Per-service digest: instance count and two order-independent content-hash sums.', {
    digests: z.record(z.string(), z.string()).nullable().describe('Canonical service key → digest; null when the caller sent the same root.'),
    root: z.string().describe('Digest of the whole registry.'),
  }),
);
export const GetDiffRequest = named('GetDiffRequest', z.object({ serviceIds: z.array(z.string()) }).describe('Services to compare.'));

const StampedInstance = named(
  'StampedInstance',
  z
    .object({
      instance: component('Instance'),
      stamp: int64('Order stamp (hybrid logical clock of the origin: epoch ms × 1000 plus a counter) of the registration; of the unregistration for a tombstone.'),
      renewedAgoMs: int64('Live instances only: milliseconds since the lease was last renewed on the sender.').optional(),
    })
    .describe('An instance with the order stamp of its registration or unregistration.'),
);
const ServiceDiff = named(
  'ServiceDiff',
  z
    .object({
      serviceId: z.string(),
      instances: z.array(StampedInstance),
      tombstones: z.array(StampedInstance).describe('Instances unregistered within replication.tombstoneTtlMs.'),
    })
    .describe('What the node holds of one service.'),
);
export const GetDiffResponse = named(
  'GetDiffResponse',
  envelope('Instances and tombstones of the services asked for.', { services: z.array(ServiceDiff) }),
);
