import type { Context } from 'hono';
import { EncodedBody } from '../cache/encoded-body.js';
import { registryCopy, type RegistryCopyDeps } from '../replication/registry-copy.js';
import { readZoneRequest, type ZoneRequest } from '../discovery/discovery-messages.js';
import {
  SUCCESS_RESPONSE,
  SUCCESS_RESPONSE_JSON,
  type RegistryOperation,
  type RegistryService,
} from '../registry/registry-service.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { requiredQuery, sendEncoded } from './discovery-routes.js';
import { sendJsonBytes, sendWire } from './respond.js';

export interface ReplicationRoutesDeps extends RegistryCopyDeps {
  /** Applies replicated writes (replication limiter, no node gate, region check only). */
  registry: RegistryService;
  maxBodyBytes: number;
  gzipMinBytes: number;
  /** With tracing on, applying a replicated batch gets an `artemis.replication.apply` span. */
  tracing?: Tracing;
}

async function zoneRequest(c: Context, maxBytes: number): Promise<ZoneRequest | null> {
  if (c.req.method !== 'GET') return readZoneRequest(await readJsonBody(c, maxBytes));
  return { regionId: requiredQuery(c, 'regionId'), zoneId: c.req.query('zoneId') ?? null };
}

/**
 * The peer replication API (spec 3.4): `services.json`, the raw registry for starting peers,
 * and `register.json` / `heartbeat.json` / `unregister.json`, writes forwarded by a peer, which
 * are applied locally and never forwarded again.
 */
export function replicationRoutes(router: ApiRouter, deps: ReplicationRoutesDeps): void {
  router.getAndPost('/api/replication/registry/services.json', async (c) => {
    const text = registryCopy(deps, await zoneRequest(c, deps.maxBodyBytes));
    return sendEncoded(c, new EncodedBody(Buffer.from(text)), deps.gzipMinBytes);
  });
  const write = (operation: RegistryOperation) => async (c: Context) => {
    const body = await readJsonBody(c, deps.maxBodyBytes);
    const tracing = deps.tracing;
    const response =
      tracing?.enabled === true
        ? tracing.inSpan('artemis.replication.apply', { 'artemis.replication.operation': operation }, (span) => {
            const answer = deps.registry.handleReplicated(operation, body, true);
            span?.setAttribute('artemis.response_status', answer.responseStatus.status);
            return answer;
          })
        : deps.registry.handleReplicated(operation, body, true);
    return response === SUCCESS_RESPONSE ? sendJsonBytes(c, SUCCESS_RESPONSE_JSON) : sendWire(c, response);
  };
  for (const operation of ['register', 'heartbeat', 'unregister'] as const) {
    router.post(`/api/replication/registry/${operation}.json`, write(operation));
  }
}
