import { SUCCESS } from '../../core/response-status.js';
import { managementPath } from '../../core/wire/api-paths.js';
import { OPERATE_ZONE_OPERATIONS_FAILED, UPDATE_CANARY_IPS_FAILED, UPDATE_INSTANCE_FAILED, UPDATE_SERVER_FAILED, ZONE_OPERATIONS_EMPTY, CANARY_IPS_NULL } from '../../management/failures.js';
import type { ManagementReads } from '../../management/management-reads.js';
import type { ManagementService } from '../../management/management-service.js';
import { prop } from '../../management/requests.js';
import { wire, type Endpoint, type EndpointInput, type QueryParam } from '../endpoint.js';

/**
 * /api/management/** (management protocol sections 4, 5, 7): instance, server and zone operations
 * (pull-out / pull-in), canary IPs, and the management views. Groups are in groups.ts, logs in
 * management-logs.ts.
 */

export interface ManagementEndpointsDeps {
  service: ManagementService;
  reads: ManagementReads;
}

/** The text of the management tag in the document. */
export const MANAGEMENT_TAG_DESCRIPTION = [
  'Pull-out / pull-in of instances, servers, zones and groups; groups, weighted route rules, group tags and logical',
  'instances; canary IPs, management views and audit logs.',
  'Writes require the node to be up (service-unavailable otherwise); validation failures are bad-request with the',
  "reference's messages (under group/, the endpoint's failure text followed by the reason); instance, server and zone",
  'operations are identified ignoring letter case. A failed call answers HTTP 200 with only `responseStatus` in the body.',
].join(' ');

/** The handler of a management write: the body to the operation, then success (failures are thrown). */
export function written(op: (body: unknown) => Promise<void>): Endpoint['handle'] {
  return async (input) => {
    await op(await input.body());
    return wire({ responseStatus: SUCCESS });
  };
}

/** Description of a write: the node-up guard, then the validation and failure messages. */
function writeNotes(badRequest: string[], failure: string, extra?: string): string {
  return [
    'Requires the node to be up; otherwise service-unavailable ("Serivce is not in up state. …", sic).',
    `Validation failures are bad-request with the reference's messages: ${badRequest.map((m) => `"${m}"`).join(', ')};`,
    'a value longer than limits.maxFieldLength is bad-request too.',
    ...(extra === undefined ? [] : [extra]),
    `A store failure is internal-service-error "${failure}".`,
  ].join(' ');
}

const nullOrEmpty = (fields: string[]) => fields.map((f) => `${f} is null or empty`);
const keyed = (target: string, key: string[]) => [`request.${target}Key is null`, ...nullOrEmpty(['regionId', ...key, 'operation', 'operatorId'])];
const lookupNotes = (what: string, missing: string) => `${what} is identified ignoring letter case. A missing key is bad-request "${missing}".`;

const EXAMPLE_AUDIT = { operatorId: 'alice', token: 'ticket-42' };

type Spec = Omit<Endpoint, 'path' | 'tag' | 'methods' | 'rateLimit' | 'access'> & { name: string; methods?: Endpoint['methods'] };

function endpoint(s: Spec, access: Endpoint['access']): Endpoint {
  const { name, methods, ...rest } = s;
  // a failure answers HTTP 200 with only {responseStatus}
  return { ...rest, path: managementPath(name), methods: methods ?? ['POST'], tag: 'management', bareFailure: true, rateLimit: 'none', access };
}

/** The regionId of the "all" views: the query parameter of a GET, the body's property of a POST. */
async function regionOf(input: EndpointInput): Promise<string | null> {
  if (input.method === 'GET') return input.query('regionId') ?? null;
  const b = await input.body();
  const v = typeof b === 'object' && b !== null ? prop(b as Record<string, unknown>, 'regionId') : undefined;
  return typeof v === 'string' ? v.trim() : null;
}

