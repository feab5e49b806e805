import { z } from 'zod';
import { envelope, javaInt, javaLong } from './management.js';

/**
 * Requests and responses of the group API (`/api/management/group/**`, management protocol
 * section 6): groups, route rules and their weighted links, group tags, group operations, logical
 * group members and logical service instances. Response models write every key, in alphabetical
 * order; requests are read ignoring letter case, unknown properties ignored.
 */

const id = (description: string) => javaLong().describe(description);

// ---- wire models (responses) ----

export const ServiceRouteRuleSchema = z
  .object({
    description: z.string().nullable(),
    name: z.string().describe('Unique per service, ignoring letter case.'),
    routeRuleId: id('Rule id.'),
    serviceId: z.string().describe('Service id.'),
    status: z.string().describe('"active" (any letter case) publishes the rule; anything else does not.'),
    strategy: z.string().describe('weighted-round-robin or close-by-visit.'),
  })
  .describe('A route rule of a service; its name becomes RouteRule.routeId in discovery.');
export const RouteRuleGroupSchema = z
  .object({
    groupId: id('Group id.'),
    routeRuleGroupId: id('Link id.'),
    routeRuleId: id('Route rule id.'),
    unreleasedWeight: javaInt().nullable().describe('Pending weight, set by insert/update; null when never set.'),
    weight: javaInt().nullable().describe('Published weight, the one discovery uses; null until the first release (discovery then uses 5).'),
  })
  .describe('The link of a group to a route rule, with its published and pending weights.');
export const GroupSchema = z
  .object({
    appId: z.string().describe('Application id.'),
    description: z.string().nullable(),
    groupId: id('Group id.'),
    groupKey: z.string().describe('"service/region/zone/name" over the non-blank parts, lower-cased; output only.'),
    metadata: z.record(z.string(), z.string()).nullable().describe('Always null (tags are read with get-group-tags).'),
    name: z.string().describe('Group name; registered instances whose groupId equals it are physical members.'),
    regionId: z.string().describe('Region id.'),
    serviceId: z.string().describe('Service id.'),
    status: z.string().describe('"active" (any letter case) or anything else (conventionally "inactive").'),
    zoneId: z.string().describe('Zone id.'),
  })
  .describe('A named group of the instances of one service in one region and zone.');
export const GroupTagsSchema = z
  .object({ groupId: id('Group id.'), tags: z.record(z.string(), z.string()).describe('Tag to value.') })
  .describe('The tags of one group; published as the metadata of its ServiceGroup.');
export const GroupOperationsSchema = z
  .object({ groupId: id('Group id.'), operations: z.array(z.string()).describe('Distinct labels, sorted.') })
  .describe('The active operation labels of one group; any label takes its physical members down.');
export const GroupInstanceSchema = z
  .object({ groupId: id('Group id.'), id: id('Member row id.'), instanceId: z.string().describe('Matched against Instance.instanceId of registered and logical instances.') })
  .describe('A logical member of a group.');
export const ServiceInstanceSchema = z
  .object({
    description: z.string().nullable(),
    groupId: z.string().describe('Group name (as Instance.groupId).'),
    healthCheckUrl: z.string(),
    id: id('Row id.'),
    instanceId: z.string().describe('Unique per service, ignoring letter case.'),
    ip: z.string(),
    machineName: z.string(),
    metadata: z.record(z.string(), z.string().nullable()).describe('The stored JSON text parsed back; {} when blank or unreadable.'),
    port: javaInt(),
    protocol: z.string(),
    regionId: z.string(),
    serviceId: z.string(),
    url: z.string(),
    zoneId: z.string(),
  })
  .describe('A logical instance, kept by hand; published in Service.logicInstances with status "up".');
export type ServiceRouteRule = z.infer<typeof ServiceRouteRuleSchema>;
export type RouteRuleGroup = z.infer<typeof RouteRuleGroupSchema>;
export type Group = z.infer<typeof GroupSchema>;
export type GroupTags = z.infer<typeof GroupTagsSchema>;
export type GroupOperations = z.infer<typeof GroupOperationsSchema>;
export type GroupInstance = z.infer<typeof GroupInstanceSchema>;
export type ServiceInstance = z.infer<typeof ServiceInstanceSchema>;

