import { RegistryFailures } from '../../registry/registry-service.js';
import type { DiscoveryService } from '../../discovery/discovery-service.js';
import {
  DiscoveryFailures,
  readGetServiceRequest,
  readGetServicesDeltaRequest,
  readLookupRequest,
  readZoneRequest,
  type GetServiceRequest,
} from '../../discovery/discovery-messages.js';
import { encoded, type Endpoint, type EndpointInput, type QueryParam } from '../endpoint.js';
import { GET_SERVICE_REQUEST_EXAMPLE, LOOKUP_REQUEST_EXAMPLE } from '../openapi/examples.js';

export interface DiscoveryEndpointsDeps {
  discovery: DiscoveryService;
}

export const REGION_QUERY: QueryParam = { name: 'regionId', description: 'Caller region.' };
export const ZONE_QUERY: QueryParam = { name: 'zoneId', description: 'Caller zone.' };

const GATE_FAILURES = [DiscoveryFailures.notUp, RegistryFailures.regionMismatch, RegistryFailures.zoneMismatch];

/** The request of GET service.json, from its query. */
function queryRequest(input: EndpointInput): GetServiceRequest {
  const serviceId = input.requiredQuery('serviceId');
  return {
    discoveryConfig: { discoveryData: null, regionId: null, serviceId, zoneId: null },
    regionId: input.query('regionId') ?? null,
    zoneId: input.query('zoneId') ?? null,
  };
}

/** /api/discovery/{lookup,service,services,services-delta}.json (spec 3.3): prepared bytes of the discovery cache. */
export function discoveryEndpoints(deps: DiscoveryEndpointsDeps): Endpoint[] {
  const { discovery } = deps;
  const common = { tag: 'discovery', rateLimit: 'none', access: 'read' } as const;
  return [
    {
      ...common,
      operationId: 'lookup',
      path: '/api/discovery/lookup.json',
      methods: ['POST'],
      summary: 'Look up several services at once.',
      request: 'LookupRequest',
      response: 'LookupResponse',
      requestExample: LOOKUP_REQUEST_EXAMPLE,
      failures: GATE_FAILURES,
      handle: async (input) => encoded(discovery.lookup(readLookupRequest(await input.body()))),
    },
    {
      ...common,
      operationId: 'getService',
      path: '/api/discovery/service.json',
      methods: ['GET', 'POST'],
      summary: 'Get one service with its filtered instances.',
      query: [{ name: 'serviceId', description: 'Service to get.', required: true }, REGION_QUERY, ZONE_QUERY],
      request: 'GetServiceRequest',
      response: 'GetServiceResponse',
      requestExample: GET_SERVICE_REQUEST_EXAMPLE,
      etag: true,
      failures: [...GATE_FAILURES, DiscoveryFailures.serviceRequestNull],
      // Synchronous for GET (nothing to wait for), so the answer is written without a promise.
      handle: (input) =>
        input.method === 'GET'
          ? encoded(discovery.getService(queryRequest(input)), true)
          : input.body().then((body) => encoded(discovery.getService(readGetServiceRequest(body)), true)),
    },
    {
      ...common,
      operationId: 'getServices',
      path: '/api/discovery/services.json',
      methods: ['GET', 'POST'],
      summary: 'Get the snapshot of all services.',
      query: [REGION_QUERY, ZONE_QUERY],
      request: 'GetServicesRequest',
      response: 'GetServicesResponse',
      etag: true,
      failures: [DiscoveryFailures.notUp],
      handle: (input) =>
        input.method === 'GET'
          ? encoded(discovery.getServices(), true)
          : input.body().then((body) => {
              readZoneRequest(body);
              return encoded(discovery.getServices(), true);
            }),
    },
    {
      ...common,
      operationId: 'getServicesDelta',
      path: '/api/discovery/services-delta.json',
      methods: ['POST'],
      summary: 'Get the changes since a snapshot version.',
      request: 'GetServicesDeltaRequest',
      response: 'GetServicesDeltaResponse',
      failures: [DiscoveryFailures.notUp, DiscoveryFailures.deltaNotFound],
      handle: async (input) => encoded(discovery.getServicesDelta(readGetServicesDeltaRequest(await input.body()))),
    },
  ];
}
