import type { ResponseStatus } from '../core/response-status.js';
import type {
  AllInstanceOperationsResponse,
  AllServerOperationsResponse,
  AllZoneOperationsResponse,
  DownResponse,
  InstanceKey,
  InstanceOperationsResponse,
  LogEndpointPath,
  LogsRequest,
  LogsResponse,
  ManagementWriteResponse,
  OperateInstanceRequest,
  OperateServerRequest,
  OperateZoneOperationsRequest,
  ServerKey,
  ServerOperationsResponse,
  UpdateCanaryIpsRequest,
  ZoneKey,
  ZoneOperationsResponse,
} from '../core/wire/management.js';
import type {
  AllGroupOperationsResponse,
  AllGroupTagsResponse,
  GetRouteRuleGroupsRequest,
  GroupOperationsResponse,
  GroupsResponse,
  GroupTagsResponse,
  OperateGroupOperationsRequest,
  RouteRuleGroupsResponse,
  RouteRuleGroupsWriteRequest,
  RouteRulesResponse,
} from '../core/wire/management-groups.js';
import { managementPath } from '../core/wire/api-paths.js';
import { ArtemisClientError } from './errors.js';
import type { HttpAnswer, HttpRequest } from './http.js';
import type { ClientOptions } from './options.js';
import { ClientRuntime } from './runtime.js';

/** What the management client sends its calls through: the SDK's HTTP transport (failover, timeouts, retries). */
export interface ManagementTransport {
  request(req: HttpRequest): Promise<HttpAnswer>;
}

/** Who the calls of a client are made as: an API token, sent as `Authorization: Bearer <token>`. */
export interface TokenOption {
  /** An API token secret (scope operate for management writes, admin for token administration). */
  token?: string | undefined;
}

/** The headers that carry `token`, if any. */
export function authorizationHeaders(token: string | undefined): Record<string, string> | undefined {
  return token === undefined || token === '' ? undefined : { authorization: `Bearer ${token}` };
}

/**
 * POSTs (or GETs) one call and resolves with the answer when its status is success.
 * @throws ManagementCallError when the node answered another status, ArtemisClientError when none answered
 */
export async function checkedCall<T extends { responseStatus: ResponseStatus }>(
  transport: ManagementTransport,
  path: string,
  body: object | undefined,
  headers: Record<string, string> | undefined,
): Promise<T> {
  const req: HttpRequest = body === undefined ? { method: 'GET', path } : { path, body };
  const answer = await transport.request(headers === undefined ? req : { ...req, headers });
  const status = answer.responseStatus;
  const result = answer.body ?? {};
  if (status === null || status.status !== 'success') {
    throw new ManagementCallError(path, status ?? { errorCode: 'bad-response', message: null, status: 'fail' }, result, answer.node);
  }
  return result as T;
}

/**
 * A management call the node answered with a status other than success. `responseStatus` says
 * why; `body` is the whole answer (for a failure it holds only `responseStatus`).
 */
export class ManagementCallError extends ArtemisClientError {
  constructor(
    readonly path: string,
    status: ResponseStatus,
    readonly body: Record<string, unknown>,
    node: string,
  ) {
    super(status.errorCode, `${node}: ${status.errorCode}${status.message ? `: ${status.message}` : ''}`, { responseStatus: status, node });
    this.name = 'ManagementCallError';
  }
}

/**
 * What the management and token clients share: a transport (their own, released by close(), or
 * one passed in to share) and the `Authorization` header of their token, sent with every call.
 */
export abstract class TokenCaller {
  private readonly runtime: ClientRuntime | undefined;
  protected readonly transport: ManagementTransport;
  protected readonly headers: Record<string, string> | undefined;

  constructor(options: (ClientOptions | { transport: ManagementTransport }) & TokenOption) {
    this.headers = authorizationHeaders(options.token);
    if ('transport' in options) {
      this.transport = options.transport;
    } else {
      this.runtime = new ClientRuntime(options, 'discovery', () => undefined);
      this.transport = this.runtime.http;
    }
  }

  close(): void {
    this.runtime?.shutdown();
  }
}

/**
 * Typed calls of the management API: pull-out / pull-in of instances and servers, their
 * operations, groups and their operations, route rules and their weighted links, audit logs.
 * Requests and answers are the wire types of `core/wire/management*.ts`. Each method resolves
 * with the node's answer when its status is success and rejects with a
 * {@link ManagementCallError} otherwise; an {@link ArtemisClientError} when no node answered.
 *
 * @example
 * ```ts
 * import { ManagementClient } from '@artemis-registry/client';
 *
 * const management = new ManagementClient({ urls: 'http://127.0.0.1:8080', token: process.env.ARTEMIS_TOKEN });
 * await management.operateInstance({
 *   instanceKey: { regionId: 'SHA', serviceId: 'demo.order', instanceId: 'i1' },
 *   operation: 'pullout', operationComplete: false, operatorId: 'alice', token: 'ticket-42',
 * });
 * const { groups } = await management.getAllGroups();
 * management.close();
 * ```
 */