// ---- request entries ----

/** The audit block of section 1.6; `operation`, `operatorId` and `token` must be non-blank. */
const audit = (operation = 'Free-text audit label copied into the log rows, e.g. "insert".') => ({
  extensions: z.string().optional().describe('Audit extensions (JSON text) for the log rows; "{}" when absent. Omit it rather than sending null.'),
  operation: z.string().describe(operation),
  operatorId: z.string().describe('Who performs the change.'),
  reason: z.string().nullish().describe('Free text copied into the log rows.'),
  token: z.string().describe('Operator ticket; stored, never checked.'),
});
const optionalAudit = () => {
  const a = audit('Audit label; required when there is a pair to apply, although the pair\'s label is what is stored.');
  return { ...a, operation: a.operation.optional(), operatorId: a.operatorId.optional(), token: a.token.optional() };
};

const groupFields = {
  appId: z.string().describe('Application id.'),
  description: z.string().nullish().describe('Optional.'),
  name: z.string().describe('Group name.'),
  regionId: z.string().describe('Region id.'),
  serviceId: z.string().describe('Service id.'),
  status: z.string().describe('"active" or e.g. "inactive".'),
  zoneId: z.string().describe('Zone id.'),
};

export const RouteRuleEntrySchema = z
  .looseObject({
    description: z.string().nullish().describe('Optional.'),
    name: z.string().describe('Rule name; "default-route-rule" and "canary-route-rule" are reserved meanings.'),
    serviceId: z.string().describe('Service id.'),
    status: z.string().describe('"active" or e.g. "inactive".'),
    strategy: z.string().describe('weighted-round-robin or close-by-visit.'),
  })
  .describe('A route rule to write, identified by (serviceId, name) ignoring letter case; routeRuleId is ignored.');
export const GroupEntrySchema = z
  .looseObject(groupFields)
  .describe('A group to write, identified by (serviceId, regionId, zoneId, name) ignoring letter case; groupId, metadata and groupKey are ignored.');
export const GroupWeightEntrySchema = z
  .looseObject({ ...groupFields, weight: javaInt().describe('Becomes the pending weight of the link.') })
  .describe("A group of create-route-rule with its weight; serviceId must equal the route rule's (ignoring letter case).");
export const RouteRuleGroupEntrySchema = z
  .looseObject({
    groupId: id('Group id (not checked to exist).'),
    routeRuleId: id('Route rule id (not checked to exist).'),
    unreleasedWeight: javaInt().nullish().describe('Pending weight; null clears it. Release ignores it (it is only logged).'),
  })
  .describe('A link to write; weight and routeRuleGroupId are ignored.');
export const GroupTagsEntrySchema = z
  .looseObject({
    groupId: id('Group id.').nullish(),
    tags: z.record(z.string(), z.string()).nullish().describe('Tag to value; tags with a blank name or a blank or non-string value are skipped.'),
  })
  .describe('Tags of one group; an entry without groupId is skipped.');
export const GroupOperationsEntrySchema = z
  .looseObject({ groupId: id('Group id.').nullish(), operations: z.array(z.string()).nullish().describe('Labels, e.g. "pullout"; blank ones are skipped.') })
  .describe('Labels to add or complete on one group; an entry without groupId is skipped.');
export const GroupInstanceEntrySchema = z.looseObject({ groupId: id('Group id.'), instanceId: z.string().describe('Instance id.') }).describe('A logical member to add.');
export const ServiceInstanceEntrySchema = z
  .looseObject({
    description: z.string().nullish().describe('Optional.'),
    groupId: z.string().describe('Group name.'),
    healthCheckUrl: z.string(),
    instanceId: z.string(),
    ip: z.string(),
    machineName: z.string(),
    metadata: z.record(z.string(), z.string()).describe('Stored as JSON text, at most limits.maxFieldLength characters.'),
    port: javaInt().optional().describe('Defaults to 0.'),
    protocol: z.string(),
    regionId: z.string(),
    serviceId: z.string().describe('Must not be null; blank is tolerated.'),
    url: z.string(),
    zoneId: z.string(),
  })
  .describe('A logical instance to write, identified by (serviceId, instanceId) ignoring letter case; id is ignored.');
