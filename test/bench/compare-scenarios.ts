/** The scenarios of `npm run bench:compare` (what each kind of target is sent) and the data they need on the servers. */
import { DISCOVERY_INSTANCES, DISCOVERY_PATH, DISCOVERY_SERVICE, ETCD_PREFIX, HEARTBEAT_FLEET, REGISTER_BATCH, REGISTER_FLEET, b64, chunks, discoveryFleet, etcdKey, heartbeatFleet, prefixEnd, registerFleet, registryBody, type BenchInstance } from './compare-fleets.js';
import { capture, postJson, registry } from './compare-http.js';
import type { CapturedResponse } from './compare-targets.js';

/** 'artemis', 'bare', 'etcd' or the name of a variant (another Artemis node). */
export type TargetName = string;
export type SideName = 'artemis' | 'bare' | 'etcd';

export interface Side {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  bodies?: string[];
  /** Instances one request handles. */
  units: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** What each kind of target gets; every variant gets the `artemis` side. */
  sides: Partial<Record<SideName, Side>>;
  /** Untimed work on the node after each of its runs. */
  afterArtemis?: (base: string) => Promise<void>;
}

export const SCENARIO_IDS = ['discovery', 'heartbeat', 'register', 'register-batch'];

export interface EtcdData {
  leases: string[];
}

export function scenarios(etcd: EtcdData | null): Scenario[] {
  const hbBodies = heartbeatFleet.map((i) => registryBody([i]));
  const regBodies = registerFleet.map((i) => registryBody([i]));
  const regBatches = chunks(registerFleet, REGISTER_BATCH).map(registryBody);
  const unregister = (base: string) => registry(base, 'unregister', registerFleet);
  const lease = (n: number) => etcd!.leases[n % etcd!.leases.length]!;
  const put = (i: BenchInstance, n: number) => ({ key: b64(etcdKey(i)), value: b64(JSON.stringify(i)), lease: lease(n) });
  const list: Scenario[] = [
    {
      id: 'discovery',
      title: `discovery read, ${DISCOVERY_INSTANCES}-instance service`,
      sides: {
        artemis: { label: 'GET service.json', method: 'GET', path: DISCOVERY_PATH, units: 1 },
        bare: { label: 'GET, same bytes', method: 'GET', path: DISCOVERY_PATH, units: 1 },
        ...(etcd && {
          etcd: {
            label: `range, ${DISCOVERY_INSTANCES}-key prefix`,
            method: 'POST',
            path: '/v3/kv/range',
            bodies: [JSON.stringify({ key: b64(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`), range_end: prefixEnd(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`) })],
            units: 1,
          },
        }),
      },
    },
    {
      id: 'heartbeat',
      title: `HTTP heartbeat, 1 instance per POST (${HEARTBEAT_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: 'POST heartbeat.json', method: 'POST', path: '/api/registry/heartbeat.json', bodies: hbBodies, units: 1 },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/heartbeat.json', bodies: hbBodies, units: 1 },
        ...(etcd && {
          etcd: { label: 'lease keep-alive, 1 lease per POST', method: 'POST', path: '/v3/lease/keepalive', bodies: etcd.leases.map((id) => JSON.stringify({ ID: id })), units: 1 },
        }),
      },
    },
    {
      id: 'register',
      title: `registration, 1 instance per POST (${REGISTER_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: 'POST register.json', method: 'POST', path: '/api/registry/register.json', bodies: regBodies, units: 1 },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/register.json', bodies: regBodies, units: 1 },
        ...(etcd && {
          etcd: { label: 'put with lease, 1 key per POST', method: 'POST', path: '/v3/kv/put', bodies: registerFleet.map((i, n) => JSON.stringify(put(i, n))), units: 1 },
        }),
      },
      afterArtemis: unregister,
    },
    {
      id: 'register-batch',
      title: `registration, ${REGISTER_BATCH} instances per POST (${REGISTER_FLEET.toLocaleString('en-US')} instances)`,
      sides: {
        artemis: { label: `POST register.json ×${REGISTER_BATCH}`, method: 'POST', path: '/api/registry/register.json', bodies: regBatches, units: REGISTER_BATCH },
        bare: { label: 'POST, same bytes', method: 'POST', path: '/api/registry/register.json', bodies: regBatches, units: REGISTER_BATCH },
        ...(etcd && {
          etcd: {
            label: `txn of ${REGISTER_BATCH} puts with lease`,
            method: 'POST',
            path: '/v3/kv/txn',
            bodies: chunks(registerFleet, REGISTER_BATCH).map((part, c) => JSON.stringify({ success: part.map((i, k) => ({ request_put: put(i, c * REGISTER_BATCH + k) })) })),
            units: REGISTER_BATCH,
          },
        }),
      },
      afterArtemis: unregister,
    },
  ];
  return list;
}

