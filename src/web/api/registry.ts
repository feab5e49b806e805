import type { RegistryResponse } from '../../core/wire/registry-messages.js';
import type { ClientRateLimiter } from '../../ratelimit/rate-limiter.js';
import {
  RATE_LIMITED_RESPONSE_JSON,
  RegistryFailures,
  SUCCESS_RESPONSE,
  SUCCESS_RESPONSE_JSON,
  type RegistryOperation,
  type RegistryService,
} from '../../registry/registry-service.js';
import { CapacityFailures } from '../../registry/capacity.js';
import { json, wire, type Answer, type Endpoint } from '../endpoint.js';
import { REGISTRY_REQUEST_EXAMPLE } from '../openapi/examples.js';

export interface RegistryEndpointsDeps {
  registry: RegistryService;
  clientLimiter: ClientRateLimiter;
}

/** The success answer as text: node:http writes a short string body together with the headers, in one write. */
const SUCCESS_TEXT = SUCCESS_RESPONSE_JSON.toString('utf8');

/** The success answer, shared by every successful write (an answer is only read; not frozen, so it keeps the shape of the others). */
const SUCCESS_ANSWER: Readonly<Answer> = json(SUCCESS_TEXT);
/** The answer to a caller over its per-client rate limit, shared. */
const RATE_LIMITED_ANSWER: Readonly<Answer> = json(RATE_LIMITED_RESPONSE_JSON);

/** The answer to a registry write: the shared success bytes, or the response serialised. */
export function registryAnswer(response: RegistryResponse): Answer {
  return response === SUCCESS_RESPONSE ? SUCCESS_ANSWER : wire(response);
}

const F = RegistryFailures;
/** Failure texts of the client-facing registry writes. */
export const REGISTRY_WRITE_FAILURES = [F.requestNull, F.instancesEmpty, F.notUp, F.resuming, F.regionMismatch, F.zoneMismatch] as const;

const OPERATIONS: ReadonlyArray<{ operation: RegistryOperation; type: string; summary: string; failures: readonly string[] }> = [
  { operation: 'register', type: 'Register', summary: 'Register instances and create fresh leases.', failures: [...REGISTRY_WRITE_FAILURES, ...Object.values(CapacityFailures)] },
  { operation: 'heartbeat', type: 'Heartbeat', summary: 'Renew the leases of instances.', failures: [...REGISTRY_WRITE_FAILURES, F.instanceNotFound] },
  { operation: 'unregister', type: 'Unregister', summary: 'Unregister instances (leases are evicted).', failures: REGISTRY_WRITE_FAILURES },
];

/** POST /api/registry/{register,heartbeat,unregister}.json (spec 3.2); served by the direct way in (web/direct-path.ts) in production. */
export function registryEndpoints(deps: RegistryEndpointsDeps): Endpoint[] {
  return OPERATIONS.map(({ operation, type, summary, failures }) => ({
    operationId: operation,
    path: `/api/registry/${operation}.json`,
    methods: ['POST'],
    tag: 'registry',
    summary,
    notes: 'Limited per client address first (rateLimit.perClient), then per operation; registrations also by the capacity limits (limits.maxInstances, maxInstancesPerService, maxInstancesPerClient, maxRegistrationsPerClientPerSecond). Instances that fail are listed in failedInstances with partial_fail.',
    request: `${type}Request`,
    response: `${type}Response`,
    requestExample: REGISTRY_REQUEST_EXAMPLE,
    failures,
    rateLimit: 'registry',
    access: 'register',
    // a continuation of the body read, not an async function: one promise less per request.
    // The handler runs as a promise continuation (not a callback of the body's end), so it keeps
    // the request's trace context.
    handle: (input) => {
      const client = input.clientAddress;
      if (!deps.clientLimiter.tryAcquire(client)) return RATE_LIMITED_ANSWER;
      return input.body().then((body) => registryAnswer(deps.registry.handle(operation, body, true, client)));
    },
  }));
}
