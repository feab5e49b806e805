import { z } from 'zod';
import type { Instance } from './instance.js';
import type { Service, ServiceGroup } from './service.js';

/**
 * Requests and responses of the management API (management protocol sections 4, 5, 7, 8):
 * instance, server and zone operations, canary IPs, the management views and the audit logs.
 * Each shape is a zod schema, the JSON the server reads and writes (response keys in alphabetical
 * order, every key present, null where the reference writes null), and a type inferred from it.
 * The OpenAPI components are generated from these schemas; the SDK imports only the types.
 */

// ---- shared pieces ----

/** A Java `long` id. */
export const javaLong = () => z.int();
/** A Java `int`. */
export const javaInt = () => z.int32();

export const ResponseStatusSchema = z.object({ errorCode: z.string(), message: z.string().nullable(), status: z.string() });

/** Shapes declared by the discovery wire types (core/wire/instance.ts, service.ts); documented there. */
export const InstanceRef = z.custom<Instance>();
export const ServiceRef = z.custom<Service>();
export const ServiceGroupRef = z.custom<ServiceGroup>();

/** A response: its fields and the `responseStatus` every answer carries, keys in alphabetical order as the server writes them. */
export function envelope<T extends z.ZodRawShape>(description: string, fields: T) {
  const shape = { ...fields, responseStatus: ResponseStatusSchema };
  const sorted = Object.fromEntries(Object.keys(shape).sort().map((k) => [k, shape[k as keyof typeof shape]])) as typeof shape;
  return z.object(sorted).describe(description);
}

export const ManagementWriteResponseSchema = envelope('Outcome of a management write.', {});
export type ManagementWriteResponse = z.infer<typeof ManagementWriteResponseSchema>;

// ---- keys and operations ----

export const InstanceKeySchema = z
  .object({ instanceId: z.string().describe('Instance id.'), regionId: z.string().describe('Region id.'), serviceId: z.string().describe('Service id.') })
  .describe('An instance; every part is compared ignoring letter case.');
export const ServerKeySchema = z
  .object({ regionId: z.string().describe('Region id.'), serverId: z.string().describe('IP address, as instances report it in Instance.ip.') })
  .describe('A server (machine) of a region; both parts are compared ignoring letter case.');
export const ZoneKeySchema = z
  .object({
    regionId: z.string().describe('Region id.'),
    serviceId: z.string().describe('Service id (a zone operation affects this service only).'),
    zoneId: z.string().describe('Zone id.'),
  })
  .describe('A zone of one service; every part is compared ignoring letter case.');
export type InstanceKey = z.infer<typeof InstanceKeySchema>;
export type ServerKey = z.infer<typeof ServerKeySchema>;
export type ZoneKey = z.infer<typeof ZoneKeySchema>;

const labels = () => z.array(z.string()).describe('Distinct operation labels, sorted.');
const firstStored = (target: string) => `Active operations on one ${target}; the key is returned as first stored (original letter case).`;
export const InstanceOperationsSchema = z.object({ instanceKey: InstanceKeySchema, operations: labels() }).describe(firstStored('instance'));
export const ServerOperationsSchema = z.object({ operations: labels(), serverKey: ServerKeySchema }).describe(firstStored('server'));
export const ZoneOperationsSchema = z.object({ operations: labels(), zoneKey: ZoneKeySchema }).describe(firstStored('zone of a service'));
export type InstanceOperations = z.infer<typeof InstanceOperationsSchema>;
export type ServerOperations = z.infer<typeof ServerOperationsSchema>;
export type ZoneOperations = z.infer<typeof ZoneOperationsSchema>;

const operateFields = {
  operationComplete: z.boolean().nullish().describe('false (default) adds the operation (pull-out); true completes it (pull-in).'),
  operatorId: z.string().describe('Who performs the change; required.'),
  token: z.string().nullish().describe('Operator ticket; stored, never checked; defaults to "".'),
  reason: z.string().nullish().describe('Why (free text); instance and server writes keep it in the log row\'s extensions as {"reason": …}.'),
};
const operationLabel = () => z.string().describe('Operation label: any non-blank text, e.g. "pullout"; stored verbatim.');

