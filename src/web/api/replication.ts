import { EncodedBody } from '../../cache/encoded-body.js';
import { readZoneRequest, type ZoneRequest } from '../../discovery/discovery-messages.js';
import { registryCopy, type RegistryCopyDeps } from '../../replication/registry-copy.js';
import { RegistryFailures, type RegistryOperation, type RegistryService } from '../../registry/registry-service.js';
import type { Tracing } from '../../telemetry/tracing.js';
import { encoded, type Endpoint, type EndpointInput } from '../endpoint.js';
import { REGISTRY_REQUEST_EXAMPLE } from '../openapi/examples.js';
import { ZONE_QUERY } from './discovery.js';
import { registryAnswer } from './registry.js';

export interface ReplicationEndpointsDeps extends RegistryCopyDeps {
  /** Applies replicated writes (replication limiter, no node gate, region check only). */
  registry: RegistryService;
  /** With tracing on, applying a replicated batch gets an `artemis.replication.apply` span. */
  tracing?: Tracing;
}

async function zoneRequest(input: EndpointInput): Promise<ZoneRequest | null> {
  if (input.method !== 'GET') return readZoneRequest(await input.body());
  return { regionId: input.requiredQuery('regionId'), zoneId: input.query('zoneId') ?? null };
}

const F = RegistryFailures;
const WRITES: ReadonlyArray<{ operation: RegistryOperation; type: string; summary: string }> = [
  { operation: 'register', type: 'Register', summary: 'Apply instances a peer registered (never forwarded again).' },
  { operation: 'heartbeat', type: 'Heartbeat', summary: 'Apply heartbeats a peer received; a missing instance is registered.' },
  { operation: 'unregister', type: 'Unregister', summary: 'Apply unregistrations a peer received.' },
];

/**
 * The peer replication API (spec 3.4): `services.json`, the raw registry for starting peers,
 * and `register.json` / `heartbeat.json` / `unregister.json`, writes forwarded by a peer, which
 * are applied locally and never forwarded again.
 */
export function replicationEndpoints(deps: ReplicationEndpointsDeps): Endpoint[] {
  const apply = (operation: RegistryOperation, body: unknown) => {
    const tracing = deps.tracing;
    if (tracing?.enabled !== true) return deps.registry.handleReplicated(operation, body, true);
    return tracing.inSpan('artemis.replication.apply', { 'artemis.replication.operation': operation }, (span) => {
      const answer = deps.registry.handleReplicated(operation, body, true);
      span?.setAttribute('artemis.response_status', answer.responseStatus.status);
      return answer;
    });
  };
  // Java peers call all of these (unsigned, from cluster.trustedAddresses).
  const common = { tag: 'replication', access: 'peer-only', javaPeer: true } as const;
  return [
    ...WRITES.map(({ operation, type, summary }): Endpoint => ({
      ...common,
      operationId: `replication${type}`,
      path: `/api/replication/registry/${operation}.json`,
      methods: ['POST'],
      summary,
      request: `${type}Request`,
      response: `${type}Response`,
      requestExample: REGISTRY_REQUEST_EXAMPLE,
      failures: [F.requestNull, F.instancesEmpty, F.regionMismatch],
      rateLimit: 'replication',
      handle: async (input) => registryAnswer(apply(operation, await input.body())),
    })),
    {
      ...common,
      operationId: 'replicationGetServices',
      path: '/api/replication/registry/services.json',
      methods: ['GET', 'POST'],
      summary: 'Copy every registered service (used by starting peers).',
      query: [
        { name: 'regionId', description: 'Region of the caller; must equal the node region.', required: true },
        ZONE_QUERY,
        { name: 'leaseState', description: 'true: the answer also carries leaseState (order stamps, lease ages, tombstones, renewal rates).' },
      ],
      request: 'ReplicationGetServicesRequest',
      response: 'ReplicationGetServicesResponse',
      failures: [F.regionMismatch],
      rateLimit: 'replication',
      handle: async (input) =>
        encoded(new EncodedBody(Buffer.from(registryCopy(deps, await zoneRequest(input), input.query('leaseState') === 'true')))),
    },
  ];
}
