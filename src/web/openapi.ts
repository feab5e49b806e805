import { clusterExtensionEndpoints, clusterExtensionSchemas } from './openapi-cluster.js';
import { managementEndpoints, managementSchemas, managementTagDescription } from './openapi-management.js';
import type { Endpoint as EndpointRecord } from './endpoint.js';
import { pathsOf } from './openapi/operations.js';
import { arr, bool, described, envelope, int, map, nstr, obj, ref, str, strEnum, strMap, type Endpoint, type Json, type QueryParam, type Tag } from './openapi-schema.js';

export interface OpenApiOptions {
  version: string;
  serverUrl?: string;
  contextPath: string;
  /** The endpoint records mounted on the router; their paths are generated. */
  endpoints: readonly EndpointRecord[];
}


const JSON_TYPE = 'application/json';

const ERROR_CODES = [
  'success',
  'partial_fail',
  'bad-request',
  'rate-limited',
  'no-permission',
  'data-not-found',
  'internal-service-error',
  'service-unavailable',
  'unknown',
];

const FRAMEWORK_ERRORS: Record<string, { name: string; description: string }> = {
  '400': {
    name: 'BadRequest',
    description: 'Body is not valid JSON or has the wrong shape, or a required query parameter is missing.',
  },
  '405': { name: 'MethodNotAllowed', description: 'HTTP method not supported on this path.' },
  '413': { name: 'PayloadTooLarge', description: 'Request body (before or after gzip inflation) exceeds the limit.' },
  '415': {
    name: 'UnsupportedMediaType',
    description: 'Content-Type is not JSON, or Content-Encoding is not gzip/identity.',
  },
  '503': { name: 'ServiceUnavailable', description: 'The node is shutting down.' },
};


const regionZone = (): Json => ({
  regionId: nstr('Caller region.'),
  zoneId: nstr('Caller zone.'),
});

// ---------------------------------------------------------------------------
// Model schemas
// ---------------------------------------------------------------------------

function responseStatusSchema(): Json {
  return {
    ...obj(
      'Outcome of the call. Application errors never change the HTTP status (always 200).',
      {
        errorCode: strEnum(ERROR_CODES, 'Machine-readable code.'),
        message: nstr('Human-readable text; "" on success.'),
        status: strEnum(['success', 'fail', 'partial_fail', 'unknown'], '"unknown" exists but is never produced.'),
      },
      ['errorCode', 'message', 'status'],
    ),
    example: { errorCode: 'success', message: '', status: 'success' },
  };
}

function instanceSchema(): Json {
  return obj(
    'A registered service instance. Identity is the lower-cased "<regionId>.<serviceId>.<instanceId>".',
    {
      groupId: nstr('Group inside the service; blank or "default" means the default group.'),
      healthCheckUrl: nstr('Informational; never called by the server.'),
      instanceId: str('Required, non-blank; unique within (region, service).'),
      ip: nstr(),
      machineName: nstr(),
      metadata: strMap('Free-form; a non-blank "java_registry" key marks a legacy instance.'),
      port: int('int32', 'Defaults to 0.'),
      protocol: nstr('For example "http".'),
      regionId: str('Must equal the node region (case-insensitive) for registry operations.'),
      serviceId: str('Required, non-blank.'),
      status: nstr('Opaque to the server: starting, up, down, unhealthy or unknown.'),
      url: str('Required, non-blank; the address callers should use.'),
      zoneId: nstr('Must equal the node zone unless the node allows other zones.'),
    },
    ['instanceId', 'serviceId', 'url'],
  );
}

function serviceSchema(): Json {
  return obj(
    'A service and its instances.',
    {
      instances: arr(ref('Instance'), true, 'Live instances known to the node.'),
      logicInstances: arr(ref('Instance'), true, 'Logical instances defined by management groups.'),
      metadata: strMap('Never set by the registry.'),
      routeRules: arr(ref('RouteRule'), true, 'Routing rules attached by management.'),
      serviceId: str(),
    },
    ['serviceId'],
  );
}

