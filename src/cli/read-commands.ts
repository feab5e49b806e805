import type { Instance } from '../core/wire/instance.js';
import type { Service } from '../core/wire/service.js';
import { prop } from '../client/http.js';
import { isUp, shownStatus } from '../client/picker.js';
import { readService } from '../client/wire.js';
import type { Api } from './api.js';
import { SETTING_WARNINGS } from '../config/setting-warnings.js';
import { CommandError, formatTable, printJson, propertyValue, type CommonFlags, type Io } from './common.js';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const yesNo = (b: unknown) => (b === true ? 'yes' : b === false ? 'no' : '-');

/** Instances as a table. */
export function instanceTable(instances: readonly Instance[]): string {
  return formatTable(
    ['INSTANCE', 'STATUS', 'URL', 'IP', 'PORT', 'ZONE', 'GROUP'],
    instances.map((i) => [i.instanceId, shownStatus(i), i.url, i.ip, i.port || null, i.zoneId, i.groupId]),
  );
}

/** `artemis service list`: every service with instances, from services.json. */
export async function serviceList(api: Api, flags: CommonFlags, io: Io): Promise<number> {
  const body = await api.ok('/api/discovery/services.json');
  const services = list(prop(body, 'services')).map((s) => readService(s, ''));
  if (flags.json) {
    printJson(io, { services, version: prop(body, 'version') });
    return 0;
  }
  const rows = services.map((s) => [s.serviceId, s.instances?.length ?? 0, (s.instances ?? []).filter(isUp).length]);
  io.out(services.length === 0 ? 'no services\n' : formatTable(['SERVICE', 'INSTANCES', 'UP'], rows));
  return 0;
}

/** The service as discovery shows it. @throws CommandError when the node has no such service (instances null) */
async function fetchService(api: Api, serviceId: string): Promise<Service> {
  const { regionId, zoneId } = await api.callerZone();
  const query = new URLSearchParams({ serviceId, regionId, zoneId });
  const body = await api.ok(`/api/discovery/service.json?${query.toString()}`);
  const raw = prop(body, 'service');
  if (raw === null || raw === undefined || prop(raw as Obj, 'instances') === null) {
    throw new CommandError(`no service ${serviceId} in ${regionId}/${zoneId} (no instance of it is registered; artemis service list shows the services)`);
  }
  return readService(raw, serviceId);
}

/** `artemis service get <serviceId>`. */
export async function serviceGet(api: Api, flags: CommonFlags, io: Io, serviceId: string): Promise<number> {
  const service = await fetchService(api, serviceId);
  if (flags.json) {
    printJson(io, service);
    return 0;
  }
  const instances = service.instances ?? [];
  io.out(`service ${service.serviceId}: ${instances.length} instance(s), ${instances.filter(isUp).length} up\n`);
  if (instances.length > 0) io.out(instanceTable(instances));
  return 0;
}

/** `artemis instance list <serviceId>`. */
export async function instanceList(api: Api, flags: CommonFlags, io: Io, serviceId: string): Promise<number> {
  const instances = (await fetchService(api, serviceId)).instances ?? [];
  if (flags.json) printJson(io, instances);
  else io.out(instances.length === 0 ? `no instances of ${serviceId}\n` : instanceTable(instances));
  return 0;
}

function nodeRow(s: Obj): Array<string | null> {
  const node = obj(prop(s, 'node'));
  const zone = obj(prop(node, 'zone'));
  return [
    prop(node, 'url') as string,
    prop(zone, 'regionId') as string,
    prop(zone, 'zoneId') as string,
    prop(s, 'status') as string,
    yesNo(prop(s, 'canServiceRegistry')),
    yesNo(prop(s, 'canServiceDiscovery')),
  ];
}

const NODE_HEADERS = ['NODE', 'REGION', 'ZONE', 'STATUS', 'REGISTRY', 'DISCOVERY'];

const MEMBER_HEADERS = ['NODE', 'ID', 'SOURCE', 'STATE', 'STATUS', 'ZONE', 'SILENT', 'INCARNATION', 'REPL QUEUE'];

