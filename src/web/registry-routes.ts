import type { ClientRateLimiter } from '../ratelimit/rate-limiter.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { ApiRouter } from './api-router.js';
import { registryEndpoints } from './api/registry.js';

/** Mounts the registry table alone (for a router built outside the http layer). */
export function registryRoutes(router: ApiRouter, deps: { registry: RegistryService; clientLimiter: ClientRateLimiter; maxBodyBytes: number }): void {
  router.mount(registryEndpoints({ registry: deps.registry, clientLimiter: deps.clientLimiter }), { maxBodyBytes: deps.maxBodyBytes, gzipMinBytes: Number.MAX_SAFE_INTEGER });
}
