import type { Context } from 'hono';
import { EncodedBody } from '../cache/encoded-body.js';
import { registryCopy, type RegistryCopyDeps } from '../discovery/registry-copy.js';
import { readZoneRequest, type ZoneRequest } from '../discovery/discovery-messages.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { requiredQuery, sendEncoded } from './discovery-routes.js';

export interface ReplicationRoutesDeps extends RegistryCopyDeps {
  maxBodyBytes: number;
  gzipMinBytes: number;
}

async function zoneRequest(c: Context, maxBytes: number): Promise<ZoneRequest | null> {
  if (c.req.method !== 'GET') return readZoneRequest(await readJsonBody(c, maxBytes));
  return { regionId: requiredQuery(c, 'regionId'), zoneId: c.req.query('zoneId') ?? null };
}

/** /api/replication/registry/services.json (spec 3.4): the raw registry, for starting peers. */
export function replicationRoutes(router: ApiRouter, deps: ReplicationRoutesDeps): void {
  router.getAndPost('/api/replication/registry/services.json', async (c) => {
    const text = registryCopy(deps, await zoneRequest(c, deps.maxBodyBytes));
    return sendEncoded(c, new EncodedBody(Buffer.from(text)), deps.gzipMinBytes);
  });
}