function writes(deps: ManagementEndpointsDeps): Spec[] {
  const s = deps.service;
  const response = 'ManagementWriteResponse';
  return [
    {
      name: 'operate-instance',
      operationId: 'operateInstance',
      summary: 'Pull an instance out or back in.',
      notes: writeNotes(keyed('instance', ['serviceId', 'instanceId']), UPDATE_INSTANCE_FAILED),
      request: 'OperateInstanceRequest',
      response,
      requestExample: { instanceKey: { instanceId: '10.1.2.3:8080', regionId: 'SHA', serviceId: 'demo.order' }, operation: 'pullout', operationComplete: false, ...EXAMPLE_AUDIT },
      failures: [UPDATE_INSTANCE_FAILED],
      handle: written((b) => s.operateInstance(b)),
    },
    {
      name: 'operate-server',
      operationId: 'operateServer',
      summary: 'Pull every instance of a server out or back in.',
      notes: writeNotes(keyed('server', ['serverId']), UPDATE_SERVER_FAILED),
      request: 'OperateServerRequest',
      response,
      failures: [UPDATE_SERVER_FAILED],
      handle: written((b) => s.operateServer(b)),
    },
    {
      name: 'zone/operate-zone-operations',
      operationId: 'operateZoneOperations',
      summary: 'Pull the instances of services in zones out or back in.',
      notes: writeNotes(
        [...nullOrEmpty(['operatorId', 'regionId', 'serviceId', 'zoneId']), ZONE_OPERATIONS_EMPTY],
        OPERATE_ZONE_OPERATIONS_FAILED,
        'The zoneKey parts are required only when adding; more pairs than limits.maxZoneOperations is bad-request.',
      ),
      request: 'OperateZoneOperationsRequest',
      response,
      failures: [OPERATE_ZONE_OPERATIONS_FAILED],
      handle: written((b) => s.operateZones(b)),
    },
    {
      name: 'canary/update-canary-ips',
      operationId: 'updateCanaryIps',
      summary: 'Set the canary IPs of an application of a service.',
      notes: writeNotes(
        [...nullOrEmpty(['serviceId', 'appId']), CANARY_IPS_NULL],
        UPDATE_CANARY_IPS_FAILED,
        'More IPs than limits.maxCanaryIps is bad-request. As in the reference, a blank operation, operatorId or token,' +
          ` or "extensions": null, is internal-service-error "${UPDATE_CANARY_IPS_FAILED}".`,
      ),
      request: 'UpdateCanaryIpsRequest',
      response,
      requestExample: { appId: '100001', canaryIps: ['10.1.2.3:8080', '10.1.2.4:8080'], operation: 'update-canary-ips', ...EXAMPLE_AUDIT, reason: 'canary v2', serviceId: 'demo.order' },
      failures: [UPDATE_CANARY_IPS_FAILED],
      handle: written((b) => s.updateCanaryIps(b)),
    },
  ];
}

