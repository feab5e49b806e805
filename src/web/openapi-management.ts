import { LOG_ENDPOINTS } from '../management/management-logs.js';
import { arr, bool, envelope, int, nstr, obj, ref, str, type Endpoint, type Json, type QueryParam } from './openapi.js';

/**
 * The management part of the OpenAPI document (management protocol sections 4, 5, 7, 8):
 * schemas and endpoints of /api/management/**. Only function declarations live at top level,
 * so this module may be evaluated in either order with openapi.ts, which imports it.
 */

export function managementTagDescription(): string {
  return [
    'Pull-out / pull-in of instances, servers and zones, canary IPs, management views and audit logs.',
    'Writes require the node to be up (service-unavailable otherwise); validation failures are bad-request with the',
    "reference's messages; instance, server and zone operations are identified ignoring letter case. A failed call",
    'answers HTTP 200 with only `responseStatus` in the body.',
  ].join(' ');
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** "InstanceKey" → "instanceKey": the property name a key schema travels under. */
function propertyOf(schemaName: string): string {
  return schemaName.charAt(0).toLowerCase() + schemaName.slice(1);
}

/** "instance-operation" → "InstanceOperation". */
function pascal(kebab: string): string {
  return kebab
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function quoted(messages: string[]): string {
  return messages.map((m) => `"${m}"`).join(', ');
}

function nullOrEmpty(fields: string[]): string[] {
  return fields.map((f) => `${f} is null or empty`);
}

/** Description of a write: the node-up guard, then the validation and failure messages. */
function writeNotes(badRequest: string[], failure: string, extra = ''): string {
  return [
    'Requires the node to be up; otherwise service-unavailable ("Serivce is not in up state. …", sic).',
    `Validation failures are bad-request with the reference's messages: ${quoted(badRequest)};`,
    'a value longer than limits.maxFieldLength is bad-request too.',
    ...(extra === '' ? [] : [extra]),
    `A store failure is internal-service-error "${failure}".`,
  ].join(' ');
}

/** Description of a read keyed by `key`: case-insensitive lookup and the missing-key message. */
function lookupNotes(what: string, missing: string): string {
  return `${what} is identified ignoring letter case. A missing key is bad-request "${missing}".`;
}

/** Either a string or an integer (ids that the reference stores as numbers and this server as text). */
function strOrInt(description: string): Json {
  return { oneOf: [{ type: 'string' }, { type: 'integer', format: 'int64' }], description };
}

// ---------------------------------------------------------------------------
// Keys and operations
// ---------------------------------------------------------------------------

function keySchemas(): Json {
  const key = (description: string, properties: Json): Json => obj(description, properties, Object.keys(properties));
  return {
    InstanceKey: key('An instance; every part is compared ignoring letter case.', {
      instanceId: str('Instance id.'),
      regionId: str('Region id.'),
      serviceId: str('Service id.'),
    }),
    ServerKey: key('A server (machine) of a region; compared ignoring letter case.', {
      regionId: str('Region id.'),
      serverId: str('IP address, as instances report it in Instance.ip.'),
    }),
    ZoneKey: key('A zone of one service; every part is compared ignoring letter case.', {
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
        zoneOperationsList: arr(ref('ZoneOperations'), true, 'Entries without zoneKey and blank labels are skipped.'),
      },
      ['operatorId', 'zoneOperationsList'],
    ),
    UpdateCanaryIpsRequest: obj(
      "Make the canary IPs of one application of a service (in the node's region) exactly the given set.",
      {
        appId: str('Application id; names the canary group.'),
        canaryIps: arr(str(), false, 'Stored as instance ids of the canary group: an exact instanceId match. Duplicates collapse; [] clears.'),
        extensions: nstr('Audit extensions (JSON text); omit it rather than sending null.'),
        operation: str('Free-text audit label copied into the group-instance log.'),
        operatorId: str('Who performs the change.'),
        reason: nstr('Free text copied into the group-instance log.'),
        serviceId: str('Service id.'),
        token: str('Operator ticket; stored, never checked.'),
      },
      ['appId', 'canaryIps', 'operation', 'operatorId', 'serviceId', 'token'],
    ),
  };
}

// ---------------------------------------------------------------------------
// Read requests and responses
// ---------------------------------------------------------------------------

function keyRequest(keyName: string): Json {
  const keyProp = propertyOf(keyName);
  return obj(`The ${keyProp} to look up.`, { [keyProp]: ref(keyName) }, [keyProp]);
}

function readSchemas(): Json {
  const status = (what: string): Json => envelope(what, {});
  return {
    ManagementWriteResponse: status('Outcome of a management write.'),
    InstanceKeyRequest: keyRequest('InstanceKey'),
    ServerKeyRequest: keyRequest('ServerKey'),
    ZoneKeyRequest: keyRequest('ZoneKey'),
    ManagementRegionRequest: obj('Region filter of the "all" views.', {
      regionId: nstr('Exact (case-sensitive) region; blank or absent means all. Ignored by get-all-zone-operations.'),
    }),
    InstanceDownRequest: obj(
      'The instance to test; regionId, serviceId, instanceId, ip and zoneId are used.',
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
    InstanceOperationsResponse: envelope('Operations of one instance.', { operations: ref('InstanceOperations', true, 'Null when none is active.') }),
    ServerOperationsResponse: envelope('Operations of one server.', { operations: ref('ServerOperations', true, 'Null when none is active.') }),
    ZoneOperationsResponse: envelope('Operations of one zone.', { operations: ref('ZoneOperations', true, 'Null when none is active.') }),
    AllInstanceOperationsResponse: envelope('Every instance with active operations.', { allInstanceOperations: arr(ref('InstanceOperations')) }),
    AllServerOperationsResponse: envelope('Every server with active operations.', { allServerOperations: arr(ref('ServerOperations')) }),
    AllZoneOperationsResponse: envelope('Every zone with active operations.', { allZoneOperations: arr(ref('ZoneOperations')) }),
    ZoneOperationsListResponse: envelope('Zones matching the filters.', { zoneOperationsList: arr(ref('ZoneOperations')) }),
    DownResponse: envelope('Whether the target is pulled out.', { down: bool('True while an operation takes the target down.') }),
    ManagementServicesResponse: envelope('Every service with at least one lease, pulled-out instances kept.', {
      services: arr(ref('Service'), false, 'Instances carry status "down" (pulled out) or "up", and metadata creationTime, renewalTime and ttl (ms, decimal strings); routeRules and logicInstances are set, nothing is removed.'),
      version: int('int64', 'Current server time, ms since the epoch.'),
    }),
    ManagementServiceResponse: envelope('One service as services.json shows it, plus its canary groups.', {
      groups: arr(ref('ServiceGroup'), false, 'One group per canary app: groupKey, instanceIds = the canary IPs; weight, instances and metadata null.'),
      service: ref('Service', false, 'instances null when the service has no lease.'),
    }),
  };
}

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

/** Documented record fields per log endpoint, besides id, createTime and updateTime. */
function logRecordFields(): Record<string, string[]> {
  const audit = ['operation', 'operatorId', 'token'];
  return {
    'instance-operation-logs': ['regionId', 'serviceId', 'instanceId', ...audit, 'extensions', 'complete'],
    'server-operation-logs': ['regionId', 'serverId', ...audit, 'extensions', 'complete'],
    'group-operation-logs': ['groupId', ...audit, 'extensions', 'reason', 'complete'],
    'group-logs': ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', ...audit, 'extensions', 'reason'],
    'route-rule-logs': ['serviceId', 'name', 'status', ...audit, 'extensions', 'reason', 'complete'],
    'route-rule-group-logs': ['routeRuleId', 'groupId', 'weight', ...audit, 'extensions', 'reason'],
    'zone-operation-logs': ['regionId', 'serviceId', 'zoneId', ...audit, 'complete'],
    'group-instance-logs': ['groupId', 'instanceId', ...audit, 'reason'],
    'service-instance-logs': [
      'serviceId', 'instanceId', 'ip', 'machineName', 'metadata', 'port', 'protocol', 'regionId', 'zoneId',
      'healthCheckUrl', 'url', 'groupId', ...audit,
    ],
  };
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
      return strOrInt('Group or route-rule id (a canary group key for canary rows).');
    case 'metadata':
      return str('Stored JSON text.');
    case 'operation':
      return str('Operation label, or the free-text audit operation.');
    default:
      return str();
  }
}

function logFilterSchema(field: string): Json {
  if (field === 'complete') return bool('Match rows that added (false) or completed (true) an operation.', true);
  if (field === 'groupId' || field === 'routeRuleId') return strOrInt('Exact id.');
  return nstr('Exact value; blank means any.');
}

function logSchemas(): Json {
  const fields = logRecordFields();
  const out: Json = {};
  for (const { path, filters } of LOG_ENDPOINTS) {
    const name = pascal(path.replace(/-logs$/, ''));
    const documented = ['id', 'createTime', 'updateTime', ...(fields[path] ?? [])].sort();
    out[`${name}LogsRequest`] = obj(
      'Filters, combined with AND; blank or null filters are ignored, none returns the whole table.',
      Object.fromEntries([...filters].sort().map((f) => [f, logFilterSchema(f)])),
    );
    out[`${name}Log`] = {
      ...obj(`A ${path.replace(/s$/, '').replace(/-/g, ' ')} row; rows may carry further fields.`, Object.fromEntries(documented.map((f) => [f, logFieldSchema(f)])), [
        'createTime',
        'id',
        'updateTime',
      ]),
      additionalProperties: true,
    };
    out[`${name}LogsResponse`] = envelope('Matching rows, oldest first.', { logs: arr(ref(`${name}Log`)) });
  }
  return out;
}

export function managementSchemas(): Json {
  return { ...operationSchemas(), ...readSchemas(), ...logSchemas() };
}

// ---------------------------------------------------------------------------
// Endpoints
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

function endpoint(path: string, id: string, summary: string, request: string, response: string, description: string): Endpoint {
  return { path: `/api/management/${path}.json`, tag: 'management', id, summary, request, response, description };
}

function writeEndpoints(): Endpoint[] {
  const examples = managementExamples();
  const op = (target: string, key: string[]) => [`request.${target}Key is null`, ...nullOrEmpty(['regionId', ...key, 'operation', 'operatorId'])];
  return [
    {
      ...endpoint('operate-instance', 'operateInstance', 'Pull an instance out or back in.', 'OperateInstanceRequest', 'ManagementWriteResponse',
        writeNotes(op('instance', ['serviceId', 'instanceId']), 'Update instance failed.')),
      example: examples.operateInstance,
    },
    endpoint('operate-server', 'operateServer', 'Pull every instance of a server out or back in.', 'OperateServerRequest', 'ManagementWriteResponse',
      writeNotes(op('server', ['serverId']), 'Update server failed.')),
    endpoint('zone/operate-zone-operations', 'operateZoneOperations', 'Pull the instances of services in zones out or back in.', 'OperateZoneOperationsRequest', 'ManagementWriteResponse',
      writeNotes(
        [...nullOrEmpty(['operatorId', 'regionId', 'serviceId', 'zoneId']), 'zoneOperationsList has no operation to apply'],
        'operate zone-operations failed.',
        'The key parts are required only when adding; more pairs than limits.maxZoneOperations is bad-request.',
      )),
    {
      ...endpoint('canary/update-canary-ips', 'updateCanaryIps', 'Set the canary IPs of an application of a service.', 'UpdateCanaryIpsRequest', 'ManagementWriteResponse',
        writeNotes(
          [...nullOrEmpty(['serviceId', 'appId']), 'canaryIps is null'],
          'update canary ips',
          'More IPs than limits.maxCanaryIps is bad-request. As in the reference, a blank operation, operatorId or token, or "extensions": null, fails with internal-service-error "update canary ips".',
        )),
      example: examples.updateCanaryIps,
    },
  ];
}

function readEndpoints(): Endpoint[] {
  const region: QueryParam = { name: 'regionId', description: 'Exact (case-sensitive) region; absent or blank means all.' };
  const ignored = (name: string): QueryParam => ({ name, description: 'Accepted and ignored.' });
  const all = 'Served from the cache; regionId filters exactly (case-sensitive), blank means all. Always succeeds.';
  return [
    endpoint('instance-operations', 'getInstanceOperations', 'Get the active operations of an instance.', 'InstanceKeyRequest', 'InstanceOperationsResponse',
      lookupNotes('The instance', 'request.instanceKey is null')),
    { ...endpoint('all-instance-operations', 'getAllInstanceOperations', 'List every instance with active operations.', 'ManagementRegionRequest', 'AllInstanceOperationsResponse', all), query: [region] },
    endpoint('instance-down', 'isInstanceDown', 'Tell whether an instance is pulled out (instance, server or zone operation).', 'InstanceDownRequest', 'DownResponse',
      'Matching ignores letter case. A missing instance is bad-request "request.instance is null".'),
    endpoint('server-operations', 'getServerOperations', 'Get the active operations of a server.', 'ServerKeyRequest', 'ServerOperationsResponse',
      lookupNotes('The server', 'request.serverKey is null')),
    { ...endpoint('all-server-operations', 'getAllServerOperations', 'List every server with active operations.', 'ManagementRegionRequest', 'AllServerOperationsResponse', all), query: [region] },
    endpoint('server-down', 'isServerDown', 'Tell whether a server is pulled out.', 'ServerKeyRequest', 'DownResponse',
      lookupNotes('The server', 'request.serverKey null')),
    {
      ...endpoint('services', 'getManagementServices', 'List every registered service with pulled-out instances marked down.', 'GetServicesRequest', 'ManagementServicesResponse',
        'Unlike discovery, pulled-out instances are kept and marked status "down". Always succeeds.'),
      query: [ignored('regionId'), ignored('zoneId')],
    },
    endpoint('service', 'getManagementService', 'Get one service with pulled-out instances marked down, plus its groups.', 'ManagementServiceRequest', 'ManagementServiceResponse',
      'A blank serviceId is bad-request "Request is null or request.servcieId is null." (sic).'),
    endpoint('zone/get-all-zone-operations', 'getAllZoneOperations', 'List every zone with active operations.', 'ManagementRegionRequest', 'AllZoneOperationsResponse',
      'Served from the cache; regionId is ignored. Always succeeds.'),
    endpoint('zone/get-zone-operations', 'getZoneOperations', 'Get the active operations of a zone of a service.', 'ZoneKeyRequest', 'ZoneOperationsResponse',
      lookupNotes('The zone', 'request.zoneKey is null')),
    endpoint('zone/get-zone-operations-list', 'getZoneOperationsList', 'List the zones with active operations matching filters.', 'ZoneOperationsListRequest', 'ZoneOperationsListResponse',
      'Filters are compared ignoring letter case; blank filters are ignored.'),
    endpoint('zone/is-zone-down', 'isZoneDown', 'Tell whether a zone of a service is pulled out.', 'ZoneKeyRequest', 'DownResponse',
      lookupNotes('The zone', 'request.zoneKey is null')),
  ];
}

function logEndpoints(): Endpoint[] {
  const common =
    'Rows matching every non-blank filter, oldest first, at most management.logQueryLimit rows. A filter that is an object or array, or a complete that is not a boolean, is HTTP 400 bad-request; a store failure is internal-service-error with its text.';
  const unswapped = ' The operation and operatorId filters match their own columns: the Java reference swaps them on this endpoint, this server does not.';
  return LOG_ENDPOINTS.map(({ path }) => {
    const name = pascal(path.replace(/-logs$/, ''));
    const what = path.replace(/-logs$/, '').replace(/-/g, ' ');
    const description = path === 'service-instance-logs' ? common + unswapped : common;
    return endpoint(`log/${path}`, `get${name}Logs`, `Query the ${what} log.`, `${name}LogsRequest`, `${name}LogsResponse`, description);
  });
}

export function managementEndpoints(): Endpoint[] {
  return [...writeEndpoints(), ...readEndpoints(), ...logEndpoints()];
}
