import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeState } from '../cluster/node-state.js';
import { instanceKey, makeInstance, type Instance } from '../core/wire/instance.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation } from '../lease/self-preservation.js';
import { ChangeBus } from '../registry/change-bus.js';
import { RegistryRepository } from '../registry/registry-repository.js';
import { DiscoveryService } from './discovery-service.js';
import type { DiscoveryFilter } from './discovery-filter.js';

type Snapshot = Record<string, Record<string, string>>;

const SERVICE_IDS = ['demo.order', 'Demo.Order', 'pay'];
const TTL = 20_000;

function fixture(withFilter: boolean) {
  const clock = { t: 1_700_000_000_000, now: () => clock.t };
  const safety = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 };
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const table = (name: 'instance' | 'legacy-instance') =>
    new LeaseManager(name, { ttlMs: TTL }, clock, new SelfPreservation(safety, clock));
  const repo = new RegistryRepository(table('instance'), table('legacy-instance'), bus, clock);
  const node = new NodeState(
    { regionId: 'SHA', zoneId: 'sha-z1', allowRegistryFromOtherZone: true, allowDiscoveryFromOtherZone: true },
    'http://127.0.0.1',
  );
  node.markUp();
  const settings = { coalesceMs: 20, rebuildSliceMs: 4, deltaHistoryCount: 100_000, deltaHistoryMaxAgeMs: 1e12 };
  const discovery = new DiscoveryService({ repository: repo, bus, node, clock, settings });
  const dropDown: DiscoveryFilter = {
    name: 'drop-down',
    dependsOnConfig: false,
    filter: (s) => {
      s.instances = (s.instances ?? []).filter((i) => i.status !== 'down');
    },
  };
  if (withFilter) discovery.addFilter(dropDown);
  return { clock, repo, discovery };
}

const instanceOf = (s: number, i: number, url = 0, up = true): Instance =>
  makeInstance({
    regionId: 'SHA',
    zoneId: 'sha-z1',
    serviceId: SERVICE_IDS[s]!,
    instanceId: `10.0.0.${i}:80`,
    ip: `10.0.0.${i}`,
    port: 80,
    status: up ? 'up' : 'down',
    url: `http://10.0.0.${i}/v${url}`,
  });

function snapshotOf(text: string): Snapshot {
  const out: Snapshot = {};
  for (const service of JSON.parse(text).services as Array<{ serviceId: string; instances: Instance[] }>) {
    const m: Record<string, string> = {};
    for (const i of service.instances) m[instanceKey(i)] = JSON.stringify(i);
    out[service.serviceId.toLowerCase()] = m;
  }
  return out;
}

function applyDelta(base: Snapshot, delta: Record<string, Array<{ changeType: string; instance: Instance }>>): Snapshot {
  const out: Snapshot = structuredClone(base);
  for (const [serviceId, changes] of Object.entries(delta)) {
    const m = (out[serviceId.toLowerCase()] ??= {});
    for (const c of changes) {
      if (c.changeType === 'delete') delete m[instanceKey(c.instance)];
      else m[instanceKey(c.instance)] = JSON.stringify(c.instance);
    }
    if (Object.keys(m).length === 0) delete out[serviceId.toLowerCase()];
  }
  return out;
}

const sid = fc.integer({ min: 0, max: SERVICE_IDS.length - 1 });
const iid = fc.integer({ min: 0, max: 3 });
const command = fc.oneof(
  fc.record({ op: fc.constant('register' as const), s: sid, i: iid, url: fc.integer({ min: 0, max: 1 }), up: fc.boolean() }),
  fc.record({ op: fc.constant('unregister' as const), s: sid, i: iid }),
  fc.record({ op: fc.constant('heartbeat' as const), s: sid, i: iid }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: TTL }) }),
  fc.record({ op: fc.constant('back' as const), ms: fc.integer({ min: 0, max: 5_000 }) }),
  fc.constant({ op: 'sweep' as const }),
  fc.constant({ op: 'flush' as const }),
);
type Command = typeof command extends fc.Arbitrary<infer T> ? T : never;

function run(f: ReturnType<typeof fixture>, c: Command): void {
  switch (c.op) {
    case 'register': f.repo.register(instanceOf(c.s, c.i, c.url, c.up)); break;
    case 'unregister': f.repo.unregister(instanceOf(c.s, c.i)); break;
    case 'heartbeat': f.repo.renew(instanceOf(c.s, c.i)); break;
    case 'tick': f.clock.t += c.ms; break;
    case 'back': f.clock.t -= c.ms; break;
    case 'sweep': f.repo.normal.sweep(); break;
    case 'flush': f.discovery.flush(); break;
  }
}

function registrySnapshot(repo: RegistryRepository): Snapshot {
  const out: Snapshot = {};
  for (const [key, entry] of repo.serviceEntries()) {
    out[key] = Object.fromEntries([...entry.leases.values()].map((l) => [l.key, JSON.stringify(l.instance)]));
  }
  return out;
}

describe('discovery deltas (property)', () => {
  it('applying the delta from any version v to snapshot v gives the newest snapshot; versions never go down', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(command, { maxLength: 60 }), (withFilter, commands) => {
        const f = fixture(withFilter);
        const seen: Array<{ version: number; snapshot: Snapshot }> = [];
        const record = () => {
          const body = f.discovery.getServices();
          const version = JSON.parse(body.bytes.toString()).version as number;
          expect(version).toBe(f.discovery.cache.version);
          if (seen.length > 0) expect(version).toBeGreaterThanOrEqual(seen[seen.length - 1]!.version);
          seen.push({ version, snapshot: snapshotOf(body.bytes.toString()) });
        };
        record();
        for (const c of commands) {
          run(f, c);
          if (c.op === 'flush') record();
        }
        f.discovery.flush();
        record();
        const newest = seen[seen.length - 1]!;
        if (!withFilter) expect(newest.snapshot).toEqual(registrySnapshot(f.repo));
        for (const { version, snapshot } of seen) {
          const body = f.discovery.cache.deltaBody(version);
          if (version === newest.version) {
            expect(body).toBeNull();
            expect(snapshot).toEqual(newest.snapshot);
            continue;
          }
          expect(body).not.toBeNull();
          const parsed = JSON.parse(body!.bytes.toString());
          expect(parsed.version).toBe(newest.version);
          expect(applyDelta(snapshot, parsed.delta)).toEqual(newest.snapshot);
        }
        f.discovery.stop();
      }),
      { numRuns: 300 },
    );
  });
});