function routeRuleSchema(): Json {
  return obj('Routing rule attached by management; transported unchanged.', {
    groups: arr(ref('ServiceGroup'), true),
    routeId: str('Reserved ids: default-route-rule, canary-route-rule.'),
    strategy: str('weighted-round-robin (default) or close-by-visit.'),
  });
}

function serviceGroupSchema(): Json {
  return obj('Group of instances taking part in a route rule.', {
    groupKey: str('Group key; "default-group-key" is the implicit default.'),
    instanceIds: arr({ type: 'string' }, true),
    instances: arr(ref('Instance'), true),
    metadata: strMap(),
    weight: int('int32', 'Null or negative means 5; capped to 10000.', true),
  });
}

function zoneSchema(): Json {
  return obj('A zone of a region.', { metadata: strMap(), regionId: str(), zoneId: str() });
}

function discoveryConfigSchema(): Json {
  return obj(
    'What to discover, plus hints for discovery filters.',
    {
      discoveryData: strMap('Caller hints for discovery filters (reserved keys: appid, subenv).'),
      regionId: nstr('Caller region as seen by filters.'),
      serviceId: str('The service to discover.'),
      zoneId: nstr('Caller zone as seen by filters.'),
    },
    ['serviceId'],
  );
}

function instanceChangeSchema(): Json {
  return obj('A change of one instance.', {
    changeTime: int('int64', 'Server time of the change, ms since the epoch.'),
    changeType: strEnum(['new', 'delete', 'change', 'reload'], 'reload means: re-fetch the whole service.'),
    instance: ref('Instance'),
  });
}

function failedInstanceSchema(): Json {
  return obj('An instance the registry operation failed for.', {
    errorCode: strEnum(ERROR_CODES, 'Error code of section 1.4.'),
    errorMessage: nstr('"<instance display string>: <reason>".'),
    instance: ref('Instance', false, 'The instance exactly as received.'),
  });
}

function serviceNodeSchema(): Json {
  return obj('An Artemis server node.', {
    url: str('Node base URL as configured; may contain a context path.'),
    zone: ref('Zone'),
  });
}

function serviceNodeStatusSchema(): Json {
  return obj('Status of an Artemis server node.', {
    allowDiscoveryFromOtherZone: bool('Node accepts discovery calls from other zones.', true),
    allowRegistryFromOtherZone: bool('Node accepts registry calls from other zones.', true),
    canServiceDiscovery: bool('Discovery capability while starting/unknown.', true),
    canServiceRegistry: bool('Registry capability while starting/unknown.', true),
    node: ref('ServiceNode'),
    status: strEnum(['starting', 'up', 'down', 'unknown'], 'Node lifecycle status.'),
  });
}

function leaseStatusSchema(): Json {
  const time = (what: string): Json => str(`${what}, "yyyy-MM-dd HH:mm:ss.SSS" in server local time.`);
  return obj('A lease held by the registry.', {
    creationTime: time('Lease creation'),
    evitionTime: time('Eviction time (sic); epoch 0 when not evicted'),
    instance: str('Instance display string, e.g. "sha/sha-z1/demo.order/10.1.2.3:8080".'),
    renewalTime: time('Last renewal'),
    ttl: int('int64', 'Lease TTL in ms.'),
  });
}

function modelSchemas(): Json {
  return {
    ResponseStatus: responseStatusSchema(),
    Instance: instanceSchema(),
    Service: serviceSchema(),
    RouteRule: routeRuleSchema(),
    ServiceGroup: serviceGroupSchema(),
    Zone: zoneSchema(),
    DiscoveryConfig: discoveryConfigSchema(),
    InstanceChange: instanceChangeSchema(),
    FailedInstance: failedInstanceSchema(),
    ServiceNode: serviceNodeSchema(),
    ServiceNodeStatus: serviceNodeStatusSchema(),
    LeaseStatus: leaseStatusSchema(),
  };
}

// ---------------------------------------------------------------------------
// Request and response schemas
// ---------------------------------------------------------------------------

function registryMessages(): Json {
  const out: Json = {};
  for (const op of ['Register', 'Heartbeat', 'Unregister']) {
    out[`${op}Request`] = obj(`${op} request.`, { instances: arr(ref('Instance')) }, ['instances']);
    out[`${op}Response`] = envelope(`${op} response.`, {
      failedInstances: arr(ref('FailedInstance'), true, 'Null when every instance succeeded.'),
    });
  }
  return out;
}

