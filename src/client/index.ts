/**
 * The Artemis client SDK: register instances and keep them alive ({@link RegistryClient}),
 * discover services with a pushed local cache ({@link DiscoveryClient}), operate on them
 * ({@link ManagementClient}). Loads no server code.
 *
 * @example
 * ```ts
 * import { DiscoveryClient, RegistryClient } from '@artemis-registry/client';
 *
 * const urls = ['http://127.0.0.1:8080'];
 * const registry = new RegistryClient({ urls });
 * await registry.register({ serviceId: 'demo.order', instanceId: 'i1', url: 'http://10.0.0.7:8080' });
 * const discovery = new DiscoveryClient({ urls });
 * const instance = await discovery.pick('demo.order');
 * await Promise.all([registry.close(), discovery.close()]);
 * ```
 * @packageDocumentation
 */
export { RegistryClient, type InstanceInput, type InstanceRef, type RegistryClientOptions, type RegistryEvents, type RegistryResult } from './registry-client.js';
export { DiscoveryClient, type DiscoveryClientOptions, type DiscoveryEvents } from './discovery-client.js';
export type { ServiceChangeEvent, ServiceListener } from './service-entry.js';
export type { HeartbeatFailure } from './heartbeats.js';
export type { CaCertificates, ClientOptions, SocketFactory, SocketLike } from './options.js';
export type { NodeChange, NodeInfo } from './node-pool.js';
export { ArtemisClientError, type ClientErrorCode } from './errors.js';
export { ManagementCallError, ManagementClient, type ManagementTransport, type TokenOption } from './management.js';
export { AUTH_PATHS, managementPath } from '../core/wire/api-paths.js';
export { TokenClient, type TokenScope } from './tokens.js';
export type { CreateTokenResponse, ListTokensResponse, RevokeTokenResponse, TokenInfo, WhoAmIResponse } from '../core/wire/tokens.js';
export type {
  AllInstanceOperationsResponse,
  AllServerOperationsResponse,
  AllZoneOperationsResponse,
  DownResponse,
  InstanceKey,
  InstanceOperations,
  InstanceOperationsResponse,
  LogEndpointPath,
  LogRecord,
  LogsRequest,
  LogsResponse,
  ManagementWriteResponse,
  OperateInstanceRequest,
  OperateServerRequest,
  OperateZoneOperationsRequest,
  ServerKey,
  ServerOperations,
  ServerOperationsResponse,
  UpdateCanaryIpsRequest,
  ZoneKey,
  ZoneOperations,
  ZoneOperationsResponse,
} from '../core/wire/management.js';
export type {
  AllGroupOperationsResponse,
  AllGroupTagsResponse,
  GetRouteRuleGroupsRequest,
  Group,
  GroupOperations,
  GroupOperationsResponse,
  GroupTags,
  GroupTagsResponse,
  GroupsResponse,
  OperateGroupOperationsRequest,
  RouteRuleGroup,
  RouteRuleGroupEntry,
  RouteRuleGroupsResponse,
  RouteRuleGroupsWriteRequest,
  RouteRulesResponse,
  ServiceRouteRule,
} from '../core/wire/management-groups.js';
export { RoutePicker, WeightedRoundRobin, isUp } from './picker.js';
export { DEFAULT_ROUTE_RULE, effectiveRouteRules, fixWeight } from '../core/wire/route-rules.js';
export { backoffDelay, systemTimers, type BackoffOptions, type TimerHandle, type Timers } from './timers.js';
export type { Listener } from './emitter.js';
export type { FailedInstance } from '../core/wire/registry-messages.js';
export type { Instance } from '../core/wire/instance.js';
export type { ChangeType, RouteRule, Service, ServiceGroup } from '../core/wire/service.js';
export type { ResponseStatus } from '../core/response-status.js';