export type RouteRuleGroupEntry = z.infer<typeof RouteRuleGroupEntrySchema>;

// ---- write requests ----

const batch = () => 'Must not be empty; at most management.maxRoutingBatch entries.';
const listWrite = <K extends string, T extends z.ZodType>(description: string, list: K, entry: T) =>
  z.looseObject({ ...audit(), ...({ [list]: z.array(entry).describe(batch()) } as Record<K, z.ZodArray<T>>) }).describe(description);
const idsWrite = <K extends string>(description: string, list: K, what: string) =>
  z
    .looseObject({ ...audit(), ...({ [list]: z.array(javaLong()).describe(`Ids of the ${what}; must not be empty (a null entry counts as 0).`) } as Record<K, z.ZodArray<z.ZodInt>>) })
    .describe(description);

export const RouteRulesWriteRequestSchema = listWrite('Route rules to insert or update.', 'routeRules', RouteRuleEntrySchema);
export const DeleteRouteRulesRequestSchema = idsWrite('Route rules to soft-delete.', 'routeRuleIds', 'route rules');
export const CreateRouteRuleRequestSchema = z
  .looseObject({ ...audit(), groups: z.array(GroupWeightEntrySchema).describe(batch()), routeRule: RouteRuleEntrySchema })
  .describe('A route rule, its groups and their pending weights in one call.');
export const RouteRuleGroupsWriteRequestSchema = listWrite('Links to insert, update or release.', 'routeRuleGroups', RouteRuleGroupEntrySchema);
export const DeleteRouteRuleGroupsRequestSchema = idsWrite('Links to delete.', 'routeRuleGroupIds', 'links');
export const GroupsWriteRequestSchema = listWrite('Groups to insert or update; entries with the same key collapse into the last.', 'groups', GroupEntrySchema);
export const DeleteGroupsRequestSchema = idsWrite('Groups to soft-delete.', 'groupIds', 'groups');
export const GroupTagsWriteRequestSchema = z
  .looseObject({ groupTagsList: z.array(GroupTagsEntrySchema).describe('Must yield at least one tag.') })
  .describe('Tags to upsert; no audit block. At most management.maxRoutingBatch tags in all.');
export const DeleteGroupTagsRequestSchema = z
  .looseObject({ groupId: id('Group id.').nullish(), tag: z.string().nullish().describe('Tag name.'), value: z.string().nullish().describe('Tag value.') })
  .describe('Tags to delete: AND of the given filters (texts ignoring letter case); at least one is required.');
export const OperateGroupOperationsRequestSchema = z
  .looseObject({
    ...optionalAudit(),
    groupOperationsList: z.array(GroupOperationsEntrySchema).nullish().describe('At most management.maxRoutingBatch pairs.'),
    operationComplete: z.boolean().nullish().describe('false (default) adds the labels (pull-out); true removes them (pull-in).'),
  })
  .describe('Add or complete labels on groups by id; the list is expanded into (groupId, label) pairs.');
export const OperateGroupOperationRequestSchema = z
  .looseObject({
    ...audit('The group-operation label, e.g. "pullout"; also the audit label.'),
    ...Object.fromEntries(Object.entries(groupFields).map(([k, v]) => [k, v.optional()])),
    operationComplete: z.boolean().nullish().describe('false (default) adds the label (pull-out); true removes it (pull-in).'),
  })
  .describe('Add or complete one label on the group found by its coordinates; groupId is accepted and ignored.');
export const GroupInstancesWriteRequestSchema = listWrite('Logical members to add.', 'groupInstances', GroupInstanceEntrySchema);
export const DeleteGroupInstancesRequestSchema = idsWrite('Logical members to remove.', 'groupInstanceIds', 'member rows');
export const ServiceInstancesWriteRequestSchema = listWrite('Logical instances to upsert.', 'serviceInstances', ServiceInstanceEntrySchema);
export const DeleteServiceInstancesRequestSchema = idsWrite('Logical instances to delete.', 'serviceInstanceIds', 'logical instances');
export type RouteRuleGroupsWriteRequest = z.infer<typeof RouteRuleGroupsWriteRequestSchema>;
export type OperateGroupOperationsRequest = z.infer<typeof OperateGroupOperationsRequestSchema>;