// ------------------------------------------------------------------ setup

/** Registers the fleets the scenarios read and heartbeat; captures the answers the bare server repeats. */
export async function prepareArtemis(base: string): Promise<Record<string, CapturedResponse>> {
  await registry(base, 'register', [...discoveryFleet, ...heartbeatFleet]);
  await new Promise((r) => setTimeout(r, 200));
  const service = await capture(base, 'GET', DISCOVERY_PATH);
  const parsed = JSON.parse(service.body.toString()) as { service: { instances: unknown[] | null } };
  if (service.status !== 200 || parsed.service.instances?.length !== DISCOVERY_INSTANCES) throw new Error(`service.json: unexpected answer ${service.body.toString().slice(0, 300)}`);
  const heartbeat = await capture(base, 'POST', '/api/registry/heartbeat.json', registryBody([heartbeatFleet[0]!]));
  const register = await capture(base, 'POST', '/api/registry/register.json', registryBody([registerFleet[0]!]));
  for (const [name, r] of [['heartbeat', heartbeat], ['register', register]] as const) {
    if (!r.body.toString().includes('"errorCode":"success"')) throw new Error(`${name}: unexpected answer ${r.body.toString()}`);
  }
  await registry(base, 'unregister', [registerFleet[0]!]);
  return {
    'GET /api/discovery/service.json': service,
    'POST /api/registry/heartbeat.json': heartbeat,
    'POST /api/registry/register.json': register,
  };
}

/**
 * Sends the bare server the node's preparation traffic (the fleet's registration batches, the
 * reads and writes `prepareArtemis` captures), over the same one-off connections: the node's
 * optimized code is shaped by the requests it saw before the load, so both sides see the same.
 */
export async function prepareBare(base: string): Promise<void> {
  await registry(base, 'register', [...discoveryFleet, ...heartbeatFleet]);
  await capture(base, 'GET', DISCOVERY_PATH);
  await capture(base, 'POST', '/api/registry/heartbeat.json', registryBody([heartbeatFleet[0]!]));
  await capture(base, 'POST', '/api/registry/register.json', registryBody([registerFleet[0]!]));
}

/** Grants the leases (TTL 10 min, so none lapses between rounds) and writes the ten keys the range reads. */
export async function prepareEtcd(base: string): Promise<EtcdData> {
  const leases: string[] = [];
  for (const part of chunks(Array.from({ length: HEARTBEAT_FLEET }, (_, i) => i), 50)) {
    const granted = await Promise.all(part.map(() => postJson<{ ID: string }>(base, '/v3/lease/grant', { TTL: 600 })));
    leases.push(...granted.map((g) => g.ID));
  }
  for (const [n, i] of discoveryFleet.entries()) await postJson(base, '/v3/kv/put', { key: b64(etcdKey(i)), value: b64(JSON.stringify(i)), lease: leases[n] });
  const range = await postJson<{ count?: string }>(base, '/v3/kv/range', { key: b64(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`), range_end: prefixEnd(`${ETCD_PREFIX}${DISCOVERY_SERVICE}/`) });
  if (range.count !== String(DISCOVERY_INSTANCES)) throw new Error(`etcd range: expected ${DISCOVERY_INSTANCES} keys, got ${JSON.stringify(range)}`);
  const kept = await postJson<{ result?: { TTL?: string } }>(base, '/v3/lease/keepalive', { ID: leases[0] });
  if (!(Number(kept.result?.TTL) > 0)) throw new Error(`etcd keep-alive: unexpected answer ${JSON.stringify(kept)}`);
  return { leases };
}
