import { CREATE_ROUTE_RULE_FAILED, DELETE_GROUPS_FAILED, DELETE_GROUP_INSTANCES_FAILED, DELETE_GROUP_TAGS_FAILED, DELETE_ROUTE_RULES_FAILED, DELETE_ROUTE_RULE_GROUPS_FAILED, DELETE_SERVICE_INSTANCES_FAILED, GET_GROUPS_FAILED, GET_GROUP_INSTANCES_FAILED, GET_GROUP_OPERATIONS_FAILED, GET_GROUP_TAGS_FAILED, GET_ROUTE_RULES_FAILED, GET_ROUTE_RULE_GROUPS_FAILED, GET_SERVICE_INSTANCES_FAILED, INSERT_GROUPS_FAILED, INSERT_GROUP_INSTANCES_FAILED, INSERT_GROUP_TAGS_FAILED, INSERT_ROUTE_RULES_FAILED, INSERT_ROUTE_RULE_GROUPS_FAILED, INSERT_SERVICE_INSTANCES_FAILED, OPERATE_GROUP_OPERATION_FAILED, RELEASE_ROUTE_RULE_GROUPS_FAILED, UPDATE_GROUPS_FAILED, UPDATE_GROUP_TAGS_FAILED, UPDATE_ROUTE_RULES_FAILED, UPDATE_ROUTE_RULE_GROUPS_FAILED } from '../management/failures.js';
import { arr, bool, envelope, int, map, nstr, obj, ref, str, type Endpoint, type Json } from './openapi-schema.js';

/**
 * The group part of the management OpenAPI document (management protocol section 6): groups,
 * route rules and their weighted links, group tags, group operations, logical group members and
 * logical service instances under /api/management/group/**. openapi-management.ts merges these
 * schemas and endpoints into its own. This module imports only openapi-schema.ts, so it is outside
 * the openapi.ts / openapi-management.ts import cycle and may hold top-level constants.
 */

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/** The audit block of section 1.6; `operation`, `operatorId` and `token` must be non-blank. */
function auditFields(operation = 'Free-text audit label copied into the log rows, e.g. "insert".'): Json {
  return {
    extensions: str('Audit extensions (JSON text) for the log rows; "{}" when absent. Omit it rather than sending null.'),
    operation: str(operation),
    operatorId: str('Who performs the change.'),
    reason: nstr('Free text copied into the log rows.'),
    token: str('Operator ticket; stored, never checked.'),
  };
}

const AUDIT_REQUIRED = ['operation', 'operatorId', 'token'];

function id(description: string, nullable = false): Json {
  return int('int64', description, nullable);
}

function ids(what: string): Json {
  return arr(int('int64'), false, `Ids of the ${what}; must not be empty (a null entry counts as 0).`);
}

/** A group write: its behaviour, failure text and limits. */
interface GroupWrite {
  path: string;
  summary: string;
  behaviour: string;
  failure: string;
  request: string;
  /** What management.maxRoutingBatch counts, e.g. "routeRules entries"; absent for deletes by id. */
  batch?: string;
  /** False for the group-tag writes, which carry no audit block. */
  audit?: boolean;
  /** False when no field is checked against limits.maxFieldLength (delete-group-tags). */
  lengths?: boolean;
  example?: Json;
}

/** Guards and failures of a group write, after its behaviour. */
function writeNotes(w: GroupWrite): string {
  const audit = w.audit === false ? '' : ' (among them a blank operation, operatorId or token, or "extensions": null)';
  const limits = [
    ...(w.lengths === false ? [] : ['a value longer than limits.maxFieldLength']),
    ...(w.batch === undefined ? [] : [`more than management.maxRoutingBatch ${w.batch}`]),
  ];
  return [
    w.behaviour,
    'Requires the node to be up; otherwise service-unavailable ("Serivce is not in up state. …", sic).',
    `Validation failures${audit} are bad-request "${w.failure} <reason>", HTTP 400 for a property of the wrong JSON type${limits.length > 0 ? ';' : '.'}`,
    ...(limits.length > 0 ? [`${limits.join(' and ')} ${limits.length > 1 ? 'are' : 'is'} bad-request too.`] : []),
    `A store failure is internal-service-error "${w.failure}".`,
  ].join(' ');
}

