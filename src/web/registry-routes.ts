import type { Context } from 'hono';
import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import {
  RATE_LIMITED_RESPONSE_JSON,
  SUCCESS_RESPONSE,
  SUCCESS_RESPONSE_JSON,
  type RegistryOperation,
  type RegistryService,
} from '../registry/registry-service.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { clientAddress } from './client-address.js';
import { sendJsonBytes, sendWire } from './respond.js';

export interface RegistryRoutesDeps {
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
  maxBodyBytes: number;
}


/** POST /api/registry/{register,heartbeat,unregister}.json */
export function registryRoutes(router: ApiRouter, deps: RegistryRoutesDeps): void {
  const handler = (operation: RegistryOperation) => async (c: Context) => {
    if (!deps.clientLimiter.tryAcquire(clientAddress(c))) return sendJsonBytes(c, RATE_LIMITED_RESPONSE_JSON);
    const body = await readJsonBody(c, deps.maxBodyBytes);
    const response = deps.registry.handle(operation, body, true);
    return response === SUCCESS_RESPONSE ? sendJsonBytes(c, SUCCESS_RESPONSE_JSON) : sendWire(c, response);
  };
  router.post('/api/registry/register.json', handler('register'));
  router.post('/api/registry/heartbeat.json', handler('heartbeat'));
  router.post('/api/registry/unregister.json', handler('unregister'));
}
