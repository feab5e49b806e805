import { HttpClient, answerError, timedRequest } from './http-load.js';
import type { OpRecorder } from './stats.js';

/** A set of synthetic instances: `count` of them over `services` services of one run. */
export interface Fleet {
  regionId: string;
  zoneId: string;
  /** Unique per run, so runs against one node do not collide. */
  prefix: string;
  count: number;
  services: number;
  /** Bytes of metadata per instance. */
  metadataBytes: number;
}

/** The service id of service number `s`. */
export function serviceId(fleet: Fleet, s: number): string {
  return `bench.${fleet.prefix}.s${s}`;
}

/** The JSON of instance number `i`. */
export function instanceJson(fleet: Fleet, i: number, instanceId = `i${i}`): string {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const metadata = fleet.metadataBytes > 0 ? { payload: 'x'.repeat(fleet.metadataBytes) } : null;
  return JSON.stringify({
    regionId: fleet.regionId,
    zoneId: fleet.zoneId,
    serviceId: serviceId(fleet, i % fleet.services),
    instanceId,
    ip,
    port: 8080,
    protocol: 'http',
    status: 'up',
    url: `http://${ip}:8080/`,
    metadata,
  });
}

/** A register/heartbeat/unregister body of the instances `from` to `from + count - 1` of the fleet (wrapping around). */
export function batchBody(fleet: Fleet, from: number, count: number): string {
  const parts: string[] = [];
  for (let k = 0; k < count; k++) parts.push(instanceJson(fleet, (from + k) % fleet.count));
  return `{"instances":[${parts.join(',')}]}`;
}

/** Why a one-address fleet is refused by a node with its default limits, and what to set there. */
const RATE_LIMITED_HINT =
  ' (the node limits registrations per client address: start it with --set limits.maxInstancesPerClient=0 --set limits.maxRegistrationsPerClientPerSecond=0 for a benchmark)';

/** Calls `path` for the whole fleet in batches of `batch`, `concurrency` at a time; records into `rec` when given. @throws Error on the first failed batch when `rec` is absent */
export async function wholeFleet(client: HttpClient, fleet: Fleet, path: string, batch: number, concurrency: number, rec?: OpRecorder): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < fleet.count) {
      const from = next;
      const size = Math.min(batch, fleet.count - from);
      next += size;
      const body = batchBody(fleet, from, size);
      if (rec !== undefined) {
        await timedRequest(client, rec, path, body, size);
        continue;
      }
      const kind = answerError(await client.request(path, body));
      if (kind !== undefined) throw new Error(`${path} failed: ${kind}${kind === 'rate-limited' ? RATE_LIMITED_HINT : ''}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Registers the fleet before a run. @throws Error when a batch fails */
export function registerFleet(client: HttpClient, fleet: Fleet, concurrency: number): Promise<void> {
  return wholeFleet(client, fleet, '/api/registry/register.json', 1_000, concurrency);
}

/** Unregisters the fleet after a run, ignoring failures. */
export async function unregisterFleet(client: HttpClient, fleet: Fleet, concurrency: number): Promise<void> {
  await wholeFleet(client, fleet, '/api/registry/unregister.json', 1_000, concurrency).catch(() => undefined);
}