/** A group read: its behaviour, failure text and, for the three limited reads, the rate-limit identity. */
interface GroupRead {
  path: string;
  summary: string;
  behaviour: string;
  request: string;
  response: string;
  /** Store queries and single-group reads: the failure text prefixing a malformed request's message. */
  failure?: string;
  /** Rate-limited reads: the limiter identity and the data field that is null when rejected. */
  limited?: [identity: string, field: string];
}

function readNotes(r: GroupRead): string {
  const [identity, field] = r.limited ?? [];
  return [
    r.behaviour,
    ...(identity === undefined
      ? []
      : [`Rate limited by rateLimit.group (identity ${identity}); a rejected call answers rate-limited with ${field} null.`]),
    r.failure === undefined
      ? "Served from the node's snapshot; regionId is ignored. Always succeeds."
      : `A property of the wrong JSON type is HTTP 400 bad-request "${r.failure} <reason>".`,
  ].join(' ');
}

// ---------------------------------------------------------------------------
// Wire models (responses): every key is always written, in this (alphabetical) order
// ---------------------------------------------------------------------------

function model(description: string, properties: Json): Json {
  return obj(description, properties, Object.keys(properties));
}

function wireModels(): Json {
  return {
    ServiceRouteRule: model('A route rule of a service; its name becomes RouteRule.routeId in discovery.', {
      description: nstr(),
      name: str('Unique per service, ignoring letter case.'),
      routeRuleId: id('Rule id.'),
      serviceId: str('Service id.'),
      status: str('"active" (any letter case) publishes the rule; anything else does not.'),
      strategy: str('weighted-round-robin or close-by-visit.'),
    }),
    RouteRuleGroup: model('The link of a group to a route rule, with its published and pending weights.', {
      groupId: id('Group id.'),
      routeRuleGroupId: id('Link id.'),
      routeRuleId: id('Route rule id.'),
      unreleasedWeight: int('int32', 'Pending weight, set by insert/update; null when never set.', true),
      weight: int('int32', 'Published weight, the one discovery uses; null until the first release (discovery then uses 5).', true),
    }),
    Group: model('A named group of the instances of one service in one region and zone.', {
      appId: str('Application id.'),
      description: nstr(),
      groupId: id('Group id.'),
      groupKey: str('"service/region/zone/name" over the non-blank parts, lower-cased; output only.'),
      metadata: map({ type: 'string' }, true, 'Always null (tags are read with get-group-tags).'),
      name: str('Group name; registered instances whose groupId equals it are physical members.'),
      regionId: str('Region id.'),
      serviceId: str('Service id.'),
      status: str('"active" (any letter case) or anything else (conventionally "inactive").'),
      zoneId: str('Zone id.'),
    }),
    GroupTags: model('The tags of one group; published as the metadata of its ServiceGroup.', {
      groupId: id('Group id.'),
      tags: map({ type: 'string' }, false, 'Tag to value.'),
    }),
    GroupOperations: model('The active operation labels of one group; any label takes its physical members down.', {
      groupId: id('Group id.'),
      operations: arr(str(), false, 'Distinct labels, sorted.'),
    }),
    GroupInstance: model('A logical member of a group.', {
      groupId: id('Group id.'),
      id: id('Member row id.'),
      instanceId: str('Matched against Instance.instanceId of registered and logical instances.'),
    }),
    ServiceInstance: model('A logical instance, kept by hand; published in Service.logicInstances with status "up".', {
      description: nstr(),
      groupId: str('Group name (as Instance.groupId).'),
      healthCheckUrl: str(),
      id: id('Row id.'),
      instanceId: str('Unique per service, ignoring letter case.'),
      ip: str(),
      machineName: str(),
      metadata: map({ type: 'string', nullable: true }, false, 'The stored JSON text parsed back; {} when blank or unreadable.'),
      port: int('int32'),
      protocol: str(),
      regionId: str(),
      serviceId: str(),
      url: str(),
      zoneId: str(),
    }),
  };
}