function reads(deps: ManagementEndpointsDeps): Spec[] {
  const r = deps.reads;
  const region: QueryParam = { name: 'regionId', description: 'Exact (case-sensitive) region; absent or blank means all.' };
  const all = 'Served from the cache; regionId filters exactly (case-sensitive), blank means all. Always succeeds.';
  const ignored = (name: string): QueryParam => ({ name, description: 'Accepted and ignored.' });
  const view = (f: (b: unknown) => object) => async (input: EndpointInput) => wire(f(await input.body()));
  return [
    { name: 'instance-operations', operationId: 'getInstanceOperations', summary: 'Get the active operations of an instance.', notes: lookupNotes('The instance', 'request.instanceKey is null'), request: 'InstanceKeyRequest', response: 'InstanceOperationsResponse', handle: view((b) => r.instanceOperations(b)) },
    {
      name: 'all-instance-operations',
      methods: ['GET', 'POST'],
      operationId: 'getAllInstanceOperations',
      summary: 'List every instance with active operations.',
      notes: all,
      request: 'ManagementRegionRequest',
      response: 'AllInstanceOperationsResponse',
      query: [region],
      handle: async (input) => wire(r.allInstanceOperations(await regionOf(input))),
    },
    {
      name: 'instance-down',
      operationId: 'isInstanceDown',
      summary: 'Tell whether an instance is pulled out (by an instance, server, zone or group operation).',
      notes: 'Matching ignores letter case. A missing instance is bad-request "request.instance is null".',
      request: 'InstanceDownRequest',
      response: 'DownResponse',
      handle: view((b) => r.instanceDown(b)),
    },
    { name: 'server-operations', operationId: 'getServerOperations', summary: 'Get the active operations of a server.', notes: lookupNotes('The server', 'request.serverKey is null'), request: 'ServerKeyRequest', response: 'ServerOperationsResponse', handle: view((b) => r.serverOperations(b)) },
    {
      name: 'all-server-operations',
      methods: ['GET', 'POST'],
      operationId: 'getAllServerOperations',
      summary: 'List every server with active operations.',
      notes: all,
      request: 'ManagementRegionRequest',
      response: 'AllServerOperationsResponse',
      query: [region],
      handle: async (input) => wire(r.allServerOperations(await regionOf(input))),
    },
    { name: 'server-down', operationId: 'isServerDown', summary: 'Tell whether a server is pulled out.', notes: lookupNotes('The server', 'request.serverKey null'), request: 'ServerKeyRequest', response: 'DownResponse', handle: view((b) => r.serverDown(b)) },
    { name: 'zone/get-all-zone-operations', operationId: 'getAllZoneOperations', summary: 'List every zone with active operations.', notes: 'Served from the cache; regionId is ignored. Always succeeds.', request: 'ManagementRegionRequest', response: 'AllZoneOperationsResponse', handle: view(() => r.allZoneOperations()) },
    { name: 'zone/get-zone-operations', operationId: 'getZoneOperations', summary: 'Get the active operations of a zone of a service.', notes: lookupNotes('The zone', 'request.zoneKey is null'), request: 'ZoneKeyRequest', response: 'ZoneOperationsResponse', handle: view((b) => r.zoneOperations(b)) },
    {
      name: 'zone/get-zone-operations-list',
      operationId: 'getZoneOperationsList',
      summary: 'List the zones with active operations that match filters.',
      notes: 'Filters are compared ignoring letter case; blank filters are ignored. Always succeeds.',
      request: 'ZoneOperationsListRequest',
      response: 'ZoneOperationsListResponse',
      handle: view((b) => r.zoneOperationsList(b)),
    },
    { name: 'zone/is-zone-down', operationId: 'isZoneDown', summary: 'Tell whether a zone of a service is pulled out.', notes: lookupNotes('The zone', 'request.zoneKey is null'), request: 'ZoneKeyRequest', response: 'DownResponse', handle: view((b) => r.isZoneDown(b)) },
    {
      name: 'services',
      methods: ['GET', 'POST'],
      operationId: 'getManagementServices',
      summary: 'List every registered service, pulled-out instances marked down.',
      notes: 'Unlike discovery, pulled-out instances are kept, with status "down". Always succeeds.',
      request: 'GetServicesRequest',
      response: 'ManagementServicesResponse',
      query: [ignored('regionId'), ignored('zoneId')],
      handle: async (input) => {
        if (input.method === 'POST') await input.body();
        return wire(r.services());
      },
    },
    {
      name: 'service',
      operationId: 'getManagementService',
      summary: 'Get one service, pulled-out instances marked down, with its groups and canary groups.',
      notes: 'A blank serviceId is bad-request "Request is null or request.servcieId is null." (sic).',
      request: 'ManagementServiceRequest',
      response: 'ManagementServiceResponse',
      handle: view((b) => r.service(b)),
    },
  ];
}

/** The endpoints of instance, server and zone operations, canary IPs and the management views. */
export function managementEndpoints(deps: ManagementEndpointsDeps): Endpoint[] {
  return [...writes(deps).map((s) => endpoint(s, 'management-write')), ...reads(deps).map((s) => endpoint(s, 'read'))];
}
