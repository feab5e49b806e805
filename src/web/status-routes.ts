import { hostname } from 'node:os';
import type { Context } from 'hono';
import type { ServiceNodeStatus } from '../core/wire/cluster.js';
import { instanceDisplay } from '../core/wire/instance.js';
import { readArray, readObject, readStringList } from '../core/wire/json-reader.js';
import { RATE_LIMITED, SUCCESS } from '../core/response-status.js';
import { configLeaves } from '../config/leaves.js';
import { configValue, redactedValue, type ConfigSourceName } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { LeaseManager } from '../lease/lease-manager.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ApiRouter } from './api-router.js';
import { readJsonBody } from './body.js';
import { sendWire } from './respond.js';
import { localIPv4 } from './local-address.js';

export interface StatusRoutesDeps {
  config: Config;
  configOrigins: ReadonlyMap<string, ConfigSourceName>;
  nodeStatus: () => ServiceNodeStatus;
  clusterStatuses: () => ServiceNodeStatus[];
  leaseTables: { normal: LeaseManager; legacy: LeaseManager };
  limiter: RateLimiter;
  listenPort: () => number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `yyyy-MM-dd HH:mm:ss.SSS` in the server's local time zone, as the reference formats lease times. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

const SOURCE_PRIORITY: Record<ConfigSourceName, number> = { defaults: 0, file: 1, env: 2, flags: 3 };

function propertiesOf(deps: StatusRoutesDeps): Record<string, string> {
  const out: Record<string, string> = {};
  const sorted = [...configLeaves].sort((a, b) => a.path.join('.').localeCompare(b.path.join('.')));
  for (const leaf of sorted) {
    const key = leaf.path.join('.');
    const value = JSON.stringify(redactedValue(key, configValue(deps.config, leaf.path)));
    out[key] = `{ key: ${key}, value: ${value}, typedValue: ${value}, source: ${deps.configOrigins.get(key) ?? 'defaults'} }`;
  }
  return out;
}

function leasesResponse(table: LeaseManager, serviceIds: string[] | null, ok: boolean) {
  if (!ok) {
    return {
      isSafe: false, isSafeCheckEnabled: false, leaseCount: 0, leaseUpdateCountLastTimeWindow: 0,
      leaseUpdateMaxCount: 0, leaseUpdateMaxCountLastUpdateTime: 0, leases: null, responseStatus: RATE_LIMITED,
    };
  }
  const wanted = serviceIds === null || serviceIds.length === 0 ? null : new Set(serviceIds);
  const leases: Record<string, object[]> = {};
  let count = 0;
  for (const lease of table.values()) {
    if (lease.evictionTime > 0) continue;
    const serviceId = lease.instance.serviceId as string;
    if (wanted !== null && !wanted.has(serviceId)) continue;
    (leases[serviceId] ??= []).push({
      creationTime: formatLocalTime(lease.creationTime),
      evitionTime: formatLocalTime(lease.evictionTime),
      instance: instanceDisplay(lease.instance),
      renewalTime: formatLocalTime(lease.renewalTime),
      ttl: table.ttlMs,
    });
    count++;
  }
  const s = table.safety.stats();
  return {
    isSafe: s.isSafe,
    isSafeCheckEnabled: s.enabled,
    leaseCount: count,
    leaseUpdateCountLastTimeWindow: s.countInWindow,
    leaseUpdateMaxCount: s.maxCount,
    leaseUpdateMaxCountLastUpdateTime: s.maxCountUpdateTime,
    leases,
    responseStatus: SUCCESS,
  };
}

async function serviceIdsOf(c: Context, maxBytes: number): Promise<string[] | null> {
  if (c.req.method === 'GET') {
    const ids = c.req.queries('appIds') ?? c.req.queries('serviceIds') ?? [];
    const flat = ids.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
    return flat.length === 0 ? null : flat;
  }
  const body = readObject(await readJsonBody(c, maxBytes), 'request');
  if (body === null) return null;
  for (const key of Object.keys(body)) {
    if (key.toLowerCase() === 'serviceids') {
      readArray(body[key], 'request.serviceIds');
      return readStringList(body[key], 'request.serviceIds');
    }
  }
  return null;
}

/** /api/status/*: node, cluster, leases, legacy-leases, config, deployment. */
export function statusRoutes(router: ApiRouter, deps: StatusRoutesDeps): void {
  const maxBytes = deps.config.limits.maxBodyBytes;

  router.getAndPost('/api/status/node.json', (c) => sendWire(c, { nodeStatus: deps.nodeStatus(), responseStatus: SUCCESS }));

  router.getAndPost('/api/status/cluster.json', (c) => {
    if (!deps.limiter.tryAcquire('get-cluster')) return sendWire(c, { nodeCount: 0, nodesStatus: null, responseStatus: RATE_LIMITED });
    const nodes = deps.clusterStatuses();
    return sendWire(c, { nodeCount: nodes.length, nodesStatus: nodes, responseStatus: SUCCESS });
  });

  const leases = (identity: string, table: LeaseManager) => async (c: Context) => {
    const ok = deps.limiter.tryAcquire(identity);
    const ids = ok ? await serviceIdsOf(c, maxBytes) : null;
    return sendWire(c, leasesResponse(table, ids, ok));
  };
  router.getAndPost('/api/status/leases.json', leases('get-leases', deps.leaseTables.normal));
  router.getAndPost('/api/status/legacy-leases.json', leases('get-legacy-leases', deps.leaseTables.legacy));

  router.getAndPost('/api/status/config.json', (c) => {
    if (!deps.limiter.tryAcquire('get-config')) return sendWire(c, { properties: null, responseStatus: RATE_LIMITED, sources: null });
    return sendWire(c, { properties: propertiesOf(deps), responseStatus: SUCCESS, sources: SOURCE_PRIORITY });
  });

  router.getAndPost('/api/status/deployment.json', (c) => {
    if (!deps.limiter.tryAcquire('get-deployment')) {
      return sendWire(c, {
        appId: null, ip: null, machineName: null, path: null, port: 0, properties: null, protocol: null,
        regionId: null, responseStatus: RATE_LIMITED, sources: null, zoneId: null,
      });
    }
    const { config } = deps;
    return sendWire(c, {
      appId: config.appId,
      ip: localIPv4(),
      machineName: hostname(),
      path: config.contextPath === '' ? null : config.contextPath,
      port: deps.listenPort(),
      properties: {
        'app.id': config.appId,
        'region.id': config.regionId,
        'zone.id': config.zoneId,
        'app.port': String(deps.listenPort()),
      },
      protocol: 'http',
      regionId: config.regionId,
      responseStatus: SUCCESS,
      sources: SOURCE_PRIORITY,
      zoneId: config.zoneId,
    });
  });
}