export const OperateInstanceRequestSchema = z
  .looseObject({ instanceKey: InstanceKeySchema, operation: operationLabel(), ...operateFields })
  .describe('Add (pull-out) or complete (pull-in) one operation on an instance.');
export const OperateServerRequestSchema = z
  .looseObject({ operation: operationLabel(), serverKey: ServerKeySchema, ...operateFields })
  .describe('Add (pull-out) or complete (pull-in) one operation on every instance of a server.');
export const OperateZoneOperationsRequestSchema = z
  .looseObject({
    ...operateFields,
    reason: z.string().nullish().describe('Accepted, not stored.'),
    zoneOperationsList: z.array(ZoneOperationsSchema).describe('Entries without zoneKey, and blank labels, are skipped.'),
  })
  .describe('Add or complete operations on zones of services; the list is expanded into (zoneKey, operation) pairs.');
export const UpdateCanaryIpsRequestSchema = z
  .looseObject({
    appId: z.string().describe('Application id; names the canary group.'),
    canaryIps: z.array(z.string()).describe('Canary group members: they match instances with an equal instanceId. [] clears.'),
    extensions: z.string().nullish().describe('Audit extensions (JSON text); omit it rather than sending null.'),
    operation: z.string().describe('Free-text audit label, copied into the group-instance log.'),
    operatorId: z.string().describe('Who performs the change.'),
    reason: z.string().nullish().describe('Free text, copied into the group-instance log.'),
    serviceId: z.string().describe('Service id.'),
    token: z.string().describe('Operator ticket; stored, never checked.'),
  })
  .describe("Make the canary IPs of one application of a service (in the node's region) exactly the given set.");
export type OperateInstanceRequest = z.infer<typeof OperateInstanceRequestSchema>;
export type OperateServerRequest = z.infer<typeof OperateServerRequestSchema>;
export type OperateZoneOperationsRequest = z.infer<typeof OperateZoneOperationsRequestSchema>;
export type UpdateCanaryIpsRequest = z.infer<typeof UpdateCanaryIpsRequestSchema>;

// ---- reads and views ----

export const InstanceKeyRequestSchema = z.looseObject({ instanceKey: InstanceKeySchema }).describe('The instanceKey to look up.');
export const ServerKeyRequestSchema = z.looseObject({ serverKey: ServerKeySchema }).describe('The serverKey to look up.');
export const ZoneKeyRequestSchema = z.looseObject({ zoneKey: ZoneKeySchema }).describe('The zoneKey to look up.');
export const ManagementRegionRequestSchema = z
  .looseObject({ regionId: z.string().nullish().describe('Exact (case-sensitive) region; blank or absent means all. Ignored by get-all-zone-operations.') })
  .describe('Region filter of the "all" views.');
export const InstanceDownRequestSchema = z
  .looseObject({ instance: InstanceRef })
  .describe('The instance to test; its regionId, serviceId, instanceId, ip and zoneId are used.');
export const ZoneOperationsListRequestSchema = z
  .looseObject({ regionId: z.string().nullish().describe('Region id.'), serviceId: z.string().nullish().describe('Service id.'), zoneId: z.string().nullish().describe('Zone id.') })
  .describe('AND of the non-blank filters, ignoring letter case; none means all.');
export const ManagementServiceRequestSchema = z
  .looseObject({ regionId: z.string().nullish(), serviceId: z.string().describe('Service id, required.'), zoneId: z.string().nullish() })
  .describe('One service; regionId and zoneId are accepted and ignored.');
export type InstanceKeyRequest = z.infer<typeof InstanceKeyRequestSchema>;
export type ServerKeyRequest = z.infer<typeof ServerKeyRequestSchema>;
export type ManagementRegionRequest = z.infer<typeof ManagementRegionRequestSchema>;

