import { RegistryFailures } from '../registry/registry-service.js';

/**
 * The failure texts of the management endpoints, each declared once. A handler answers a store
 * failure with its endpoint's text as `internal-service-error`; under `group/` the text also
 * prefixes the reason of a `bad-request`. The OpenAPI document quotes the same constants. Texts
 * (and their spelling) are the reference's.
 */

// ---- instance, server and zone operations; canary IPs ----

export const UPDATE_INSTANCE_FAILED = 'Update instance failed.';
export const UPDATE_SERVER_FAILED = 'Update server failed.';
export const OPERATE_ZONE_OPERATIONS_FAILED = 'operate zone-operations failed.';
/** Also the text of a canary update that lacks its audit fields (internal-service-error, as the reference). */
export const UPDATE_CANARY_IPS_FAILED = 'update canary ips';

/** A write or read whose body has no request object (the registry's text, shared). */
export const REQUEST_NULL = RegistryFailures.requestNull;
export const CANARY_IPS_NULL = 'canaryIps is null';
export const ZONE_OPERATIONS_EMPTY = 'zoneOperationsList has no operation to apply';

// ---- the management store (every write, before anything else is checked) ----

/** The store cannot be reached: management writes are refused at once, as `service-unavailable`. */
export const STORE_UNAVAILABLE = 'The management store is unavailable; management writes are refused until it answers again.';
/** The store of this node is not the one its peers use: a write here would reach only some nodes. */
export const STORE_DIFFERS = "This node's management store differs from its peers'; management writes are refused, since they would not reach every node (store.nodeLocal allows node-local state).";
/** An audit-log read while the store cannot be reached: the logs live only in the store. */
export const LOGS_UNAVAILABLE = 'The management store is unavailable; audit logs are kept only there, so they cannot be read until it answers again.';
/** A write reached the store's primary but not enough replicas in time (store.minReplicas). */
export const STORE_UNREPLICATED = 'The management write was not confirmed by enough store replicas; it is not acknowledged.';

// ---- route rules and their groups ----

export const INSERT_ROUTE_RULES_FAILED = 'insert route-rules failed.';
export const UPDATE_ROUTE_RULES_FAILED = 'update route-rules failed.';
export const DELETE_ROUTE_RULES_FAILED = 'delete route-rules failed.';
export const CREATE_ROUTE_RULE_FAILED = 'create route-rule failed.';
export const GET_ROUTE_RULES_FAILED = 'get route-rules failed.';
export const INSERT_ROUTE_RULE_GROUPS_FAILED = 'insert route-rule-groups failed.';
export const UPDATE_ROUTE_RULE_GROUPS_FAILED = 'update route-rule-groups failed.';
export const DELETE_ROUTE_RULE_GROUPS_FAILED = 'delete route-rule-groups failed.';
export const GET_ROUTE_RULE_GROUPS_FAILED = 'get route-rule-groups failed.';
/** The reference answers a failed release with the text of the read (sic). */
export const RELEASE_ROUTE_RULE_GROUPS_FAILED = GET_ROUTE_RULE_GROUPS_FAILED;

// ---- groups, tags and group operations ----

export const INSERT_GROUPS_FAILED = 'insert groups failed.';
export const UPDATE_GROUPS_FAILED = 'update groups failed.';
export const DELETE_GROUPS_FAILED = 'delete group failed.';
export const GET_GROUPS_FAILED = 'get groups failed.';
export const INSERT_GROUP_TAGS_FAILED = 'insert group tag failed.';
export const UPDATE_GROUP_TAGS_FAILED = 'update group tag failed.';
export const DELETE_GROUP_TAGS_FAILED = 'delete group-tags failed.';
export const GET_GROUP_TAGS_FAILED = 'get group-tags failed.';
/** Shared by operate-group-operations and operate-group-operation, as in the reference. */
export const OPERATE_GROUP_OPERATION_FAILED = 'operate group operation failed.';
export const GET_GROUP_OPERATIONS_FAILED = 'get group operations failed.';

// ---- logical group members and logical service instances ----

export const INSERT_GROUP_INSTANCES_FAILED = 'insert group instances failed.';
export const DELETE_GROUP_INSTANCES_FAILED = 'delete group instances failed.';
export const GET_GROUP_INSTANCES_FAILED = 'get group instances failed.';
export const INSERT_SERVICE_INSTANCES_FAILED = 'insert service instances failed.';
export const DELETE_SERVICE_INSTANCES_FAILED = 'delete service instances failed.';
export const GET_SERVICE_INSTANCES_FAILED = 'get service instances failed.';