// ---------------------------------------------------------------------------
// Request entries
// ---------------------------------------------------------------------------

function groupEntryFields(): Json {
  return {
    appId: str('Application id.'),
    description: nstr('Optional.'),
    name: str('Group name.'),
    regionId: str('Region id.'),
    serviceId: str('Service id.'),
    status: str('"active" or e.g. "inactive".'),
    zoneId: str('Zone id.'),
  };
}

const GROUP_REQUIRED = ['appId', 'name', 'regionId', 'serviceId', 'status', 'zoneId'];

function requestEntries(): Json {
  return {
    RouteRuleEntry: obj(
      'A route rule to write, identified by (serviceId, name) ignoring letter case; routeRuleId is ignored.',
      {
        description: nstr('Optional.'),
        name: str('Rule name; "default-route-rule" and "canary-route-rule" are reserved meanings.'),
        serviceId: str('Service id.'),
        status: str('"active" or e.g. "inactive".'),
        strategy: str('weighted-round-robin or close-by-visit.'),
      },
      ['name', 'serviceId', 'status', 'strategy'],
    ),
    GroupEntry: obj(
      'A group to write, identified by (serviceId, regionId, zoneId, name) ignoring letter case; groupId, metadata' +
        ' and groupKey are ignored.',
      groupEntryFields(),
      GROUP_REQUIRED,
    ),
    GroupWeightEntry: obj(
      'A group of create-route-rule with its weight; serviceId must equal the route rule\'s (ignoring letter case).',
      { ...groupEntryFields(), weight: int('int32', 'Becomes the pending weight of the link.') },
      [...GROUP_REQUIRED, 'weight'],
    ),
    RouteRuleGroupEntry: obj(
      'A link to write; weight and routeRuleGroupId are ignored.',
      {
        groupId: id('Group id (not checked to exist).'),
        routeRuleId: id('Route rule id (not checked to exist).'),
        unreleasedWeight: int('int32', 'Pending weight; null clears it. Release ignores it (it is only logged).', true),
      },
      ['groupId', 'routeRuleId'],
    ),
    GroupTagsEntry: obj('Tags of one group; an entry without groupId is skipped.', {
      groupId: id('Group id.', true),
      tags: map({ type: 'string' }, true, 'Tag to value; tags with a blank name or a blank or non-string value are skipped.'),
    }),
    GroupOperationsEntry: obj('Labels to add or complete on one group; an entry without groupId is skipped.', {
      groupId: id('Group id.', true),
      operations: arr(str(), true, 'Labels, e.g. "pullout"; blank ones are skipped.'),
    }),
    GroupInstanceEntry: obj(
      'A logical member to add.',
      { groupId: id('Group id.'), instanceId: str('Instance id.') },
      ['groupId', 'instanceId'],
    ),
    ServiceInstanceEntry: obj(
      'A logical instance to write, identified by (serviceId, instanceId) ignoring letter case; id is ignored.',
      {
        description: nstr('Optional.'),
        groupId: str('Group name.'),
        healthCheckUrl: str(),
        instanceId: str(),
        ip: str(),
        machineName: str(),
        metadata: map({ type: 'string' }, false, 'Stored as JSON text, at most limits.maxFieldLength characters.'),
        port: int('int32', 'Defaults to 0.'),
        protocol: str(),
        regionId: str(),
        serviceId: str('Must not be null; blank is tolerated.'),
        url: str(),
        zoneId: str(),
      },
      ['groupId', 'healthCheckUrl', 'instanceId', 'ip', 'machineName', 'metadata', 'protocol', 'regionId', 'serviceId', 'url', 'zoneId'],
    ),
  };
}

// ---------------------------------------------------------------------------
// Request and response bodies
// ---------------------------------------------------------------------------

