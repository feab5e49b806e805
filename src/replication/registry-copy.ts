import { SUCCESS_JSON, instanceJson, serviceJson } from '../cache/wire-json.js';
import { RATE_LIMITED } from '../core/response-status.js';
import { makeService } from '../core/wire/service.js';
import type { Lease } from '../lease/lease-manager.js';
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
export function registryServicesJson(repository: RegistryRepository, withLeaseState = false): string {
  const parts: string[] = [];
  const states: string[] = [];
  const now = repository.clock.now();
  for (const [, entry] of repository.serviceEntries()) {
    const leases = Array.from(entry.leases.values());
    parts.push(serviceJson(makeService(entry.serviceId, leases.map((l) => l.instance))));
    if (withLeaseState) states.push(`[${leases.map((l) => leaseStateJson(l, now)).join(',')}]`);
  }
  const services = `"responseStatus":${SUCCESS_JSON},"services":[${parts.join(',')}]`;
  if (!withLeaseState) return `{${services}}`;
  const rate = (table: RegistryRepository['normal']) => JSON.stringify(table.safety.renewalRate(table.size));
  const tombstones = Array.from(repository.tombstones.values(), (t) => `{"instance":${instanceJson(t.instance)},"stamp":${t.stamp}}`);
  const leaseState =
    `{"renewalRates":{"instance":${rate(repository.normal)},"legacy-instance":${rate(repository.legacy)}},` +
    `"services":[${states.join(',')}],"tombstones":[${tombstones.join(',')}]}`;
  return `{"leaseState":${leaseState},${services}}`;
}

/** `[stamp, renewedAgoMs]` of a live lease; null for one unregistered and not swept yet (its tombstone says it). */
function leaseStateJson(lease: Lease, now: number): string {
  if (lease.evictionTime > 0) return 'null';
  return `[${lease.incarnation},${Math.max(0, now - lease.renewalTime)}]`;
}

/**
 * `/api/replication/registry/services.json` (spec 3.4): rate limit `get-services`, no node gate,
 * region check only, then the whole registry as a starting peer copies it. With `leaseState`
 * (asked for by nodes of this implementation; Java peers neither ask nor read it) the answer also
 * carries each lease's order stamp and age, the tombstones and the renewal rates, so the copy
 * keeps how long ago every instance was renewed and which unregistrations are done.
 */
export function registryCopy(deps: RegistryCopyDeps, request: ZoneRequest | null, withLeaseState = false): string {
  if (!deps.limiter.tryAcquire('get-services')) return RATE_LIMITED_JSON;
  if (request === null) return NULL_REQUEST_JSON;
  const problem = regionProblem(deps.node, request.regionId);
  return problem === null ? registryServicesJson(deps.repository, withLeaseState) : listFailureJson(problem);
}
