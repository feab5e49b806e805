/** The instances, fleets and request bodies every target of `npm run bench:compare` gets. */
export const REGION = 'default';
export const ZONE = 'default';
export const DISCOVERY_SERVICE = 'bench.compare.discovery';
export const DISCOVERY_INSTANCES = 10;
export const HEARTBEAT_FLEET = 1_000;
export const REGISTER_FLEET = 10_000;
export const REGISTER_BATCH = 100;
export const ETCD_PREFIX = '/artemis/instances/';

export interface BenchInstance {
  regionId: string;
  zoneId: string;
  serviceId: string;
  instanceId: string;
  ip: string;
  port: number;
  protocol: string;
  status: string;
  url: string;
  metadata: null;
}

export function benchInstance(serviceId: string, i: number): BenchInstance {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return { regionId: REGION, zoneId: ZONE, serviceId, instanceId: `${ip}:8080`, ip, port: 8080, protocol: 'http', status: 'up', url: `http://${ip}:8080/`, metadata: null };
}

export const discoveryFleet = Array.from({ length: DISCOVERY_INSTANCES }, (_, i) => benchInstance(DISCOVERY_SERVICE, i));
export const heartbeatFleet = Array.from({ length: HEARTBEAT_FLEET }, (_, i) => benchInstance(`bench.compare.hb.s${i % 10}`, i));
export const registerFleet = Array.from({ length: REGISTER_FLEET }, (_, i) => benchInstance(`bench.compare.reg.s${i % 100}`, i));

export const registryBody = (instances: BenchInstance[]) => JSON.stringify({ instances });
export const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
export const b64 = (s: string) => Buffer.from(s).toString('base64');
export const etcdKey = (i: BenchInstance) => `${ETCD_PREFIX}${i.serviceId}/${i.instanceId}`;

export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  bytes[bytes.length - 1]! += 1;
  return bytes.toString('base64');
}

export const DISCOVERY_PATH = `/api/discovery/service.json?serviceId=${DISCOVERY_SERVICE}&regionId=${REGION}&zoneId=${ZONE}`;