function discoveryMessages(): Json {
  return {
    LookupRequest: obj('One Service is returned per discovery config, in order.', {
      discoveryConfigs: arr(ref('DiscoveryConfig')),
      ...regionZone(),
    }),
    LookupResponse: envelope('Lookup response.', { services: arr(ref('Service'), true) }),
    GetServiceRequest: obj('Get one service.', { discoveryConfig: ref('DiscoveryConfig'), ...regionZone() }),
    GetServiceResponse: envelope('Get-service response.', { service: ref('Service', true) }),
    GetServicesRequest: obj('Get all services; both fields are ignored.', regionZone()),
    GetServicesResponse: envelope('Snapshot of the versioned cache.', {
      services: arr(ref('Service'), true),
      version: int('int64', 'Snapshot version; 0 on failure.'),
    }),
    GetServicesDeltaRequest: obj('Changes since a snapshot version; only version is used.', {
      ...regionZone(),
      version: int('int64', 'Version the caller holds.'),
    }),
    GetServicesDeltaResponse: envelope('Changes leading to the next version.', {
      delta: map(arr(ref('InstanceChange')), true, 'serviceId to its changes (new/delete only).'),
      version: int('int64', 'The version the delta leads to; 0 on failure.'),
    }),
  };
}

function replicationAndClusterMessages(): Json {
  return {
    ReplicationGetServicesRequest: obj('Copy of the registry; regionId must equal the node region.', regionZone()),
    ReplicationGetServicesResponse: envelope('Every service with at least one lease, unfiltered.', {
      services: arr(ref('Service'), true),
    }),
    GetServiceNodesRequest: obj('The caller region and zone.', regionZone()),
    GetServiceNodesResponse: envelope('Nodes; null with data-not-found when none is usable.', {
      nodes: arr(ref('ServiceNode'), true),
    }),
  };
}

function leaseMessages(): Json {
  return {
    GetLeasesStatusRequest: obj('Lease listing; null or empty serviceIds means all services.', {
      serviceIds: arr({ type: 'string' }, true),
    }),
    GetLeasesStatusResponse: envelope('Leases and self-preservation counters of one lease manager.', {
      isSafe: bool('Self-preservation state (true when the checker is disabled).'),
      isSafeCheckEnabled: bool('Checker enabled.'),
      leaseCount: int('int32', 'Number of leases listed.'),
      leaseUpdateCountLastTimeWindow: int('int64', 'Renewals counted in the current window.'),
      leaseUpdateMaxCount: int('int64', 'Current maxCount baseline.'),
      leaseUpdateMaxCountLastUpdateTime: int('int64', 'When maxCount last changed, ms since the epoch.'),
      leases: map(arr(ref('LeaseStatus')), true, 'serviceId to its non-evicted leases.'),
    }),
  };
}

function configMessages(): Json {
  const properties = strMap('Property key to "{ key: <key>, value: <raw>, typedValue: <parsed> }".');
  const sources = map(int('int32'), true, 'Configuration source id to priority.');
  return {
    GetConfigStatusResponse: envelope('Effective server configuration.', { properties, sources }),
    GetDeploymentStatusResponse: envelope('Deployment settings of this node.', {
      appId: nstr('app.id'),
      ip: nstr('Detected local IPv4.'),
      machineName: nstr('Local host name.'),
      path: nstr('app.path'),
      port: int('int32', 'app.port (default 8080).'),
      properties,
      protocol: nstr('app.protocol (default http).'),
      regionId: nstr('region.id'),
      sources,
      zoneId: nstr('zone.id'),
    }),
  };
}

function statusMessages(): Json {
  return {
    EmptyRequest: obj('No fields.', {}),
    GetClusterNodeStatusResponse: envelope("This node's live status.", { nodeStatus: ref('ServiceNodeStatus', true) }),
    GetClusterStatusResponse: envelope('Last known status of every configured node.', {
      nodeCount: int('int32', 'Number of entries in nodesStatus.'),
      nodesStatus: arr(ref('ServiceNodeStatus'), true),
    }),
    ...leaseMessages(),
    ...configMessages(),
  };
}

