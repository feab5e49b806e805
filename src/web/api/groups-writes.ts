import {
  CREATE_ROUTE_RULE_FAILED,
  DELETE_GROUP_INSTANCES_FAILED,
  DELETE_GROUP_TAGS_FAILED,
  DELETE_GROUPS_FAILED,
  DELETE_ROUTE_RULE_GROUPS_FAILED,
  DELETE_ROUTE_RULES_FAILED,
  DELETE_SERVICE_INSTANCES_FAILED,
  INSERT_GROUP_INSTANCES_FAILED,
  INSERT_GROUP_TAGS_FAILED,
  INSERT_GROUPS_FAILED,
  INSERT_ROUTE_RULE_GROUPS_FAILED,
  INSERT_ROUTE_RULES_FAILED,
  INSERT_SERVICE_INSTANCES_FAILED,
  OPERATE_GROUP_OPERATION_FAILED,
  RELEASE_ROUTE_RULE_GROUPS_FAILED,
  UPDATE_GROUP_TAGS_FAILED,
  UPDATE_GROUPS_FAILED,
  UPDATE_ROUTE_RULE_GROUPS_FAILED,
  UPDATE_ROUTE_RULES_FAILED,
} from '../../management/failures.js';
import type { RoutingService } from '../../management/routing/routing-service.js';
import type { Endpoint } from '../endpoint.js';
import { managementPath } from '../../core/wire/api-paths.js';
import { written } from './management.js';

/**
 * The 20 writes of /api/management/group/ (management protocol section 6): route rules and their
 * weighted links, groups and their tags, group operations, logical members and instances.
 */

type Json = Record<string, unknown>;

/** A group write: its behaviour, failure text and limits, and the routing call that answers it. */
interface GroupWrite {
  path: string;
  run: (routing: RoutingService, body: unknown) => Promise<void>;
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

// ---- examples (management protocol 6.2.2 and 6.2.5) ----

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

// ---- the writes ----

function routeRuleWrites(): GroupWrite[] {
  const request = 'RouteRuleGroupsWriteRequest';
  const batch = 'routeRuleGroups entries';
  return [
    {
      path: 'insert-route-rules',
      run: (r, b) => r.rules.insertRouteRules(b),
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
      run: (r, b) => r.rules.updateRouteRules(b),
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
      run: (r, b) => r.rules.deleteRouteRules(b),
      summary: 'Soft-delete route rules.',
      behaviour: 'Marks the rules deleted; their links to groups are kept.',
      failure: DELETE_ROUTE_RULES_FAILED,
      request: 'DeleteRouteRulesRequest',
    },
    {
      path: 'create-route-rule',
      run: (r, b) => r.rules.createRouteRule(b),
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
      run: (r, b) => r.rules.insertRouteRuleGroups(b),
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
      run: (r, b) => r.rules.updateRouteRuleGroups(b),
      summary: 'Set the pending weights of route-rule links (same as insert).',
      behaviour: 'Identical to insert-route-rule-groups.',
      failure: UPDATE_ROUTE_RULE_GROUPS_FAILED,
      request,
      batch,
    },
    {
      path: 'release-route-rule-groups',
      run: (r, b) => r.rules.releaseRouteRuleGroups(b),
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
      run: (r, b) => r.rules.deleteRouteRuleGroups(b),
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
      run: (r, b) => r.groups.insertGroups(b),
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
      run: (r, b) => r.groups.updateGroups(b),
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
      run: (r, b) => r.groups.deleteGroups(b),
      summary: 'Soft-delete groups.',
      behaviour: 'Marks the groups deleted; their tags, operations, members and route-rule links are kept.',
      failure: DELETE_GROUPS_FAILED,
      request: 'DeleteGroupsRequest',
    },
    {
      path: 'insert-group-tags',
      run: (r, b) => r.groups.insertGroupTags(b),
      summary: 'Set group tags.',
      behaviour:
        'Upserts each (groupId, tag) with its value; entries without groupId and tags with a blank name or value are' +
        ' skipped, and nothing left to write is bad-request. No audit block and no log row.',
      failure: INSERT_GROUP_TAGS_FAILED,
      ...tags,
    },
    {
      path: 'update-group-tags',
      run: (r, b) => r.groups.updateGroupTags(b),
      summary: 'Set group tags (same as insert).',
      behaviour: 'Identical to insert-group-tags.',
      failure: UPDATE_GROUP_TAGS_FAILED,
      ...tags,
    },
    {
      path: 'delete-group-tags',
      run: (r, b) => r.groups.deleteGroupTags(b),
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
      run: (r, b) => r.groups.operateGroupOperations(b),
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
      run: (r, b) => r.groups.operateGroupOperation(b),
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
      run: (r, b) => r.members.insertGroupInstances(b),
      summary: 'Add logical group members.',
      behaviour: 'Adds each (groupId, instanceId) pair; an existing pair (instanceId ignoring letter case) is left as is.',
      failure: INSERT_GROUP_INSTANCES_FAILED,
      request: 'GroupInstancesWriteRequest',
      batch: 'groupInstances entries',
    },
    {
      path: 'delete-group-instances',
      run: (r, b) => r.members.deleteGroupInstances(b),
      summary: 'Remove logical group members.',
      behaviour: 'Hard-deletes the member rows with those ids.',
      failure: DELETE_GROUP_INSTANCES_FAILED,
      request: 'DeleteGroupInstancesRequest',
    },
    {
      path: 'insert-service-instances',
      run: (r, b) => r.members.insertServiceInstances(b),
      summary: 'Create or overwrite logical instances.',
      behaviour: 'Upsert by (serviceId, instanceId): an existing logical instance gets every other field of the entry.',
      failure: INSERT_SERVICE_INSTANCES_FAILED,
      request: 'ServiceInstancesWriteRequest',
      batch: 'serviceInstances entries',
    },
    {
      path: 'delete-service-instances',
      run: (r, b) => r.members.deleteServiceInstances(b),
      summary: 'Delete logical instances.',
      behaviour: 'Hard-deletes the logical instances with those ids.',
      failure: DELETE_SERVICE_INSTANCES_FAILED,
      request: 'DeleteServiceInstancesRequest',
    },
  ];
}

/** "insert-route-rules" → "insertRouteRules". */
export const groupOperationId = (path: string): string => path.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function groupWriteEndpoints(routing: RoutingService): Endpoint[] {
  return [...routeRuleWrites(), ...groupWrites(), ...operationAndInstanceWrites()].map((w) => ({
    operationId: groupOperationId(w.path),
    path: managementPath(`group/${w.path}`),
    methods: ['POST'],
    tag: 'management',
    summary: w.summary,
    notes: writeNotes(w),
    request: w.request,
    response: 'ManagementWriteResponse',
    ...(w.example === undefined ? {} : { requestExample: w.example }),
    failures: [w.failure],
    rateLimit: 'none',
    access: 'management-write',
    bareFailure: true,
    handle: written((b) => w.run(routing, b)),
  }));
}