function listWrite(description: string, list: string, entry: string): Json {
  const items = arr(ref(entry), false, 'Must not be empty; at most management.maxRoutingBatch entries.');
  return obj(description, { ...auditFields(), [list]: items }, [list, ...AUDIT_REQUIRED]);
}

function idsWrite(description: string, list: string, what: string): Json {
  return obj(description, { ...auditFields(), [list]: ids(what) }, [list, ...AUDIT_REQUIRED]);
}

function filters(description: string, properties: Json): Json {
  return obj(`${description} AND of the given filters (texts compared ignoring letter case); none means all.`, properties);
}

function writeRequests(): Json {
  return {
    RouteRulesWriteRequest: listWrite('Route rules to insert or update.', 'routeRules', 'RouteRuleEntry'),
    DeleteRouteRulesRequest: idsWrite('Route rules to soft-delete.', 'routeRuleIds', 'route rules'),
    CreateRouteRuleRequest: obj(
      'A route rule, its groups and their pending weights in one call.',
      {
        ...auditFields(),
        groups: arr(ref('GroupWeightEntry'), false, 'Must not be empty; at most management.maxRoutingBatch entries.'),
        routeRule: ref('RouteRuleEntry'),
      },
      ['groups', 'routeRule', ...AUDIT_REQUIRED],
    ),
    RouteRuleGroupsWriteRequest: listWrite('Links to insert, update or release.', 'routeRuleGroups', 'RouteRuleGroupEntry'),
    DeleteRouteRuleGroupsRequest: idsWrite('Links to delete.', 'routeRuleGroupIds', 'links'),
    GroupsWriteRequest: listWrite('Groups to insert or update; entries with the same key collapse into the last.', 'groups', 'GroupEntry'),
    DeleteGroupsRequest: idsWrite('Groups to soft-delete.', 'groupIds', 'groups'),
    GroupTagsWriteRequest: obj(
      'Tags to upsert; no audit block. At most management.maxRoutingBatch tags in all.',
      { groupTagsList: arr(ref('GroupTagsEntry'), false, 'Must yield at least one tag.') },
      ['groupTagsList'],
    ),
    DeleteGroupTagsRequest: obj('Tags to delete: AND of the given filters (texts ignoring letter case); at least one is required.', {
      groupId: id('Group id.', true),
      tag: nstr('Tag name.'),
      value: nstr('Tag value.'),
    }),
    OperateGroupOperationsRequest: obj(
      'Add or complete labels on groups by id; the list is expanded into (groupId, label) pairs.',
      {
        ...auditFields('Audit label; required when there is a pair to apply, although the pair\'s label is what is stored.'),
        groupOperationsList: arr(ref('GroupOperationsEntry'), true, 'At most management.maxRoutingBatch pairs.'),
        operationComplete: bool('false (default) adds the labels (pull-out); true removes them (pull-in).', true),
      },
    ),
    OperateGroupOperationRequest: obj(
      'Add or complete one label on the group found by its coordinates; groupId is accepted and ignored.',
      {
        ...auditFields('The group-operation label, e.g. "pullout"; also the audit label.'),
        ...groupEntryFields(),
        operationComplete: bool('false (default) adds the label (pull-out); true removes it (pull-in).', true),
      },
      AUDIT_REQUIRED,
    ),
    GroupInstancesWriteRequest: listWrite('Logical members to add.', 'groupInstances', 'GroupInstanceEntry'),
    DeleteGroupInstancesRequest: idsWrite('Logical members to remove.', 'groupInstanceIds', 'member rows'),
    ServiceInstancesWriteRequest: listWrite('Logical instances to upsert.', 'serviceInstances', 'ServiceInstanceEntry'),
    DeleteServiceInstancesRequest: idsWrite('Logical instances to delete.', 'serviceInstanceIds', 'logical instances'),
  };
}