const noneActive = 'Null when none is active.';
export const InstanceOperationsResponseSchema = envelope('Active operations of one instance.', { operations: InstanceOperationsSchema.nullable().describe(noneActive) });
export const ServerOperationsResponseSchema = envelope('Active operations of one server.', { operations: ServerOperationsSchema.nullable().describe(noneActive) });
export const ZoneOperationsResponseSchema = envelope('Active operations of one zone.', { operations: ZoneOperationsSchema.nullable().describe(noneActive) });
export const AllInstanceOperationsResponseSchema = envelope('Instances being operated on.', { allInstanceOperations: z.array(InstanceOperationsSchema) });
export const AllServerOperationsResponseSchema = envelope('Servers being operated on.', { allServerOperations: z.array(ServerOperationsSchema) });
export const AllZoneOperationsResponseSchema = envelope('Zones being operated on.', { allZoneOperations: z.array(ZoneOperationsSchema) });
export const ZoneOperationsListResponseSchema = envelope('Zones matching the filters.', { zoneOperationsList: z.array(ZoneOperationsSchema) });
export const DownResponseSchema = envelope('Whether the target is pulled out.', { down: z.boolean().describe('True while an operation takes it down.') });
const managementView =
  'Pulled-out instances are kept with status "down", the others get "up"; metadata gains creationTime, renewalTime' +
  ' and ttl (ms, decimal strings); routeRules and logicInstances are set.';
export const ManagementServicesResponseSchema = envelope('Every service with at least one lease; no instance is removed.', {
  services: z.array(ServiceRef).describe(managementView),
  version: javaLong().describe('Current server time, ms since the epoch.'),
});
export const ManagementServiceResponseSchema = envelope('One service as services.json shows it, plus its groups and canary groups.', {
  groups: z.array(ServiceGroupRef).describe('Every group of the service, then one per canary app: groupKey, instanceIds (its IPs).'),
  service: ServiceRef.describe(`${managementView} instances is null when the service has no lease.`),
});
export type InstanceOperationsResponse = z.infer<typeof InstanceOperationsResponseSchema>;
export type ServerOperationsResponse = z.infer<typeof ServerOperationsResponseSchema>;
export type ZoneOperationsResponse = z.infer<typeof ZoneOperationsResponseSchema>;
export type AllInstanceOperationsResponse = z.infer<typeof AllInstanceOperationsResponseSchema>;
export type AllServerOperationsResponse = z.infer<typeof AllServerOperationsResponseSchema>;
export type AllZoneOperationsResponse = z.infer<typeof AllZoneOperationsResponseSchema>;
export type DownResponse = z.infer<typeof DownResponseSchema>;

// ---- audit logs ----

const AUDIT = ['operation', 'operatorId', 'token'] as const;
const INSTANCE_FIELDS = ['serviceId', 'instanceId', 'ip', 'machineName', 'metadata', 'port', 'protocol', 'regionId', 'zoneId', 'healthCheckUrl', 'url', 'groupId'] as const;

/**
 * The log endpoints (`/api/management/log/<path>.json`): the table each reads, the request fields
 * that filter it, and the fields its rows carry besides id, createTime and updateTime.
 */
