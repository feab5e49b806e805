import type { Context } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { RegistryError } from '../core/errors.js';
import { SUCCESS } from '../core/response-status.js';
import { LOG_ENDPOINTS, queryLogs } from '../management/management-logs.js';
import type { ManagementReads } from '../management/management-reads.js';
import type { ManagementService } from '../management/management-service.js';
import type { RoutingService } from '../management/routing/routing-service.js';
import { prop } from '../management/requests.js';
import type { ManagementStore } from '../store/management-store.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendWire } from './respond.js';

export interface ManagementRoutesDeps {
  service: ManagementService;
  reads: ManagementReads;
  routing: RoutingService;
  store: ManagementStore;
  maxBodyBytes: number;
  logQueryLimit: number;
}

const M = '/api/management';

/** /api/management/**: instance, server, zone and group operations, groups and route rules, views, logs and canary IPs. */
export function managementRoutes(router: ApiRouter, deps: ManagementRoutesDeps): void {
  const body = (c: Context) => readJsonBody(c, deps.maxBodyBytes);
  const write = (path: string, op: (b: unknown) => Promise<void>) =>
    router.post(path, async (c) => {
      await op(await body(c));
      return sendWire(c, { responseStatus: SUCCESS });
    });
  const read = (path: string, view: (b: unknown) => object) => router.post(path, async (c) => sendWire(c, view(await body(c))));
  const regionOf = async (c: Context) => {
    if (c.req.method === 'GET') return c.req.query('regionId') ?? null;
    const b = await body(c);
    const v = typeof b === 'object' && b !== null ? prop(b as Record<string, unknown>, 'regionId') : undefined;
    return typeof v === 'string' ? v.trim() : null;
  };

  write(`${M}/operate-instance.json`, (b) => deps.service.operateInstance(b));
  write(`${M}/operate-server.json`, (b) => deps.service.operateServer(b));
  write(`${M}/zone/operate-zone-operations.json`, (b) => deps.service.operateZones(b));
  write(`${M}/canary/update-canary-ips.json`, (b) => deps.service.updateCanaryIps(b));

  read(`${M}/instance-operations.json`, (b) => deps.reads.instanceOperations(b));
  read(`${M}/instance-down.json`, (b) => deps.reads.instanceDown(b));
  read(`${M}/server-operations.json`, (b) => deps.reads.serverOperations(b));
  read(`${M}/server-down.json`, (b) => deps.reads.serverDown(b));
  read(`${M}/service.json`, (b) => deps.reads.service(b));
  read(`${M}/zone/get-all-zone-operations.json`, () => deps.reads.allZoneOperations());
  read(`${M}/zone/get-zone-operations.json`, (b) => deps.reads.zoneOperations(b));
  read(`${M}/zone/get-zone-operations-list.json`, (b) => deps.reads.zoneOperationsList(b));
  read(`${M}/zone/is-zone-down.json`, (b) => deps.reads.isZoneDown(b));
  router.getAndPost(`${M}/all-instance-operations.json`, async (c) => sendWire(c, deps.reads.allInstanceOperations(await regionOf(c))));
  router.getAndPost(`${M}/all-server-operations.json`, async (c) => sendWire(c, deps.reads.allServerOperations(await regionOf(c))));
  router.getAndPost(`${M}/services.json`, async (c) => {
    if (c.req.method === 'POST') await body(c);
    return sendWire(c, deps.reads.services());
  });

  const G = `${M}/group`;
  const r = deps.routing;
  const groupWrites: Array<[string, (b: unknown) => Promise<void>]> = [
    ['insert-route-rules', (b) => r.rules.insertRouteRules(b)],
    ['update-route-rules', (b) => r.rules.updateRouteRules(b)],
    ['delete-route-rules', (b) => r.rules.deleteRouteRules(b)],
    ['create-route-rule', (b) => r.rules.createRouteRule(b)],
    ['insert-route-rule-groups', (b) => r.rules.insertRouteRuleGroups(b)],
    ['update-route-rule-groups', (b) => r.rules.updateRouteRuleGroups(b)],
    ['release-route-rule-groups', (b) => r.rules.releaseRouteRuleGroups(b)],
    ['delete-route-rule-groups', (b) => r.rules.deleteRouteRuleGroups(b)],
    ['insert-groups', (b) => r.groups.insertGroups(b)],
    ['update-groups', (b) => r.groups.updateGroups(b)],
    ['delete-groups', (b) => r.groups.deleteGroups(b)],
    ['insert-group-tags', (b) => r.groups.insertGroupTags(b)],
    ['update-group-tags', (b) => r.groups.updateGroupTags(b)],
    ['delete-group-tags', (b) => r.groups.deleteGroupTags(b)],
    ['operate-group-operations', (b) => r.groups.operateGroupOperations(b)],
    ['operate-group-operation', (b) => r.groups.operateGroupOperation(b)],
    ['insert-group-instances', (b) => r.members.insertGroupInstances(b)],
    ['delete-group-instances', (b) => r.members.deleteGroupInstances(b)],
    ['insert-service-instances', (b) => r.members.insertServiceInstances(b)],
    ['delete-service-instances', (b) => r.members.deleteServiceInstances(b)],
  ];
  for (const [name, op] of groupWrites) write(`${G}/${name}.json`, op);
  const groupReads: Array<[string, (b: unknown) => object | Promise<object>]> = [
    ['get-route-rules', (b) => r.rules.getRouteRules(b)],
    ['get-all-route-rules', () => r.rules.getAllRouteRules()],
    ['get-route-rule-groups', (b) => r.rules.getRouteRuleGroups(b)],
    ['get-all-route-rule-groups', () => r.rules.getAllRouteRuleGroups()],
    ['get-groups', (b) => r.groups.getGroups(b)],
    ['get-all-groups', () => r.groups.getAllGroups()],
    ['get-group-tags', (b) => r.groups.getGroupTags(b)],
    ['get-all-group-tags', () => r.groups.getAllGroupTags()],
    ['get-group-operations', (b) => r.groups.getGroupOperations(b)],
    ['get-all-group-operations', () => r.groups.getAllGroupOperations()],
    ['get-group-instances', (b) => r.members.getGroupInstances(b)],
    ['get-service-instances', (b) => r.members.getServiceInstances(b)],
  ];
  for (const [name, view] of groupReads) router.post(`${G}/${name}.json`, async (c) => sendWire(c, await view(await body(c))));

  for (const { path, table, filters } of LOG_ENDPOINTS) {
    router.post(`${M}/log/${path}.json`, async (c) => {
      const b = await body(c);
      try {
        return sendWire(c, await queryLogs(deps.store, table, filters, b, deps.logQueryLimit));
      } catch (err) {
        if (err instanceof RegistryError) throw err;
        throw new RegistryError(ErrorCodes.internalServiceError, err instanceof Error ? err.message : String(err), { cause: err });
      }
    });
  }
}