function readRequests(): Json {
  const groupId = id('Group id.', true);
  return {
    GroupRegionRequest: obj('Accepted for compatibility; regionId is ignored.', { regionId: nstr('Ignored.') }),
    GetRouteRulesRequest: filters('Non-deleted route rules:', {
      name: nstr(),
      routeRuleId: id('Exact rule id.', true),
      serviceId: nstr(),
      status: nstr(),
    }),
    GetRouteRuleGroupsRequest: filters('Links:', {
      groupId,
      routeRuleGroupId: id('Exact link id.', true),
      routeRuleId: id('Route rule id.', true),
    }),
    GetGroupsRequest: filters('Non-deleted groups:', {
      appId: nstr(),
      groupId: id('Ignored, as in the reference.', true),
      name: nstr(),
      regionId: nstr(),
      serviceId: nstr(),
      status: nstr(),
      zoneId: nstr(),
    }),
    GroupIdRequest: obj('One group; other properties are ignored.', { groupId }),
    GetGroupInstancesRequest: filters('Logical members:', { groupId, instanceId: nstr() }),
    GetServiceInstancesRequest: filters('Logical instances:', { instanceId: nstr(), serviceId: nstr() }),
  };
}

function responses(): Json {
  const rateLimited = 'Null when rate limited.';
  return {
    RouteRulesResponse: envelope('Route rules.', { routeRules: arr(ref('ServiceRouteRule'), true, rateLimited) }),
    RouteRuleGroupsResponse: envelope('Route-rule links.', { routeRuleGroups: arr(ref('RouteRuleGroup'), true, rateLimited) }),
    GroupsResponse: envelope('Groups.', { groups: arr(ref('Group'), true, rateLimited) }),
    GroupTagsResponse: envelope('Tags of one group.', { groupTags: ref('GroupTags', true, 'Null when the group has no tag.') }),
    AllGroupTagsResponse: envelope('Tags of every group.', { allGroupTags: arr(ref('GroupTags')) }),
    GroupOperationsResponse: envelope('Labels of one group.', {
      groupOperations: ref('GroupOperations', true, 'Null when the group has no label.'),
    }),
    AllGroupOperationsResponse: envelope('Labels of every group.', { allGroupOperations: arr(ref('GroupOperations')) }),
    GroupInstancesResponse: envelope('Logical members.', { groupInstances: arr(ref('GroupInstance')) }),
    ServiceInstancesResponse: envelope('Logical instances.', { serviceInstances: arr(ref('ServiceInstance')) }),
  };
}

export function groupManagementSchemas(): Json {
  return { ...wireModels(), ...requestEntries(), ...writeRequests(), ...readRequests(), ...responses() };
}

// ---------------------------------------------------------------------------
// Examples (management protocol 6.2.2 and 6.2.5)
// ---------------------------------------------------------------------------

function createRouteRuleExample(): Json {
  const group = (name: string, weight: number): Json => ({
    appId: '100001',
    name,
    regionId: 'SHA',
    serviceId: 'demo.service',
    status: 'active',
    weight,
    zoneId: 'SHAJQ',
  });
  return {
    groups: [group('blue', 90), group('green', 10)],
    operation: 'create-route-rule',
    operatorId: 'alice',
    reason: 'release',
    routeRule: {
      description: 'blue/green',
      name: 'release-2024',
      serviceId: 'demo.service',
      status: 'active',
      strategy: 'weighted-round-robin',
    },
    token: 'ticket-42',
  };
}

