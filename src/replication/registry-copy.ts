import { SUCCESS_JSON, serviceJson } from '../cache/wire-json.js';
import { RATE_LIMITED } from '../core/response-status.js';
import { makeService } from '../core/wire/service.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import type { NodeGate } from '../registry/registry-service.js';
import { regionProblem } from '../discovery/discovery-access.js';
import { NULL_REQUEST_STATUS, listFailureJson, type ZoneRequest } from '../discovery/discovery-messages.js';

export interface RegistryCopyDeps {
  repository: RegistryRepository;
  node: NodeGate;
  limiter: RateLimiter;
}

const RATE_LIMITED_JSON = listFailureJson(RATE_LIMITED);
const NULL_REQUEST_JSON = listFailureJson(NULL_REQUEST_STATUS);

/** Every stored service with its raw instances (no filters), as replication GetServicesResponse text. */
export function registryServicesJson(repository: RegistryRepository): string {
  const parts: string[] = [];
  for (const [, entry] of repository.serviceEntries()) {
    parts.push(serviceJson(makeService(entry.serviceId, Array.from(entry.leases.values(), (l) => l.instance))));
  }
  return `{"responseStatus":${SUCCESS_JSON},"services":[${parts.join(',')}]}`;
}

/**
 * `/api/replication/registry/services.json` (spec 3.4): rate limit `get-services`, no node gate,
 * region check only, then the whole registry as a starting peer copies it.
 */
export function registryCopy(deps: RegistryCopyDeps, request: ZoneRequest | null): string {
  if (!deps.limiter.tryAcquire('get-services')) return RATE_LIMITED_JSON;
  if (request === null) return NULL_REQUEST_JSON;
  const problem = regionProblem(deps.node, request.regionId);
  return problem === null ? registryServicesJson(deps.repository) : listFailureJson(problem);
}