export class ManagementClient extends TokenCaller {

  /** POSTs `body` to `/api/management/<name>.json`. @throws ManagementCallError, ArtemisClientError */
  async call<T extends { responseStatus: ResponseStatus }>(name: string, body: object = {}): Promise<T> {
    return checkedCall<T>(this.transport, managementPath(name), body, this.headers);
  }

  // ---- instances and servers ----

  /** Adds (pull-out) or, with `operationComplete`, completes (pull-in) an operation on one instance. */
  operateInstance(req: OperateInstanceRequest): Promise<ManagementWriteResponse> {
    return this.call('operate-instance', req);
  }

  /** Adds or completes an operation on every instance of one server ip. */
  operateServer(req: OperateServerRequest): Promise<ManagementWriteResponse> {
    return this.call('operate-server', req);
  }

  /** Adds or completes operations on zones of services. */
  operateZoneOperations(req: OperateZoneOperationsRequest): Promise<ManagementWriteResponse> {
    return this.call('zone/operate-zone-operations', req);
  }

  /** Makes the canary IPs of one application of a service exactly the given set. */
  updateCanaryIps(req: UpdateCanaryIpsRequest): Promise<ManagementWriteResponse> {
    return this.call('canary/update-canary-ips', req);
  }

  instanceOperations(instanceKey: InstanceKey): Promise<InstanceOperationsResponse> {
    return this.call('instance-operations', { instanceKey });
  }

  /** Instances being operated on, in one region (exact) or all. */
  allInstanceOperations(regionId?: string): Promise<AllInstanceOperationsResponse> {
    return this.call('all-instance-operations', regionId === undefined ? {} : { regionId });
  }

  serverOperations(serverKey: ServerKey): Promise<ServerOperationsResponse> {
    return this.call('server-operations', { serverKey });
  }

  allServerOperations(regionId?: string): Promise<AllServerOperationsResponse> {
    return this.call('all-server-operations', regionId === undefined ? {} : { regionId });
  }

  serverDown(serverKey: ServerKey): Promise<DownResponse> {
    return this.call('server-down', { serverKey });
  }

  zoneOperations(zoneKey: ZoneKey): Promise<ZoneOperationsResponse> {
    return this.call('zone/get-zone-operations', { zoneKey });
  }

  allZoneOperations(): Promise<AllZoneOperationsResponse> {
    return this.call('zone/get-all-zone-operations');
  }

  // ---- groups ----

  /** Every group of the node's snapshot (not rate limited). */
  getAllGroups(): Promise<GroupsResponse> {
    return this.call('group/get-all-groups');
  }

  getAllGroupOperations(): Promise<AllGroupOperationsResponse> {
    return this.call('group/get-all-group-operations');
  }

  getGroupOperations(groupId: number): Promise<GroupOperationsResponse> {
    return this.call('group/get-group-operations', { groupId });
  }

  /** Adds (pull-out) or completes (pull-in) operation labels on groups by id. */
  operateGroupOperations(req: OperateGroupOperationsRequest): Promise<ManagementWriteResponse> {
    return this.call('group/operate-group-operations', req);
  }

  getAllGroupTags(): Promise<AllGroupTagsResponse> {
    return this.call('group/get-all-group-tags');
  }

  getGroupTags(groupId: number): Promise<GroupTagsResponse> {
    return this.call('group/get-group-tags', { groupId });
  }

  // ---- route rules ----

  /** Every non-deleted route rule of the node's snapshot (not rate limited). */
  getAllRouteRules(): Promise<RouteRulesResponse> {
    return this.call('group/get-all-route-rules');
  }

  /** Every route-rule link of the node's snapshot (not rate limited). */
  getAllRouteRuleGroups(): Promise<RouteRuleGroupsResponse> {
    return this.call('group/get-all-route-rule-groups');
  }

  /** Links from the store, filtered (rate limited: `routeRuleGroups` is null then). */
  getRouteRuleGroups(filter: GetRouteRuleGroupsRequest = {}): Promise<RouteRuleGroupsResponse> {
    return this.call('group/get-route-rule-groups', filter);
  }

  /** Sets the pending weight of links; a release publishes it. */
  updateRouteRuleGroups(req: RouteRuleGroupsWriteRequest): Promise<ManagementWriteResponse> {
    return this.call('group/update-route-rule-groups', req);
  }

  /** Publishes the pending weight of each listed link. */
  releaseRouteRuleGroups(req: RouteRuleGroupsWriteRequest): Promise<ManagementWriteResponse> {
    return this.call('group/release-route-rule-groups', req);
  }

  // ---- audit logs ----

  /** Rows of one audit log, oldest first, at most management.logQueryLimit. */
  logs(log: LogEndpointPath, filter: LogsRequest = {}): Promise<LogsResponse> {
    return this.call(`log/${log}`, filter);
  }

  /** Aborts calls in flight and clears timers (of a client made from options). */
}