export const LOG_ENDPOINTS = [
  {
    path: 'instance-operation-logs',
    table: 'instance-operation',
    filters: ['regionId', 'serviceId', 'instanceId', 'operation', 'operatorId', 'complete'],
    fields: ['regionId', 'serviceId', 'instanceId', ...AUDIT, 'extensions', 'complete'],
  },
  {
    path: 'server-operation-logs',
    table: 'server-operation',
    filters: ['regionId', 'serverId', 'operation', 'operatorId', 'complete'],
    fields: ['regionId', 'serverId', ...AUDIT, 'extensions', 'complete'],
  },
  { path: 'group-operation-logs', table: 'group-operation', filters: ['groupId', 'operation', 'operatorId', 'complete'], fields: ['groupId', ...AUDIT, 'extensions', 'reason', 'complete'] },
  {
    path: 'group-logs',
    table: 'group',
    filters: ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'operation', 'operatorId'],
    fields: ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', ...AUDIT, 'extensions', 'reason'],
  },
  { path: 'route-rule-logs', table: 'route-rule', filters: ['serviceId', 'name', 'operation', 'operatorId'], fields: ['serviceId', 'name', 'status', ...AUDIT, 'extensions', 'reason', 'complete'] },
  { path: 'route-rule-group-logs', table: 'route-rule-group', filters: ['routeRuleId', 'groupId', 'operation', 'operatorId'], fields: ['routeRuleId', 'groupId', 'weight', ...AUDIT, 'extensions', 'reason'] },
  {
    path: 'zone-operation-logs',
    table: 'zone-operation',
    filters: ['regionId', 'serviceId', 'zoneId', 'operation', 'operatorId', 'complete'],
    fields: ['regionId', 'serviceId', 'zoneId', ...AUDIT, 'complete'],
  },
  { path: 'group-instance-logs', table: 'group-instance', filters: ['groupId', 'instanceId', 'operation', 'operatorId'], fields: ['groupId', 'instanceId', ...AUDIT, 'reason'] },
  { path: 'service-instance-logs', table: 'service-instance', filters: ['serviceId', 'instanceId', 'operation', 'operatorId'], fields: [...INSTANCE_FIELDS, ...AUDIT] },
] as const;

export type LogEndpointPath = (typeof LOG_ENDPOINTS)[number]['path'];

const logFilterValue = () => z.union([z.string(), javaLong(), z.boolean()]).nullish();
/** Filters of a log read: AND of equality filters on the endpoint's filter fields, blank or null ignored; strings compare ignoring letter case. */
export const LogsRequestSchema = z.record(z.string(), logFilterValue());
/** The request of one log endpoint: its filter fields (`complete` a boolean, group and route-rule ids a number or text). */
export function logsRequestSchema(filters: readonly string[], description: string) {
  const field = (f: string) =>
    f === 'complete'
      ? z.boolean().nullish().describe('Rows that added (false) or completed (true) an operation.')
      : f === 'groupId' || f === 'routeRuleId'
        ? z.union([z.string(), javaLong()]).nullish().describe('Whole value; a string ignoring letter case.')
        : z.string().nullish().describe('Whole value, ignoring letter case; blank means any.');
  return z.looseObject(Object.fromEntries([...filters].sort().map((f) => [f, field(f)]))).describe(description);
}
export type LogsRequest = z.infer<typeof LogsRequestSchema>;

/** A log row: id, times and the table's fields (keys in alphabetical order). */
export const LogRecordSchema = z
  .looseObject({
    createTime: javaLong().describe('ms since the epoch.'),
    id: javaLong().describe('Row id, increasing per table.'),
    updateTime: javaLong().describe('ms since the epoch.'),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type LogRecord = z.infer<typeof LogRecordSchema>;

export const LogsResponseSchema = envelope('Matching rows, oldest first.', { logs: z.array(LogRecordSchema) });
export type LogsResponse = z.infer<typeof LogsResponseSchema>;

function logField(field: string): z.ZodType {
  switch (field) {
    case 'id':
      return javaLong().describe('Row id, increasing per table.');
    case 'createTime':
    case 'updateTime':
      return javaLong().describe('ms since the epoch.');
    case 'complete':
      return z.boolean().optional().describe('false: the operation was added (pull-out); true: completed (pull-in).');
    case 'weight':
      return javaInt().nullish();
    case 'port':
      return javaInt().optional();
    case 'groupId':
    case 'routeRuleId':
      return z.union([z.string(), javaLong()]).optional().describe('Group or route-rule id (0 on the rows of canary IP changes).');
    case 'metadata':
      return z.string().optional().describe('The stored JSON text.');
    case 'operation':
      return z.string().optional().describe('Operation label, or the free-text audit operation.');
    default:
      return z.string().optional();
  }
}

/** A row of one log: id, times and the fields of its table, keys in alphabetical order; rows may carry more fields. */
export function logRecordSchema(fields: readonly string[], description: string) {
  const all = ['id', 'createTime', 'updateTime', ...fields].sort();
  return z.looseObject(Object.fromEntries(all.map((f) => [f, logField(f)]))).describe(description);
}
