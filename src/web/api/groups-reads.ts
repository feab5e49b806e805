import { GET_GROUP_INSTANCES_FAILED, GET_GROUP_OPERATIONS_FAILED, GET_GROUP_TAGS_FAILED, GET_GROUPS_FAILED, GET_ROUTE_RULE_GROUPS_FAILED, GET_ROUTE_RULES_FAILED, GET_SERVICE_INSTANCES_FAILED } from '../../management/failures.js';
import type { RoutingService } from '../../management/routing/routing-service.js';
import { wire, type Endpoint } from '../endpoint.js';
import { groupOperationId } from './groups-writes.js';
import { managementPath } from '../../core/wire/api-paths.js';

/**
 * The 12 reads of /api/management/group/: "get-all-…" from the node's snapshot, the others from
 * the store; get-groups, get-route-rules and get-route-rule-groups are rate limited (rateLimit.group).
 */

/** A group read: its behaviour, failure text and, for the three limited reads, the rate-limit identity. */
interface GroupRead {
  path: string;
  run: (routing: RoutingService, body: unknown) => object | Promise<object>;
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

function groupReads(): GroupRead[] {
  const all = 'GroupRegionRequest';
  const store = 'read from the store.';
  return [
    {
      path: 'get-route-rules',
      run: (r, b) => r.rules.getRouteRules(b),
      summary: 'Query route rules.',
      behaviour: `Non-deleted rules of any status matching every given filter, ${store}`,
      request: 'GetRouteRulesRequest',
      response: 'RouteRulesResponse',
      failure: GET_ROUTE_RULES_FAILED,
      limited: ['get.route-rules', 'routeRules'],
    },
    {
      path: 'get-all-route-rules',
      run: (r) => r.rules.getAllRouteRules(),
      summary: 'List every route rule.',
      behaviour: 'Every non-deleted rule of every service, any status.',
      request: all,
      response: 'RouteRulesResponse',
    },
    {
      path: 'get-route-rule-groups',
      run: (r, b) => r.rules.getRouteRuleGroups(b),
      summary: 'Query route-rule links.',
      behaviour: `Links matching every given id filter, ${store}`,
      request: 'GetRouteRuleGroupsRequest',
      response: 'RouteRuleGroupsResponse',
      failure: GET_ROUTE_RULE_GROUPS_FAILED,
      limited: ['get.route-rule-groups', 'routeRuleGroups'],
    },
    {
      path: 'get-all-route-rule-groups',
      run: (r) => r.rules.getAllRouteRuleGroups(),
      summary: 'List every route-rule link.',
      behaviour: 'Every link, including links of deleted rules and groups.',
      request: all,
      response: 'RouteRuleGroupsResponse',
    },
    {
      path: 'get-groups',
      run: (r, b) => r.groups.getGroups(b),
      summary: 'Query groups.',
      behaviour: `Non-deleted groups matching every given filter, ${store} groupId is ignored.`,
      request: 'GetGroupsRequest',
      response: 'GroupsResponse',
      failure: GET_GROUPS_FAILED,
      limited: ['get.groups', 'groups'],
    },
    {
      path: 'get-all-groups',
      run: (r) => r.groups.getAllGroups(),
      summary: 'List every group.',
      behaviour: 'Every non-deleted group.',
      request: all,
      response: 'GroupsResponse',
    },
    {
      path: 'get-group-tags',
      run: (r, b) => r.groups.getGroupTags(b),
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
      run: (r) => r.groups.getAllGroupTags(),
      summary: 'List the tags of every group.',
      behaviour: 'Tags of every group, deleted groups included.',
      request: all,
      response: 'AllGroupTagsResponse',
    },
    {
      path: 'get-group-operations',
      run: (r, b) => r.groups.getGroupOperations(b),
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
      run: (r) => r.groups.getAllGroupOperations(),
      summary: 'List the labels of every group.',
      behaviour: 'Every group with a label, deleted groups included.',
      request: all,
      response: 'AllGroupOperationsResponse',
    },
    {
      path: 'get-group-instances',
      run: (r, b) => r.members.getGroupInstances(b),
      summary: 'Query logical group members.',
      behaviour: `Member rows matching every given filter, ${store}`,
      request: 'GetGroupInstancesRequest',
      response: 'GroupInstancesResponse',
      failure: GET_GROUP_INSTANCES_FAILED,
    },
    {
      path: 'get-service-instances',
      run: (r, b) => r.members.getServiceInstances(b),
      summary: 'Query logical instances.',
      behaviour: `Logical instances matching every given filter, ${store}`,
      request: 'GetServiceInstancesRequest',
      response: 'ServiceInstancesResponse',
      failure: GET_SERVICE_INSTANCES_FAILED,
    },
  ];
}

export function groupReadEndpoints(routing: RoutingService): Endpoint[] {
  return groupReads().map((r) => ({
    operationId: groupOperationId(r.path),
    path: managementPath(`group/${r.path}`),
    methods: ['POST'],
    tag: 'management',
    summary: r.summary,
    notes: readNotes(r),
    request: r.request,
    response: r.response,
    ...(r.failure === undefined ? {} : { failures: [r.failure] }),
    rateLimit: r.limited === undefined ? 'none' : 'group',
    access: 'read',
    bareFailure: true,
    handle: async (input) => wire(await r.run(routing, await input.body())),
  }));
}