function operationsMessages(): Json {
  return {
    ErrorResponse: obj('Body of framework errors (400, 405, 413, 415, 503).', { responseStatus: ref('ResponseStatus') }, [
      'responseStatus',
    ]),
    ConnectionsResponse: obj(
      'Open WebSocket sessions, as decimal strings.',
      {
        registry: str('Open /ws/registry/heartbeat sessions.'),
        discovery: str('Open /ws/discovery/instance-change sessions.'),
      },
      ['registry', 'discovery'],
    ),
    HealthResponse: obj('Liveness.', { status: strEnum(['ok'], 'Always "ok".') }, ['status']),
    ReadyResponse: obj('Readiness.', { status: strEnum(['ready', 'starting', 'stopping'], 'Readiness state.') }, ['status']),
  };
}

function allSchemas(): Json {
  return {
    ...modelSchemas(),
    ...registryMessages(),
    ...discoveryMessages(),
    ...replicationAndClusterMessages(),
    ...statusMessages(),
    ...operationsMessages(),
    ...managementSchemas(),
    ...clusterExtensionSchemas(),
  };
}

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

function exampleInstance(ip: string): Json {
  return {
    groupId: null,
    healthCheckUrl: null,
    instanceId: `${ip}:8080`,
    ip,
    machineName: null,
    metadata: null,
    port: 8080,
    protocol: 'http',
    regionId: 'SHA',
    serviceId: 'demo.order',
    status: 'up',
    url: `http://${ip}:8080/order`,
    zoneId: 'sha-z1',
  };
}

function exampleDiscoveryConfig(serviceId: string): Json {
  return { discoveryData: null, regionId: null, serviceId, zoneId: null };
}

const EXAMPLES: Record<string, Json> = {
  registry: { instances: [exampleInstance('10.1.2.3')] },
  lookup: {
    discoveryConfigs: [exampleDiscoveryConfig('demo.order'), exampleDiscoveryConfig('demo.missing')],
    regionId: 'SHA',
    zoneId: 'sha-z1',
  },
  service: { discoveryConfig: exampleDiscoveryConfig('demo.order'), regionId: 'SHA', zoneId: 'sha-z1' },
};

// ---------------------------------------------------------------------------
// Operation helpers
// ---------------------------------------------------------------------------


function jsonContent(schema: Json, example?: Json): Json {
  return { [JSON_TYPE]: { schema, ...(example === undefined ? {} : { example }) } };
}

function okResponse(schemaName: string, etag = false): Json {
  const headers = etag ? { headers: { ETag: { $ref: '#/components/headers/ETag' } } } : {};
  const description = 'OK (application errors are reported in responseStatus).';
  return { description, ...headers, content: jsonContent(ref(schemaName)) };
}