// ---- read requests ----

const filters = (description: string) => `${description} AND of the given filters (texts compared ignoring letter case); none means all.`;
const nstr = () => z.string().nullish();
export const GroupRegionRequestSchema = z.looseObject({ regionId: nstr().describe('Ignored.') }).describe('Accepted for compatibility; regionId is ignored.');
export const GetRouteRulesRequestSchema = z
  .looseObject({ name: nstr(), routeRuleId: id('Exact rule id.').nullish(), serviceId: nstr(), status: nstr() })
  .describe(filters('Non-deleted route rules:'));
export const GetRouteRuleGroupsRequestSchema = z
  .looseObject({ groupId: id('Group id.').nullish(), routeRuleGroupId: id('Exact link id.').nullish(), routeRuleId: id('Route rule id.').nullish() })
  .describe(filters('Links:'));
export const GetGroupsRequestSchema = z
  .looseObject({ appId: nstr(), groupId: id('Ignored, as in the reference.').nullish(), name: nstr(), regionId: nstr(), serviceId: nstr(), status: nstr(), zoneId: nstr() })
  .describe(filters('Non-deleted groups:'));
export const GroupIdRequestSchema = z.looseObject({ groupId: id('Group id.').nullish() }).describe('One group; other properties are ignored.');
export const GetGroupInstancesRequestSchema = z.looseObject({ groupId: id('Group id.').nullish(), instanceId: nstr() }).describe(filters('Logical members:'));
export const GetServiceInstancesRequestSchema = z.looseObject({ instanceId: nstr(), serviceId: nstr() }).describe(filters('Logical instances:'));
export type GetRouteRuleGroupsRequest = z.infer<typeof GetRouteRuleGroupsRequestSchema>;

// ---- responses ----

const rateLimited = 'Null when rate limited.';
export const RouteRulesResponseSchema = envelope('Route rules.', { routeRules: z.array(ServiceRouteRuleSchema).nullable().describe(rateLimited) });
export const RouteRuleGroupsResponseSchema = envelope('Route-rule links.', { routeRuleGroups: z.array(RouteRuleGroupSchema).nullable().describe(rateLimited) });
export const GroupsResponseSchema = envelope('Groups.', { groups: z.array(GroupSchema).nullable().describe(rateLimited) });
export const GroupTagsResponseSchema = envelope('Tags of one group.', { groupTags: GroupTagsSchema.nullable().describe('Null when the group has no tag.') });
export const AllGroupTagsResponseSchema = envelope('Tags of every group.', { allGroupTags: z.array(GroupTagsSchema) });
export const GroupOperationsResponseSchema = envelope('Labels of one group.', { groupOperations: GroupOperationsSchema.nullable().describe('Null when the group has no label.') });
export const AllGroupOperationsResponseSchema = envelope('Labels of every group.', { allGroupOperations: z.array(GroupOperationsSchema) });
export const GroupInstancesResponseSchema = envelope('Logical members.', { groupInstances: z.array(GroupInstanceSchema) });
export const ServiceInstancesResponseSchema = envelope('Logical instances.', { serviceInstances: z.array(ServiceInstanceSchema) });
export type RouteRulesResponse = z.infer<typeof RouteRulesResponseSchema>;
export type RouteRuleGroupsResponse = z.infer<typeof RouteRuleGroupsResponseSchema>;
export type GroupsResponse = z.infer<typeof GroupsResponseSchema>;
export type GroupTagsResponse = z.infer<typeof GroupTagsResponseSchema>;
export type AllGroupTagsResponse = z.infer<typeof AllGroupTagsResponseSchema>;
export type GroupOperationsResponse = z.infer<typeof GroupOperationsResponseSchema>;
export type AllGroupOperationsResponse = z.infer<typeof AllGroupOperationsResponseSchema>;
export type GroupInstancesResponse = z.infer<typeof GroupInstancesResponseSchema>;
export type ServiceInstancesResponse = z.infer<typeof ServiceInstancesResponseSchema>;
