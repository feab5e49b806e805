import type { DiscoveryService } from '../discovery/discovery-service.js';
import type { ApiRouter } from './api-router.js';
import { discoveryEndpoints } from './api/discovery.js';

/** Mounts the discovery table alone (for a router built outside the http layer). */
export function discoveryRoutes(router: ApiRouter, deps: { discovery: DiscoveryService; maxBodyBytes: number; gzipMinBytes: number }): void {
  router.mount(discoveryEndpoints({ discovery: deps.discovery }), { maxBodyBytes: deps.maxBodyBytes, gzipMinBytes: deps.gzipMinBytes });
}
