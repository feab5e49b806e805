import type { Context } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { RATE_LIMITED, SUCCESS, failStatus } from '../core/response-status.js';
import { canServeDiscovery, canServeRegistry, type ServiceNodeStatus } from '../core/wire/cluster.js';
import { readObject, readString } from '../core/wire/json-reader.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ClusterManager } from '../cluster/cluster-manager.js';
import { BadRequestError } from '../core/errors.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendWire } from './respond.js';

export interface ClusterRoutesDeps {
  clusterStatuses: () => ServiceNodeStatus[];
  /** Membership: gossip exchanges and the member table (extensions of the Java API). */
  cluster: Pick<ClusterManager, 'handleGossip' | 'members'>;
  /** Replication queue depth per peer, shown beside the members. */
  queueDepths: () => Map<string, number>;
  limiter: RateLimiter;
  maxBodyBytes: number;
}

async function callerZone(c: Context, maxBytes: number): Promise<{ regionId: string | null; zoneId: string | null }> {
  if (c.req.method === 'GET') return { regionId: c.req.query('regionId') ?? null, zoneId: c.req.query('zoneId') ?? null };
  const body = readObject(await readJsonBody(c, maxBytes), 'request');
  const out = { regionId: null as string | null, zoneId: null as string | null };
  if (body === null) return out;
  for (const key of Object.keys(body)) {
    const k = key.toLowerCase();
    if (k === 'regionid') out.regionId = readString(body[key], 'request.regionId');
    else if (k === 'zoneid') out.zoneId = readString(body[key], 'request.zoneId');
  }
  return out;
}

/** /api/cluster/*: the nodes clients may use for registry and discovery. */
export function clusterRoutes(router: ApiRouter, deps: ClusterRoutesDeps): void {
  const upNodes = (identity: string, capable: (s: ServiceNodeStatus) => boolean, allowOther: (s: ServiceNodeStatus) => boolean) =>
    async (c: Context) => {
      if (!deps.limiter.tryAcquire(identity)) return sendWire(c, { nodes: null, responseStatus: RATE_LIMITED });
      const caller = await callerZone(c, deps.maxBodyBytes);
      // Zone matching is exact (case-sensitive), as the reference's node lists are.
      const nodes = deps
        .clusterStatuses()
        .filter((s) => capable(s) && (allowOther(s) || (s.node.zone.regionId === caller.regionId && s.node.zone.zoneId === caller.zoneId)))
        .map((s) => s.node);
      if (nodes.length === 0) {
        return sendWire(c, { nodes: null, responseStatus: failStatus(ErrorCodes.dataNotFound, 'No available service nodes.') });
      }
      return sendWire(c, { nodes, responseStatus: SUCCESS });
    };
  router.getAndPost('/api/cluster/up-registry-nodes.json', upNodes('up-registry-nodes', canServeRegistry, (s) => s.allowRegistryFromOtherZone === true));
  router.getAndPost('/api/cluster/up-discovery-nodes.json', upNodes('up-discovery-nodes', canServeDiscovery, (s) => s.allowDiscoveryFromOtherZone === true));
  router.getAndPost('/api/cluster/nodes.json', (c) =>
    sendWire(c, { nodes: deps.clusterStatuses().map((s) => s.node), responseStatus: SUCCESS }),
  );
  router.post('/api/cluster/gossip.json', async (c) => {
    const answer = deps.cluster.handleGossip(await readJsonBody(c, deps.maxBodyBytes));
    if (answer === null) throw new BadRequestError('request.members must be a list of members.');
    return sendWire(c, { ...answer, responseStatus: SUCCESS });
  });
  router.get('/api/cluster/members.json', (c) => {
    const depths = deps.queueDepths();
    const members = deps.cluster.members().map((m) => ({ ...m, replicationQueue: depths.get(m.url) ?? null }));
    return sendWire(c, { members, responseStatus: SUCCESS });
  });
}
