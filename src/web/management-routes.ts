import type { Context } from 'hono';
import { ErrorCodes } from '../core/error-codes.js';
import { RegistryError } from '../core/errors.js';
import { SUCCESS } from '../core/response-status.js';
import { LOG_ENDPOINTS, queryLogs } from '../management/management-logs.js';
import type { ManagementReads } from '../management/management-reads.js';
import type { ManagementService } from '../management/management-service.js';
import { prop } from '../management/requests.js';
import type { ManagementStore } from '../store/management-store.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendWire } from './respond.js';

export interface ManagementRoutesDeps {
  service: ManagementService;
  reads: ManagementReads;
  store: ManagementStore;
  maxBodyBytes: number;
  logQueryLimit: number;
}

const M = '/api/management';

/** /api/management/**: instance, server and zone operations, views, logs and canary IPs. */
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