function memberRow(m: Obj): Array<string | number | null> {
  const silent = prop(m, 'silentMs');
  return [
    prop(m, 'url') as string,
    prop(m, 'nodeId') as string | null,
    prop(m, 'source') as string,
    prop(m, 'state') as string,
    prop(m, 'status') as string,
    prop(m, 'zoneId') as string | null,
    typeof silent === 'number' ? `${(silent / 1000).toFixed(1)}s` : null,
    prop(m, 'incarnation') as number | null,
    prop(m, 'replicationQueue') as number | null,
  ];
}

/**
 * `artemis cluster status`: the membership table (gossip state, silence, replication queue per
 * peer) and the Java view of every node. Nodes without members.json (Java Artemis) show only
 * the latter.
 */
export async function clusterStatus(api: Api, flags: CommonFlags, io: Io): Promise<number> {
  const [cluster, members] = await Promise.allSettled([api.ok('/api/status/cluster.json'), api.ok('/api/cluster/members.json')]);
  if (cluster.status === 'rejected') throw cluster.reason;
  const nodes = list(prop(cluster.value, 'nodesStatus')).map(obj);
  const rows = members.status === 'fulfilled' ? list(prop(members.value, 'members')).map(obj) : null;
  if (flags.json) {
    printJson(io, { nodeCount: prop(cluster.value, 'nodeCount'), nodesStatus: nodes, members: rows });
    return 0;
  }
  if (rows !== null) io.out(`members\n${formatTable(MEMBER_HEADERS, rows.map(memberRow))}\n`);
  io.out(`${rows !== null ? 'java view\n' : ''}${formatTable(NODE_HEADERS, nodes.map(nodeRow))}`);
  return 0;
}

function leaseSummary(l: Obj): string {
  const safe = prop(l, 'isSafe') === true ? 'safe' : 'self-preservation ON';
  const n = (key: string) => {
    const v = prop(l, key);
    return typeof v === 'number' ? v : 0;
  };
  return `${n('leaseCount')} lease(s), ${safe}, ${n('leaseUpdateCountLastTimeWindow')} renewals in window`;
}

/** `artemis status`: this node, its leases and its configuration. */
export async function status(api: Api, flags: CommonFlags, io: Io): Promise<number> {
  const [node, leases, legacy, config] = await Promise.all([
    api.ok('/api/status/node.json'),
    api.ok('/api/status/leases.json', { serviceIds: null }),
    api.ok('/api/status/legacy-leases.json', { serviceIds: null }),
    api.ok('/api/status/config.json'),
  ]);
  const strip = (o: Obj) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'responseStatus'));
  if (flags.json) {
    printJson(io, { node: prop(node, 'nodeStatus'), leases: strip(leases), legacyLeases: strip(legacy), config: strip(config) });
    return 0;
  }
  const nodeStatus = obj(prop(node, 'nodeStatus'));
  if (Object.keys(nodeStatus).length === 0) throw new CommandError('node.json answered without nodeStatus');
  io.out(formatTable(NODE_HEADERS, [nodeRow(nodeStatus)]));
  const properties = obj(prop(config, 'properties'));
  io.out(`\nleases         ${leaseSummary(leases)}\nlegacy leases  ${leaseSummary(legacy)}\n`);
  io.out(`config         ${Object.keys(properties).length} properties (artemis status --json shows them)\n`);
  for (const warning of securityWarnings(properties)) io.err(`artemis: warning: ${warning}\n`);
  return 0;
}

/**
 * Warnings for the unsafe settings a node's `status/config.json` properties show: management
 * auth off, and cluster.insecure where it takes effect (a node with a cluster key signs and
 * checks peer calls whatever cluster.insecure says).
 */
export function securityWarnings(properties: Record<string, unknown>): string[] {
  const value = (key: string) => {
    const text = properties[key];
    return typeof text === 'string' ? propertyValue(text) : undefined;
  };
  const unset = (key: string) => [undefined, '""'].includes(value(key));
  const warnings: string[] = [];
  if (value('security.managementAuth') === 'false') warnings.push(SETTING_WARNINGS.managementAuthOff);
  if (value('cluster.insecure') === 'true' && unset('cluster.key') && unset('cluster.keyFile')) {
    warnings.push(SETTING_WARNINGS.insecureCluster);
  }
  return warnings;
}