function errorRefs(codes: string[]): Json {
  return Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/${FRAMEWORK_ERRORS[code]!.name}` }]));
}

function queryParameter(p: QueryParam): Json {
  const schema = p.list ? arr({ type: 'string' }) : { type: 'string' };
  const style = p.list ? { style: 'form', explode: true } : {};
  return { name: p.name, in: 'query', required: p.required === true, description: p.description, schema, ...style };
}

function getOperation(e: Endpoint, query: QueryParam[], hasPost: boolean): Json {
  const parameters = [...query.map(queryParameter), ...(e.etag ? [{ $ref: '#/components/parameters/IfNoneMatch' }] : [])];
  const notModified = e.etag ? { '304': { $ref: '#/components/responses/NotModified' } } : {};
  const errors = errorRefs(query.some((p) => p.required === true) ? ['400', '405', '503'] : ['405', '503']);
  return {
    tags: [e.tag],
    operationId: hasPost ? `${e.id}ByQuery` : e.id,
    summary: hasPost ? `${e.summary.replace(/\.$/, '')} (query parameters).` : e.summary,
    ...described(e.description),
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: { '200': okResponse(e.response, e.etag), ...notModified, ...errors },
  };
}

function postOperation(e: Endpoint, request: string): Json {
  return {
    tags: [e.tag],
    operationId: e.id,
    summary: e.summary,
    ...described(e.description),
    requestBody: { required: request !== 'EmptyRequest', content: jsonContent(ref(request), e.example) },
    responses: { '200': okResponse(e.response), ...errorRefs(['400', '405', '413', '415', '503']) },
  };
}

function pathItem(e: Endpoint): Json {
  const item: Json = {};
  if (e.query !== undefined) item['get'] = getOperation(e, e.query, e.request !== undefined);
  if (e.request !== undefined) item['post'] = postOperation(e, e.request);
  return item;
}

// ---------------------------------------------------------------------------
// Endpoint catalogue
// ---------------------------------------------------------------------------

const REGION_Q: QueryParam = { name: 'regionId', description: 'Caller region.' };
const ZONE_Q: QueryParam = { name: 'zoneId', description: 'Caller zone.' };
const APP_IDS_Q: QueryParam = {
  name: 'appIds',
  description: 'Service ids, comma separated or repeated; mapped to serviceIds. Absent means all.',
  list: true,
};

function discoveryEndpoints(): Endpoint[] {
  const tag = 'discovery' as const;
  return [
    {
      tag,
      path: '/api/discovery/lookup.json',
      id: 'lookup',
      summary: 'Look up several services at once.',
      request: 'LookupRequest',
      response: 'LookupResponse',
      example: EXAMPLES['lookup'],
    },
    {
      tag,
      path: '/api/discovery/service.json',
      id: 'getService',
      summary: 'Get one service with its filtered instances.',
      request: 'GetServiceRequest',
      response: 'GetServiceResponse',
      example: EXAMPLES['service'],
      query: [{ name: 'serviceId', description: 'Service to get.', required: true }, REGION_Q, ZONE_Q],
      etag: true,
    },
    {
      tag,
      path: '/api/discovery/services.json',
      id: 'getServices',
      summary: 'Get the snapshot of all services.',
      request: 'GetServicesRequest',
      response: 'GetServicesResponse',
      query: [REGION_Q, ZONE_Q],
      etag: true,
    },
    {
      tag,
      path: '/api/discovery/services-delta.json',
      id: 'getServicesDelta',
      summary: 'Get the changes since a snapshot version.',
      request: 'GetServicesDeltaRequest',
      response: 'GetServicesDeltaResponse',
    },
  ];
}

function nodesEndpoint(name: string, id: string, summary: string): Endpoint {
  const path = `/api/cluster/${name}.json`;
  const [request, response] = ['GetServiceNodesRequest', 'GetServiceNodesResponse'];
  return { path, tag: 'cluster', id, summary, request, response, query: [REGION_Q, ZONE_Q] };
}

function replicationWriteEndpoints(): Endpoint[] {
  const ops: Array<[string, string, string]> = [
    ['register', 'Register', 'Apply instances a peer registered (never forwarded again).'],
    ['heartbeat', 'Heartbeat', 'Apply heartbeats a peer received; a missing instance is registered.'],
    ['unregister', 'Unregister', 'Apply unregistrations a peer received.'],
  ];
  return ops.map(([op, type, summary]) => ({
    path: `/api/replication/registry/${op}.json`,
    tag: 'replication',
    id: `replication${type}`,
    summary,
    request: `${type}Request`,
    response: `${type}Response`,
    example: EXAMPLES['registry'],
  }));
}

function replicationAndClusterEndpoints(): Endpoint[] {
  return [
    ...replicationWriteEndpoints(),
    {
      path: '/api/replication/registry/services.json',
      tag: 'replication',
      id: 'replicationGetServices',
      summary: 'Copy every registered service (used by starting peers).',
      request: 'ReplicationGetServicesRequest',
      response: 'ReplicationGetServicesResponse',
      query: [{ ...REGION_Q, description: 'Region of the caller; must equal the node region.', required: true }, ZONE_Q],
    },
    nodesEndpoint('up-registry-nodes', 'getUpRegistryNodes', 'List the nodes that can serve registry.'),
    nodesEndpoint('up-discovery-nodes', 'getUpDiscoveryNodes', 'List the nodes that can serve discovery.'),
    nodesEndpoint('nodes', 'getClusterNodes', 'List every node of the cluster: gossip members and static peers.'),
  ];
}

function statusEndpoint(name: string, id: string, summary: string, response: string): Endpoint {
  return { path: `/api/status/${name}.json`, tag: 'status', id, summary, request: 'EmptyRequest', response, query: [] };
}

function leasesEndpoint(name: string, id: string, summary: string): Endpoint {
  const path = `/api/status/${name}.json`;
  const [request, response] = ['GetLeasesStatusRequest', 'GetLeasesStatusResponse'];
  return { path, tag: 'status', id, summary, request, response, query: [APP_IDS_Q] };
}

function statusEndpoints(): Endpoint[] {
  return [
    statusEndpoint('node', 'getNodeStatus', "Get this node's status.", 'GetClusterNodeStatusResponse'),
    statusEndpoint('cluster', 'getClusterStatus', 'Get the last known status of every node.', 'GetClusterStatusResponse'),
    leasesEndpoint('leases', 'getLeasesStatus', 'List the leases of normal instances.'),
    leasesEndpoint('legacy-leases', 'getLegacyLeasesStatus', 'List the leases of legacy instances.'),
    statusEndpoint('config', 'getConfigStatus', 'Dump the effective server configuration.', 'GetConfigStatusResponse'),
    statusEndpoint('deployment', 'getDeploymentStatus', 'Dump the deployment settings.', 'GetDeploymentStatusResponse'),
    {
      path: '/api/status/message/connections.json',
      tag: 'status',
      id: 'getConnections',
      summary: 'Count open WebSocket sessions (no envelope).',
      response: 'ConnectionsResponse',
      query: [],
    },
  ];
}

function apiEndpoints(): Endpoint[] {
  return [
    ...discoveryEndpoints(),
    ...replicationAndClusterEndpoints(),
    ...clusterExtensionEndpoints(),
    ...statusEndpoints(),
    ...managementEndpoints(),
  ];
}

// ---------------------------------------------------------------------------
// Operations endpoints (non-envelope responses)
// ---------------------------------------------------------------------------

function opsGet(id: string, summary: string, responses: Json): Json {
  return { get: { tags: ['operations'], operationId: id, summary, responses: { ...responses, ...errorRefs(['405']) } } };
}

function jsonOk(description: string, schemaName: string, example: Json): Json {
  return { description, content: jsonContent(ref(schemaName), example) };
}

function textOk(description: string, mediaType: string): Json {
  return { description, content: { [mediaType]: { schema: { type: 'string' } } } };
}

function opsPaths(): Json {
  return {
    '/health': opsGet('health', 'Liveness probe.', {
      '200': jsonOk('Process is alive.', 'HealthResponse', { status: 'ok' }),
    }),
    '/ready': opsGet('ready', 'Readiness probe.', {
      '200': jsonOk('Node is ready.', 'ReadyResponse', { status: 'ready' }),
      '503': jsonOk('Node is starting or stopping.', 'ReadyResponse', { status: 'starting' }),
    }),
    '/metrics': opsGet('metrics', 'Prometheus metrics.', {
      '200': textOk('Prometheus text exposition format.', 'text/plain'),
    }),
    '/openapi.json': opsGet('openApi', 'This OpenAPI document.', {
      '200': { description: 'OpenAPI 3.0.3 document.', content: jsonContent({ type: 'object' }) },
    }),
    '/swagger-ui': {
      get: {
        tags: ['operations'],
        operationId: 'swaggerUi',
        summary: 'Interactive API browser.',
        responses: { '200': textOk('HTML page.', 'text/html') },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Components shared by operations
// ---------------------------------------------------------------------------

function frameworkResponses(): Json {
  const out: Json = {};
  for (const { name, description } of Object.values(FRAMEWORK_ERRORS)) {
    out[name] = { description, content: jsonContent(ref('ErrorResponse')) };
  }
  out['NotModified'] = {
    description: 'The representation matches If-None-Match; no body.',
    headers: { ETag: { $ref: '#/components/headers/ETag' } },
  };
  return out;
}

function components(): Json {
  return {
    schemas: allSchemas(),
    responses: frameworkResponses(),
    headers: { ETag: { description: 'Entity tag of the response body.', schema: { type: 'string' } } },
    parameters: {
      IfNoneMatch: {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'An ETag from an earlier response; a match answers 304 without a body.',
        schema: { type: 'string' },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------

const TAGS: Array<[Tag, string]> = [
  ['registry', 'Register, renew and unregister instances.'],
  ['discovery', 'Find services and their instances.'],
  ['replication', 'Peer-to-peer registry replication.'],
  ['cluster', 'Cluster membership.'],
  ['status', 'Node, cluster, lease and configuration status.'],
  ['management', managementTagDescription()],
  ['operations', 'Probes, metrics and API documentation.'],
];

function description(contextPath: string): string {
  const below = `below the configured context path${contextPath === '' ? '' : ` (${contextPath})`}`;
  return [
    'Artemis service registry, wire-compatible with the Java Artemis client and peers.',
    '',
    `Every \`/api/...\` path also answers without the \`.json\` suffix, and every path also answers ${below}.`,
    'Request bodies are JSON and may be gzip-compressed with `Content-Encoding: gzip`.',
    'Property names are matched case-insensitively on input; responses carry every property, including nulls.',
    '',
    'Application errors are reported with HTTP 200 and a `responseStatus` object in the body.',
    'Framework errors (400 bad JSON or shape, 405 method, 413 body too large, 415 content type,',
    '503 shutting down) carry a body `{"responseStatus":{...}}`.',
    '',
    ...WEBSOCKET_DESCRIPTION,
  ].join('\n');
}