function operateGroupOperationsExample(): Json {
  return {
    groupOperationsList: [{ groupId: 12, operations: ['pullout'] }],
    operation: 'operate-group',
    operationComplete: false,
    operatorId: 'alice',
    reason: 'bad build',
    token: 'ticket-42',
  };
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

/** "insert-route-rules" → "insertRouteRules". */
function operationId(path: string): string {
  return path.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function endpoint(e: GroupWrite | GroupRead, description: string, response: string): Endpoint {
  return {
    path: `/api/management/group/${e.path}.json`,
    tag: 'management',
    id: operationId(e.path),
    summary: e.summary,
    description,
    request: e.request,
    response,
    ...('example' in e && e.example !== undefined ? { example: e.example } : {}),
  };
}

function routeRuleWrites(): GroupWrite[] {
  const request = 'RouteRuleGroupsWriteRequest';
  const batch = 'routeRuleGroups entries';
  return [
    {
      path: 'insert-route-rules',
      summary: 'Create route rules.',
      behaviour:
        'Creates the missing rules; an existing (serviceId, name) is only undeleted: its description, status and' +
        ' strategy are kept.',
      failure: INSERT_ROUTE_RULES_FAILED,
      request: 'RouteRulesWriteRequest',
      batch: 'routeRules entries',
    },
    {
      path: 'update-route-rules',
      summary: 'Create or overwrite route rules.',
      behaviour:
        'Upsert by (serviceId, name): an existing rule gets the description, status and strategy of the entry and is' +
        ' undeleted; rules cannot be renamed.',
      failure: UPDATE_ROUTE_RULES_FAILED,
      request: 'RouteRulesWriteRequest',
      batch: 'routeRules entries',
    },
    {
      path: 'delete-route-rules',
      summary: 'Soft-delete route rules.',
      behaviour: 'Marks the rules deleted; their links to groups are kept.',
      failure: DELETE_ROUTE_RULES_FAILED,
      request: 'DeleteRouteRulesRequest',
    },
    {
      path: 'create-route-rule',
      summary: 'Create a route rule with its groups and pending weights.',
      behaviour:
        'Inserts the rule and the groups as insert-route-rules and insert-groups do (existing ones are only' +
        ' undeleted), then links each group to the rule with its weight as the pending weight. The weights are not' +
        ' released: discovery keeps the default weight 5 until release-route-rule-groups.',
      failure: CREATE_ROUTE_RULE_FAILED,
      request: 'CreateRouteRuleRequest',
      batch: 'groups entries',
      example: createRouteRuleExample(),
    },
    {
      path: 'insert-route-rule-groups',
      summary: 'Set the pending weights of route-rule links.',
      behaviour:
        'Upserts each (routeRuleId, groupId) link, writing only its pending weight (unreleasedWeight); the published' +
        ' weight is untouched.',
      failure: INSERT_ROUTE_RULE_GROUPS_FAILED,
      request,
      batch,
    },
    {
      path: 'update-route-rule-groups',
      summary: 'Set the pending weights of route-rule links (same as insert).',
      behaviour: 'Identical to insert-route-rule-groups.',
      failure: UPDATE_ROUTE_RULE_GROUPS_FAILED,
      request,
      batch,
    },
    {
      path: 'release-route-rule-groups',
      summary: 'Publish the pending weights of route-rule links.',
      behaviour:
        'Copies the pending weight of each listed link to its published weight, the one discovery uses; a missing' +
        " link is skipped. The failure text is the reference's (sic).",
      failure: RELEASE_ROUTE_RULE_GROUPS_FAILED,
      request,
      batch,
    },
    {
      path: 'delete-route-rule-groups',
      summary: 'Delete route-rule links.',
      behaviour: 'Hard-deletes the links with those ids.',
      failure: DELETE_ROUTE_RULE_GROUPS_FAILED,
      request: 'DeleteRouteRuleGroupsRequest',
    },
  ];
}

function groupWrites(): GroupWrite[] {
  const tags = { request: 'GroupTagsWriteRequest', batch: 'tags', audit: false };
  return [
    {
      path: 'insert-groups',
      summary: 'Create groups.',
      behaviour:
        'Creates the missing groups; an existing (serviceId, regionId, zoneId, name) is only undeleted: its appId,' +
        ' description and status are kept.',
      failure: INSERT_GROUPS_FAILED,
      request: 'GroupsWriteRequest',
      batch: 'groups entries',
    },
    {
      path: 'update-groups',
      summary: 'Create or overwrite groups.',
      behaviour:
        'Upsert by (serviceId, regionId, zoneId, name): an existing group gets the appId, description and status of' +
        ' the entry and is undeleted.',
      failure: UPDATE_GROUPS_FAILED,
      request: 'GroupsWriteRequest',
      batch: 'groups entries',
    },
    {
      path: 'delete-groups',
      summary: 'Soft-delete groups.',
      behaviour: 'Marks the groups deleted; their tags, operations, members and route-rule links are kept.',
      failure: DELETE_GROUPS_FAILED,
      request: 'DeleteGroupsRequest',
    },
    {
      path: 'insert-group-tags',
      summary: 'Set group tags.',
      behaviour:
        'Upserts each (groupId, tag) with its value; entries without groupId and tags with a blank name or value are' +
        ' skipped, and nothing left to write is bad-request. No audit block and no log row.',
      failure: INSERT_GROUP_TAGS_FAILED,
      ...tags,
    },
    {
      path: 'update-group-tags',
      summary: 'Set group tags (same as insert).',
      behaviour: 'Identical to insert-group-tags.',
      failure: UPDATE_GROUP_TAGS_FAILED,
      ...tags,
    },
    {
      path: 'delete-group-tags',
      summary: 'Delete group tags.',
      behaviour: 'Deletes every tag matching the given groupId, tag and value; at least one of them is required. No log row.',
      failure: DELETE_GROUP_TAGS_FAILED,
      request: 'DeleteGroupTagsRequest',
      audit: false,
      lengths: false,
    },
  ];
}

function operationAndInstanceWrites(): GroupWrite[] {
  return [
    {
      path: 'operate-group-operations',
      summary: 'Pull groups out or back in by group id.',
      behaviour:
        'Adds or removes each (groupId, label) pair; with nothing to apply (no entry with a groupId and a non-blank' +
        ' label) the call succeeds without writing and without checking the audit block.',
      failure: OPERATE_GROUP_OPERATION_FAILED,
      request: 'OperateGroupOperationsRequest',
      batch: '(groupId, label) pairs',
      example: operateGroupOperationsExample(),
    },
    {
      path: 'operate-group-operation',
      summary: 'Pull a group out or back in by its coordinates.',
      behaviour:
        'operation is the label; the first non-deleted group matching the non-blank serviceId, regionId, zoneId and' +
        ' name is used. When none matches, the group is first created from the request (serviceId, regionId, zoneId,' +
        ' name, appId and status then required; no group log row).',
      failure: OPERATE_GROUP_OPERATION_FAILED,
      request: 'OperateGroupOperationRequest',
    },
    {
      path: 'insert-group-instances',
      summary: 'Add logical group members.',
      behaviour: 'Adds each (groupId, instanceId) pair; an existing pair (instanceId ignoring letter case) is left as is.',
      failure: INSERT_GROUP_INSTANCES_FAILED,
      request: 'GroupInstancesWriteRequest',
      batch: 'groupInstances entries',
    },
    {
      path: 'delete-group-instances',
      summary: 'Remove logical group members.',
      behaviour: 'Hard-deletes the member rows with those ids.',
      failure: DELETE_GROUP_INSTANCES_FAILED,
      request: 'DeleteGroupInstancesRequest',
    },
    {
      path: 'insert-service-instances',
      summary: 'Create or overwrite logical instances.',
      behaviour: 'Upsert by (serviceId, instanceId): an existing logical instance gets every other field of the entry.',
      failure: INSERT_SERVICE_INSTANCES_FAILED,
      request: 'ServiceInstancesWriteRequest',
      batch: 'serviceInstances entries',
    },
    {
      path: 'delete-service-instances',
      summary: 'Delete logical instances.',
      behaviour: 'Hard-deletes the logical instances with those ids.',
      failure: DELETE_SERVICE_INSTANCES_FAILED,
      request: 'DeleteServiceInstancesRequest',
    },
  ];
}

function groupReads(): GroupRead[] {
  const all = 'GroupRegionRequest';
  const store = 'read from the store.';
  return [
    {
      path: 'get-route-rules',
      summary: 'Query route rules.',
      behaviour: `Non-deleted rules of any status matching every given filter, ${store}`,
      request: 'GetRouteRulesRequest',
      response: 'RouteRulesResponse',
      failure: GET_ROUTE_RULES_FAILED,
      limited: ['get.route-rules', 'routeRules'],
    },
    {
      path: 'get-all-route-rules',
      summary: 'List every route rule.',
      behaviour: 'Every non-deleted rule of every service, any status.',
      request: all,
      response: 'RouteRulesResponse',
    },
    {
      path: 'get-route-rule-groups',
      summary: 'Query route-rule links.',
      behaviour: `Links matching every given id filter, ${store}`,
      request: 'GetRouteRuleGroupsRequest',
      response: 'RouteRuleGroupsResponse',
      failure: GET_ROUTE_RULE_GROUPS_FAILED,
      limited: ['get.route-rule-groups', 'routeRuleGroups'],
    },
    {
      path: 'get-all-route-rule-groups',
      summary: 'List every route-rule link.',
      behaviour: 'Every link, including links of deleted rules and groups.',
      request: all,
      response: 'RouteRuleGroupsResponse',
    },
    {
      path: 'get-groups',
      summary: 'Query groups.',
      behaviour: `Non-deleted groups matching every given filter, ${store} groupId is ignored.`,
      request: 'GetGroupsRequest',
      response: 'GroupsResponse',
      failure: GET_GROUPS_FAILED,
      limited: ['get.groups', 'groups'],
    },
    {
      path: 'get-all-groups',
      summary: 'List every group.',
      behaviour: 'Every non-deleted group.',
      request: all,
      response: 'GroupsResponse',
    },
    {
      path: 'get-group-tags',
      summary: 'Get the tags of a group.',
      behaviour:
        "From the node's snapshot, deleted groups included; groupTags is null when the group has no tag or groupId" +
        ' is absent.',
      request: 'GroupIdRequest',
      response: 'GroupTagsResponse',
      failure: GET_GROUP_TAGS_FAILED,
    },
    {
      path: 'get-all-group-tags',
      summary: 'List the tags of every group.',
      behaviour: 'Tags of every group, deleted groups included.',
      request: all,
      response: 'AllGroupTagsResponse',
    },
    {
      path: 'get-group-operations',
      summary: 'Get the labels of a group.',
      behaviour:
        "From the node's snapshot, deleted groups included; groupOperations is null when the group has no label or" +
        ' groupId is absent.',
      request: 'GroupIdRequest',
      response: 'GroupOperationsResponse',
      failure: GET_GROUP_OPERATIONS_FAILED,
    },
    {
      path: 'get-all-group-operations',
      summary: 'List the labels of every group.',
      behaviour: 'Every group with a label, deleted groups included.',
      request: all,
      response: 'AllGroupOperationsResponse',
    },
    {
      path: 'get-group-instances',
      summary: 'Query logical group members.',
      behaviour: `Member rows matching every given filter, ${store}`,
      request: 'GetGroupInstancesRequest',
      response: 'GroupInstancesResponse',
      failure: GET_GROUP_INSTANCES_FAILED,
    },
    {
      path: 'get-service-instances',
      summary: 'Query logical instances.',
      behaviour: `Logical instances matching every given filter, ${store}`,
      request: 'GetServiceInstancesRequest',
      response: 'ServiceInstancesResponse',
      failure: GET_SERVICE_INSTANCES_FAILED,
    },
  ];
}

/** The 32 endpoints of /api/management/group/ (20 writes, 12 reads), all POST. */
export function groupManagementEndpoints(): Endpoint[] {
  const writes = [...routeRuleWrites(), ...groupWrites(), ...operationAndInstanceWrites()];
  return [
    ...writes.map((w) => endpoint(w, writeNotes(w), 'ManagementWriteResponse')),
    ...groupReads().map((r) => endpoint(r, readNotes(r), r.response)),
  ];
}
