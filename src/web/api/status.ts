import { hostname } from 'node:os';
import type { ServiceNodeStatus } from '../../core/wire/cluster.js';
import { instanceDisplay } from '../../core/wire/instance.js';
import { readArray, readObject, readStringList } from '../../core/wire/json-reader.js';
import { RATE_LIMITED, SUCCESS } from '../../core/response-status.js';
import { configLeaves } from '../../config/leaves.js';
import { configValue, redactedValue, type ConfigSourceName } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { LeaseManager } from '../../lease/lease-manager.js';
import { CALLER_HEADER, type StatusLimiters } from '../../ratelimit/operator-limit.js';
import { localIPv4 } from '../local-address.js';
import { wire, type Endpoint, type EndpointInput } from '../endpoint.js';
import { EmptyRequest, GetClusterNodeStatusResponse, GetClusterStatusResponse, GetConfigStatusResponse, GetDeploymentStatusResponse, GetLeasesStatusRequest, GetLeasesStatusResponse } from '../openapi/cold-schemas.js';

export interface StatusEndpointsDeps {
  config: Config;
  configOrigins: ReadonlyMap<string, ConfigSourceName>;
  nodeStatus: () => ServiceNodeStatus;
  clusterStatuses: () => ServiceNodeStatus[];
  leaseTables: { normal: LeaseManager; legacy: LeaseManager };
  /** `rateLimit.status`, or `rateLimit.operator` for calls marked as operator traffic. */
  limiter: StatusLimiters;
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

function propertiesOf(deps: StatusEndpointsDeps): Record<string, string> {
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
  // any service id may be a key, "constructor" and "__proto__" included: no prototype
  const leases = Object.create(null) as Record<string, object[]>;
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

async function serviceIdsOf(input: EndpointInput): Promise<string[] | null> {
  if (input.method === 'GET') {
    const ids = input.queries('appIds') ?? input.queries('serviceIds') ?? [];
    const flat = ids.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
    return flat.length === 0 ? null : flat;
  }
  const body = readObject(await input.body(), 'request');
  if (body === null) return null;
  for (const key of Object.keys(body)) {
    if (key.toLowerCase() === 'serviceids') {
      readArray(body[key], 'request.serviceIds');
      return readStringList(body[key], 'request.serviceIds');
    }
  }
  return null;
}

const APP_IDS_QUERY = {
  name: 'appIds',
  description: 'Service ids, comma separated or repeated; mapped to serviceIds. Absent means all.',
  list: true,
} as const;

/** /api/status/*: node, cluster, leases, legacy-leases, config, deployment. */
export function statusEndpoints(deps: StatusEndpointsDeps): Endpoint[] {
  const common = { tag: 'status', methods: ['GET', 'POST'], access: 'public' } as const;
  const leases = (name: string, operationId: string, summary: string, table: LeaseManager): Endpoint => ({
    ...common,
    operationId,
    path: `/api/status/${name}.json`,
    summary,
    query: [APP_IDS_QUERY],
    request: GetLeasesStatusRequest,
    response: GetLeasesStatusResponse,
    rateLimit: 'status',
    handle: async (input) => {
      const ok = deps.limiter.tryAcquire(`get-${name}`, input.header(CALLER_HEADER));
      const ids = ok ? await serviceIdsOf(input) : null;
      return wire(leasesResponse(table, ids, ok));
    },
  });
  return [
    {
      ...common,
      operationId: 'getNodeStatus',
      path: '/api/status/node.json',
      summary: "Get this node's status.",
      request: EmptyRequest,
      response: GetClusterNodeStatusResponse,
      rateLimit: 'none',
      handle: () => wire({ nodeStatus: deps.nodeStatus(), responseStatus: SUCCESS }),
    },
    {
      ...common,
      operationId: 'getClusterStatus',
      path: '/api/status/cluster.json',
      summary: 'Get the last known status of every node.',
      request: EmptyRequest,
      response: GetClusterStatusResponse,
      rateLimit: 'status',
      handle: (input) => {
        if (!deps.limiter.tryAcquire('get-cluster', input.header(CALLER_HEADER))) return wire({ nodeCount: 0, nodesStatus: null, responseStatus: RATE_LIMITED });
        const nodes = deps.clusterStatuses();
        return wire({ nodeCount: nodes.length, nodesStatus: nodes, responseStatus: SUCCESS });
      },
    },
    leases('leases', 'getLeasesStatus', 'List the leases of normal instances.', deps.leaseTables.normal),
    leases('legacy-leases', 'getLegacyLeasesStatus', 'List the leases of legacy instances.', deps.leaseTables.legacy),
    {
      ...common,
      operationId: 'getConfigStatus',
      path: '/api/status/config.json',
      summary: 'Dump the effective server configuration.',
      request: EmptyRequest,
      response: GetConfigStatusResponse,
      rateLimit: 'status',
      handle: (input) => {
        if (!deps.limiter.tryAcquire('get-config', input.header(CALLER_HEADER))) return wire({ properties: null, responseStatus: RATE_LIMITED, sources: null });
        return wire({ properties: propertiesOf(deps), responseStatus: SUCCESS, sources: SOURCE_PRIORITY });
      },
    },
    {
      ...common,
      operationId: 'getDeploymentStatus',
      path: '/api/status/deployment.json',
      summary: 'Dump the deployment settings.',
      request: EmptyRequest,
      response: GetDeploymentStatusResponse,
      rateLimit: 'status',
      handle: (input) => wire(deploymentStatus(deps, input.header(CALLER_HEADER))),
    },
  ];
}

function deploymentStatus(deps: StatusEndpointsDeps, caller: string | undefined): object {
  if (!deps.limiter.tryAcquire('get-deployment', caller)) {
    return {
      appId: null, ip: null, machineName: null, path: null, port: 0, properties: null, protocol: null,
      regionId: null, responseStatus: RATE_LIMITED, sources: null, zoneId: null,
    };
  }
  const { config } = deps;
  return {
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
  };
}