const WEBSOCKET_DESCRIPTION = [
  '## WebSocket channels',
  'On the same port, also below the context path; text frames of JSON; the server answers pings with pongs and pings quiet sessions itself.',
  '',
  '- `/ws/registry/heartbeat`: every frame is a `HeartbeatRequest` (`{"instances":[Instance...]}`); the server answers each',
  '  frame with exactly one `HeartbeatResponse`, produced as by `POST /api/registry/heartbeat.json` (an unknown instance',
  '  comes back in `failedInstances` with `data-not-found`; the client then registers it over HTTP). A frame that is not',
  '  JSON is answered with `bad-request`.',
  '- `/ws/discovery/instance-change`: the client sends one `DiscoveryConfig` frame per service it wants',
  '  (`{"serviceId":"demo.order"}`; letter case ignored); the server pushes one `InstanceChange` frame per change of those',
  '  services: `{"changeTime":…,"changeType":"new|delete|change|reload","instance":Instance,"version":…}`. `version` is the',
  '  discovery version the change leads to. A subscription frame may carry `"version": <last version seen>`: the server',
  '  first sends what was missed since then, or a `reload` change (instanceId `reload`) when that version is too old.',
  '- `/ws/discovery/all-instance-change`: every change of every service, no subscription needed.',
  '',
  'Close codes: 1001 server shutting down, 1003 binary frame, 1009 frame over the size limit, 1013 subscriber too slow',
  '(reconnect and reload), 4000 session older than the configured session TTL. Upgrades are refused with HTTP 503 at the',
  'session limit, 403 for a blacklisted address, 404 for an unknown path.',
];

function paths(records: readonly EndpointRecord[]): Json {
  const out: Json = pathsOf(records);
  for (const e of apiEndpoints()) out[e.path] = pathItem(e);
  return { ...out, ...opsPaths() };
}

function servers(opts: OpenApiOptions): Json[] {
  if (opts.serverUrl !== undefined && opts.serverUrl !== '') return [{ url: opts.serverUrl }];
  return [{ url: opts.contextPath === '' ? '/' : opts.contextPath }];
}

export function openApiDocument(opts: OpenApiOptions): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Artemis', version: opts.version, description: description(opts.contextPath) },
    servers: servers(opts),
    tags: TAGS.map(([name, text]) => ({ name, description: text })),
    paths: paths(opts.endpoints),
    components: components(),
  };
}

