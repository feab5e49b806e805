import { OPERATE_ZONE_OPERATIONS_FAILED, UPDATE_CANARY_IPS_FAILED, UPDATE_INSTANCE_FAILED, UPDATE_SERVER_FAILED } from '../management/failures.js';
import { LOG_ENDPOINTS } from '../management/management-logs.js';
import { groupManagementEndpoints, groupManagementSchemas } from './openapi-groups.js';
import { arr, bool, envelope, int, nstr, obj, ref, str, type Endpoint, type Json, type QueryParam } from './openapi-schema.js';

/**
 * The management part of the OpenAPI document (management protocol sections 4, 5, 7, 8): schemas
 * and endpoints of /api/management/**; section 6 (/api/management/group/**) is merged in from
 * openapi-groups.ts. openapi.ts imports this module and this module imports its schema helpers,
 * so only function declarations live at top level here: they are usable whichever of the two
 * modules is evaluated first.
 */

export function managementTagDescription(): string {
  return [
    'Pull-out / pull-in of instances, servers, zones and groups; groups, weighted route rules, group tags and logical',
    'instances; canary IPs, management views and audit logs.',
    'Writes require the node to be up (service-unavailable otherwise); validation failures are bad-request with the',
    "reference's messages (under group/, the endpoint's failure text followed by the reason); instance, server and zone",
    'operations are identified ignoring letter case. A failed call answers HTTP 200 with only `responseStatus` in the body.',
  ].join(' ');
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** "InstanceKey" → "instanceKey": the property a schema travels under. */
function propertyOf(schemaName: string): string {
  return schemaName.charAt(0).toLowerCase() + schemaName.slice(1);
}

/** "instance-operation-logs" → "InstanceOperation": the stem of a log endpoint's schema names. */
function logSchemaName(path: string): string {
  return path
    .replace(/-logs$/, '')
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function nullOrEmpty(fields: string[]): string[] {
  return fields.map((f) => `${f} is null or empty`);
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

/** Description of a read by key: case-insensitive lookup and the missing-key message. */
function lookupNotes(what: string, missing: string): string {
  return `${what} is identified ignoring letter case. A missing key is bad-request "${missing}".`;
}

/** What the management views do to a service, unlike discovery. */
function managementView(): string {
  return (
    'Pulled-out instances are kept with status "down", the others get "up"; metadata gains creationTime, renewalTime' +
    ' and ttl (ms, decimal strings); routeRules and logicInstances are set.'
  );
}

/** An id the reference stores as a number and this server may store as text (a canary group key). */
function strOrInt(description: string): Json {
  return { oneOf: [{ type: 'string' }, { type: 'integer', format: 'int64' }], description };
}

// ---------------------------------------------------------------------------
// Keys, operations and writes
// ---------------------------------------------------------------------------

function keySchema(description: string, properties: Json): Json {
  return obj(description, properties, Object.keys(properties));
}

function keySchemas(): Json {
  return {
    InstanceKey: keySchema('An instance; every part is compared ignoring letter case.', {
      instanceId: str('Instance id.'),
      regionId: str('Region id.'),
      serviceId: str('Service id.'),
    }),
    ServerKey: keySchema('A server (machine) of a region; both parts are compared ignoring letter case.', {
      regionId: str('Region id.'),
      serverId: str('IP address, as instances report it in Instance.ip.'),
    }),
    ZoneKey: keySchema('A zone of one service; every part is compared ignoring letter case.', {
      regionId: str('Region id.'),
      serviceId: str('Service id (a zone operation affects this service only).'),
      zoneId: str('Zone id.'),
    }),
  };
}

function operationsSchema(target: string, keyName: string): Json {
  const keyProp = propertyOf(keyName);
  return obj(
    `Active operations on one ${target}; the key is returned as first stored (original letter case).`,
    { [keyProp]: ref(keyName), operations: arr(str(), false, 'Distinct operation labels, sorted.') },
    [keyProp, 'operations'],
  );
}

/** Top-level fields shared by the operate requests. */
function operateFields(): Json {
  return {
    operationComplete: bool('false (default) adds the operation (pull-out); true completes it (pull-in).', true),
    operatorId: str('Who performs the change; required.'),
    token: nstr('Operator ticket; stored, never checked; defaults to "".'),
  };
}

function operateRequest(target: string, keyName: string): Json {
  const keyProp = propertyOf(keyName);
  return obj(
    `Add (pull-out) or complete (pull-in) one operation on ${target}.`,
    {
      [keyProp]: ref(keyName),
      operation: str('Operation label: any non-blank text, e.g. "pullout"; stored verbatim.'),
      ...operateFields(),
    },
    [keyProp, 'operation', 'operatorId'],
  );
}

function operationSchemas(): Json {
  return {
    ...keySchemas(),
    InstanceOperations: operationsSchema('instance', 'InstanceKey'),
    ServerOperations: operationsSchema('server', 'ServerKey'),
    ZoneOperations: operationsSchema('zone of a service', 'ZoneKey'),
    OperateInstanceRequest: operateRequest('an instance', 'InstanceKey'),
    OperateServerRequest: operateRequest('every instance of a server', 'ServerKey'),
    OperateZoneOperationsRequest: obj(
      'Add or complete operations on zones of services; the list is expanded into (zoneKey, operation) pairs.',
      {
        ...operateFields(),
        reason: nstr('Accepted, not stored.'),
        zoneOperationsList: arr(ref('ZoneOperations'), false, 'Entries without zoneKey, and blank labels, are skipped.'),
      },
      ['operatorId', 'zoneOperationsList'],
    ),
    UpdateCanaryIpsRequest: obj(
      "Make the canary IPs of one application of a service (in the node's region) exactly the given set.",
      {
        appId: str('Application id; names the canary group.'),
        canaryIps: arr(str(), false, 'Canary group members: they match instances with an equal instanceId. [] clears.'),
        extensions: nstr('Audit extensions (JSON text); omit it rather than sending null.'),
        operation: str('Free-text audit label, copied into the group-instance log.'),
        operatorId: str('Who performs the change.'),
        reason: nstr('Free text, copied into the group-instance log.'),
        serviceId: str('Service id.'),
        token: str('Operator ticket; stored, never checked.'),
      },
      ['appId', 'canaryIps', 'operation', 'operatorId', 'serviceId', 'token'],
    ),
    ManagementWriteResponse: envelope('Outcome of a management write.', {}),
  };
}

// ---------------------------------------------------------------------------
// Reads and views
// ---------------------------------------------------------------------------

function keyRequest(keyName: string): Json {
  const keyProp = propertyOf(keyName);
  return obj(`The ${keyProp} to look up.`, { [keyProp]: ref(keyName) }, [keyProp]);
}

function operationsResponse(target: string, schemaName: string): Json {
  return envelope(`Active operations of one ${target}.`, { operations: ref(schemaName, true, 'Null when none is active.') });
}

function listResponse(description: string, property: string, schemaName: string): Json {
  return envelope(description, { [property]: arr(ref(schemaName)) });
}

function readRequests(): Json {
  return {
    InstanceKeyRequest: keyRequest('InstanceKey'),
    ServerKeyRequest: keyRequest('ServerKey'),
    ZoneKeyRequest: keyRequest('ZoneKey'),
    ManagementRegionRequest: obj('Region filter of the "all" views.', {
      regionId: nstr('Exact (case-sensitive) region; blank or absent means all. Ignored by get-all-zone-operations.'),
    }),
    InstanceDownRequest: obj(
      'The instance to test; its regionId, serviceId, instanceId, ip and zoneId are used.',
      { instance: ref('Instance') },
      ['instance'],
    ),
    ZoneOperationsListRequest: obj('AND of the non-blank filters, ignoring letter case; none means all.', {
      regionId: nstr('Region id.'),
      serviceId: nstr('Service id.'),
      zoneId: nstr('Zone id.'),
    }),
    ManagementServiceRequest: obj(
      'One service; regionId and zoneId are accepted and ignored.',
      { regionId: nstr(), serviceId: str('Service id, required.'), zoneId: nstr() },
      ['serviceId'],
    ),
  };
}

function readResponses(): Json {
  return {
    InstanceOperationsResponse: operationsResponse('instance', 'InstanceOperations'),
    ServerOperationsResponse: operationsResponse('server', 'ServerOperations'),
    ZoneOperationsResponse: operationsResponse('zone', 'ZoneOperations'),
    AllInstanceOperationsResponse: listResponse('Instances being operated on.', 'allInstanceOperations', 'InstanceOperations'),
    AllServerOperationsResponse: listResponse('Servers being operated on.', 'allServerOperations', 'ServerOperations'),
    AllZoneOperationsResponse: listResponse('Zones being operated on.', 'allZoneOperations', 'ZoneOperations'),
    ZoneOperationsListResponse: listResponse('Zones matching the filters.', 'zoneOperationsList', 'ZoneOperations'),
    DownResponse: envelope('Whether the target is pulled out.', { down: bool('True while an operation takes it down.') }),
    ManagementServicesResponse: envelope('Every service with at least one lease; no instance is removed.', {
      services: arr(ref('Service'), false, managementView()),
      version: int('int64', 'Current server time, ms since the epoch.'),
    }),
    ManagementServiceResponse: envelope('One service as services.json shows it, plus its canary groups.', {
      groups: arr(ref('ServiceGroup'), false, 'One per canary app: groupKey, instanceIds (its IPs); other fields null.'),
      service: ref('Service', false, `${managementView()} instances is null when the service has no lease.`),
    }),
  };
}

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

/** Documented record fields per log endpoint, besides id, createTime and updateTime (spec section 8). */
function logRecordFields(path: string): string[] {
  const audit = ['operation', 'operatorId', 'token'];
  const fields: Record<string, string[]> = {
    'instance-operation-logs': ['regionId', 'serviceId', 'instanceId', ...audit, 'extensions', 'complete'],
    'server-operation-logs': ['regionId', 'serverId', ...audit, 'extensions', 'complete'],
    'group-operation-logs': ['groupId', ...audit, 'extensions', 'reason', 'complete'],
    'group-logs': ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', ...audit, 'extensions', 'reason'],
    'route-rule-logs': ['serviceId', 'name', 'status', ...audit, 'extensions', 'reason', 'complete'],
    'route-rule-group-logs': ['routeRuleId', 'groupId', 'weight', ...audit, 'extensions', 'reason'],
    'zone-operation-logs': ['regionId', 'serviceId', 'zoneId', ...audit, 'complete'],
    'group-instance-logs': ['groupId', 'instanceId', ...audit, 'reason'],
    'service-instance-logs': [
      ...['serviceId', 'instanceId', 'ip', 'machineName', 'metadata', 'port', 'protocol', 'regionId', 'zoneId'],
      ...['healthCheckUrl', 'url', 'groupId', ...audit],
    ],
  };
  return ['id', 'createTime', 'updateTime', ...(fields[path] ?? [])].sort();
}

function logFieldSchema(field: string): Json {
  switch (field) {
    case 'id':
      return int('int64', 'Row id, increasing per table.');
    case 'createTime':
    case 'updateTime':
      return int('int64', 'ms since the epoch.');
    case 'complete':
      return bool('false: the operation was added (pull-out); true: completed (pull-in).');
    case 'weight':
      return int('int32', undefined, true);
    case 'port':
      return int('int32');
    case 'groupId':
    case 'routeRuleId':
      return strOrInt('Group or route-rule id (the canary group key on canary rows).');
    case 'metadata':
      return str('The stored JSON text.');
    case 'operation':
      return str('Operation label, or the free-text audit operation.');
    default:
      return str();
  }
}

function logFilterSchema(field: string): Json {
  if (field === 'complete') return bool('Rows that added (false) or completed (true) an operation.', true);
  if (field === 'groupId' || field === 'routeRuleId') return strOrInt('Whole value; a string ignoring letter case.');
  return nstr('Whole value, ignoring letter case; blank means any.');
}

/** The Java reference swaps the operation and operatorId filters of service-instance-logs; this server does not. */
function logFilterNote(path: string): string {
  const note = 'Filters combined with AND; blank or null filters are ignored, none returns the whole table.';
  if (path !== 'service-instance-logs') return note;
  return `${note} operation and operatorId match their own columns (the Java reference swaps them here).`;
}

function logSchemas(): Json {
  const out: Json = {};
  for (const { path, filters } of LOG_ENDPOINTS) {
    const name = logSchemaName(path);
    const fields = logRecordFields(path);
    const filterSchemas = Object.fromEntries([...filters].sort().map((f) => [f, logFilterSchema(f)]));
    out[`${name}LogsRequest`] = obj(logFilterNote(path), filterSchemas);
    out[`${name}Log`] = {
      ...obj(
        `A row of the ${path.replace(/-logs$/, '')} log; rows may carry fields beyond those listed.`,
        Object.fromEntries(fields.map((f) => [f, logFieldSchema(f)])),
        ['createTime', 'id', 'updateTime'],
      ),
      additionalProperties: true,
    };
    out[`${name}LogsResponse`] = envelope('Matching rows, oldest first.', { logs: arr(ref(`${name}Log`)) });
  }
  return out;
}

export function managementSchemas(): Json {
  return { ...operationSchemas(), ...readRequests(), ...readResponses(), ...logSchemas(), ...groupManagementSchemas() };
}

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

function managementExamples(): Record<'operateInstance' | 'updateCanaryIps', Json> {
  const audit = { operatorId: 'alice', token: 'ticket-42' };
  return {
    operateInstance: {
      instanceKey: { instanceId: '10.1.2.3:8080', regionId: 'SHA', serviceId: 'demo.order' },
      operation: 'pullout',
      operationComplete: false,
      ...audit,
    },
    updateCanaryIps: {
      appId: '100001',
      canaryIps: ['10.1.2.3:8080', '10.1.2.4:8080'],
      operation: 'update-canary-ips',
      ...audit,
      reason: 'canary v2',
      serviceId: 'demo.order',
    },
  };
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

function endpoint(e: Omit<Endpoint, 'tag'>): Endpoint {
  return { ...e, path: `/api/management/${e.path}.json`, tag: 'management' };
}

function writeEndpoints(): Endpoint[] {
  const examples = managementExamples();
  const response = 'ManagementWriteResponse';
  const keyed = (target: string, key: string[]): string[] => [
    `request.${target}Key is null`,
    ...nullOrEmpty(['regionId', ...key, 'operation', 'operatorId']),
  ];
  return [
    endpoint({
      path: 'operate-instance',
      id: 'operateInstance',
      summary: 'Pull an instance out or back in.',
      description: writeNotes(keyed('instance', ['serviceId', 'instanceId']), UPDATE_INSTANCE_FAILED),
      request: 'OperateInstanceRequest',
      response,
      example: examples.operateInstance,
    }),
    endpoint({
      path: 'operate-server',
      id: 'operateServer',
      summary: 'Pull every instance of a server out or back in.',
      description: writeNotes(keyed('server', ['serverId']), UPDATE_SERVER_FAILED),
      request: 'OperateServerRequest',
      response,
    }),
    endpoint({
      path: 'zone/operate-zone-operations',
      id: 'operateZoneOperations',
      summary: 'Pull the instances of services in zones out or back in.',
      description: writeNotes(
        [...nullOrEmpty(['operatorId', 'regionId', 'serviceId', 'zoneId']), 'zoneOperationsList has no operation to apply'],
        OPERATE_ZONE_OPERATIONS_FAILED,
        'The zoneKey parts are required only when adding; more pairs than limits.maxZoneOperations is bad-request.',
      ),
      request: 'OperateZoneOperationsRequest',
      response,
    }),
    endpoint({
      path: 'canary/update-canary-ips',
      id: 'updateCanaryIps',
      summary: 'Set the canary IPs of an application of a service.',
      description: writeNotes(
        [...nullOrEmpty(['serviceId', 'appId']), 'canaryIps is null'],
        UPDATE_CANARY_IPS_FAILED,
        'More IPs than limits.maxCanaryIps is bad-request. As in the reference, a blank operation, operatorId or token,' +
          ' or "extensions": null, is internal-service-error "update canary ips".',
      ),
      request: 'UpdateCanaryIpsRequest',
      response,
      example: examples.updateCanaryIps,
    }),
  ];
}

function operationReadEndpoints(): Endpoint[] {
  const region: QueryParam = { name: 'regionId', description: 'Exact (case-sensitive) region; absent or blank means all.' };
  const all = 'Served from the cache; regionId filters exactly (case-sensitive), blank means all. Always succeeds.';
  return [
    endpoint({
      path: 'instance-operations',
      id: 'getInstanceOperations',
      summary: 'Get the active operations of an instance.',
      description: lookupNotes('The instance', 'request.instanceKey is null'),
      request: 'InstanceKeyRequest',
      response: 'InstanceOperationsResponse',
    }),
    endpoint({
      path: 'all-instance-operations',
      id: 'getAllInstanceOperations',
      summary: 'List every instance with active operations.',
      description: all,
      request: 'ManagementRegionRequest',
      response: 'AllInstanceOperationsResponse',
      query: [region],
    }),
    endpoint({
      path: 'instance-down',
      id: 'isInstanceDown',
      summary: 'Tell whether an instance is pulled out (by an instance, server or zone operation).',
      description: 'Matching ignores letter case. A missing instance is bad-request "request.instance is null".',
      request: 'InstanceDownRequest',
      response: 'DownResponse',
    }),
    endpoint({
      path: 'server-operations',
      id: 'getServerOperations',
      summary: 'Get the active operations of a server.',
      description: lookupNotes('The server', 'request.serverKey is null'),
      request: 'ServerKeyRequest',
      response: 'ServerOperationsResponse',
    }),
    endpoint({
      path: 'all-server-operations',
      id: 'getAllServerOperations',
      summary: 'List every server with active operations.',
      description: all,
      request: 'ManagementRegionRequest',
      response: 'AllServerOperationsResponse',
      query: [region],
    }),
    endpoint({
      path: 'server-down',
      id: 'isServerDown',
      summary: 'Tell whether a server is pulled out.',
      description: lookupNotes('The server', 'request.serverKey null'),
      request: 'ServerKeyRequest',
      response: 'DownResponse',
    }),
  ];
}

function zoneReadEndpoints(): Endpoint[] {
  return [
    endpoint({
      path: 'zone/get-all-zone-operations',
      id: 'getAllZoneOperations',
      summary: 'List every zone with active operations.',
      description: 'Served from the cache; regionId is ignored. Always succeeds.',
      request: 'ManagementRegionRequest',
      response: 'AllZoneOperationsResponse',
    }),
    endpoint({
      path: 'zone/get-zone-operations',
      id: 'getZoneOperations',
      summary: 'Get the active operations of a zone of a service.',
      description: lookupNotes('The zone', 'request.zoneKey is null'),
      request: 'ZoneKeyRequest',
      response: 'ZoneOperationsResponse',
    }),
    endpoint({
      path: 'zone/get-zone-operations-list',
      id: 'getZoneOperationsList',
      summary: 'List the zones with active operations that match filters.',
      description: 'Filters are compared ignoring letter case; blank filters are ignored. Always succeeds.',
      request: 'ZoneOperationsListRequest',
      response: 'ZoneOperationsListResponse',
    }),
    endpoint({
      path: 'zone/is-zone-down',
      id: 'isZoneDown',
      summary: 'Tell whether a zone of a service is pulled out.',
      description: lookupNotes('The zone', 'request.zoneKey is null'),
      request: 'ZoneKeyRequest',
      response: 'DownResponse',
    }),
  ];
}

function serviceViewEndpoints(): Endpoint[] {
  const ignored = (name: string): QueryParam => ({ name, description: 'Accepted and ignored.' });
  return [
    endpoint({
      path: 'services',
      id: 'getManagementServices',
      summary: 'List every registered service, pulled-out instances marked down.',
      description: 'Unlike discovery, pulled-out instances are kept, with status "down". Always succeeds.',
      request: 'GetServicesRequest',
      response: 'ManagementServicesResponse',
      query: [ignored('regionId'), ignored('zoneId')],
    }),
    endpoint({
      path: 'service',
      id: 'getManagementService',
      summary: 'Get one service, pulled-out instances marked down, with its canary groups.',
      description: 'A blank serviceId is bad-request "Request is null or request.servcieId is null." (sic).',
      request: 'ManagementServiceRequest',
      response: 'ManagementServiceResponse',
    }),
  ];
}

function logEndpoints(): Endpoint[] {
  const common = [
    'Rows matching every non-blank filter (strings ignoring letter case), oldest first,',
    'at most management.logQueryLimit rows.',
    'A filter that is an object or array, or a complete that is not a boolean, is HTTP 400 bad-request;',
    'a store failure is internal-service-error with its text.',
  ].join(' ');
  const unswapped =
    'The operation and operatorId filters match their own columns; the Java reference swaps them on this endpoint.';
  return LOG_ENDPOINTS.map(({ path }) => {
    const name = logSchemaName(path);
    return endpoint({
      path: `log/${path}`,
      id: `get${name}Logs`,
      summary: `Query the ${path.replace(/-logs$/, '').replace(/-/g, ' ')} log.`,
      description: path === 'service-instance-logs' ? `${common} ${unswapped}` : common,
      request: `${name}LogsRequest`,
      response: `${name}LogsResponse`,
    });
  });
}

export function managementEndpoints(): Endpoint[] {
  return [
    ...writeEndpoints(),
    ...operationReadEndpoints(),
    ...zoneReadEndpoints(),
    ...serviceViewEndpoints(),
    ...logEndpoints(),
    ...groupManagementEndpoints(),
  ];
}
