/** Micro cases of delta computation: services-delta bodies over the retained history, and one service's changes. */
import { DeltaHistory, composeSteps, deltaResponseJson, type ServiceTransitions, type Transition, type VersionStep } from '../../src/cache/delta-history.js';
import type { Member } from '../../src/cache/service-snapshot.js';
import { instanceKey, serviceKey, type Instance } from '../../src/core/wire/instance.js';
import { DiscoveryService } from '../../src/discovery/discovery-service.js';
import { LeaseManager, type LeaseTableName } from '../../src/lease/lease-manager.js';
import { SelfPreservation } from '../../src/lease/self-preservation.js';
import { ChangeBus } from '../../src/registry/change-bus.js';
import { RegistryRepository } from '../../src/registry/registry-repository.js';
import type { NodeGate } from '../../src/registry/registry-service.js';
import { ManualClock, REGION, T0, ZONE, benchInstance, upStatus } from './micro-fixtures.js';
import type { MicroCase, MicroSizes } from './micro-sizes.js';

function member(instance: Instance): Member {
  return instance;
}

/** Version steps as the cache records them: each re-registers `changesPerStep` instances (new URL). */
function deltaHistory(s: MicroSizes): { history: DeltaHistory; first: number; last: number; at: number } {
  const history = new DeltaHistory({ maxCount: s.deltaSteps, maxAgeMs: 300_000 });
  const current = new Map<string, Instance>();
  let version = T0;
  const first = version;
  for (let step = 0; step < s.deltaSteps; step++) {
    const services = new Map<string, ServiceTransitions>();
    for (let c = 0; c < s.deltaChangesPerStep; c++) {
      const n = step * s.deltaChangesPerStep + c;
      const svc = n % s.deltaServices;
      const idx = Math.floor(n / s.deltaServices) % s.deltaInstancesPerService;
      const after = benchInstance(svc, idx, step + 1);
      const key = instanceKey(after);
      const before = current.get(key) ?? benchInstance(svc, idx, 0);
      current.set(key, after);
      const sKey = serviceKey(after.serviceId!);
      let entry = services.get(sKey);
      if (entry === undefined) services.set(sKey, (entry = { serviceId: after.serviceId!, transitions: new Map<string, Transition>() }));
      entry.transitions.set(key, { before: member(before), after: member(after) });
    }
    const stepRecord: VersionStep = { from: version, to: version + 1, at: version + 1, services };
    history.record(stepRecord);
    version++;
  }
  return { history, first, last: version, at: version };
}

/** Wires a registry, a discovery service and a manual clock; `register` then `flush` makes one version. */
function discoveryStack() {
  const clock = new ManualClock();
  const safety = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 };
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const table = (name: LeaseTableName) => new LeaseManager(name, { ttlMs: 20_000 }, clock, new SelfPreservation(safety, clock));
  const repository = new RegistryRepository(table('instance'), table('legacy-instance'), bus, clock);
  const node: NodeGate = { status: upStatus(), regionId: REGION, zoneId: ZONE };
  const discovery = new DiscoveryService({
    repository,
    bus,
    node,
    clock,
    settings: { coalesceMs: 20, rebuildSliceMs: 4, deltaHistoryCount: 64, deltaHistoryMaxAgeMs: 300_000 },
  });
  return { clock, repository, discovery };
}

/** services-delta bodies composed over the retained history, and one service's changes through DiscoveryService. */
export function deltaCases(s: MicroSizes): MicroCase[] {
  return [
    {
      name: `services-delta body composed over ${s.deltaSteps} steps × ${s.deltaChangesPerStep} changes (${s.deltaServices} services)`,
      prepare: () => {
        const { history, first, last, at } = deltaHistory(s);
        return () => deltaResponseJson(composeSteps(history.since(first)!), at, last).length;
      },
    },
    {
      name: `services-delta body from the previous version (1 step × ${s.deltaChangesPerStep} changes)`,
      prepare: () => {
        const { history, last, at } = deltaHistory(s);
        return () => deltaResponseJson(composeSteps(history.since(last - 1)!), at, last).length;
      },
    },
    {
      name: `DiscoveryService.changesSince(one service) across ${s.deltaSteps} versions`,
      prepare: () => {
        const { clock, repository, discovery } = discoveryStack();
        for (let svc = 0; svc < s.deltaServices; svc++) {
          for (let i = 0; i < s.deltaInstancesPerService; i++) repository.register(benchInstance(svc, i));
        }
        clock.t += 1_000;
        discovery.flush();
        const oldest = discovery.cache.version;
        for (let step = 0; step < s.deltaSteps; step++) {
          for (let c = 0; c < s.deltaChangesPerStep; c++) {
            const n = step * s.deltaChangesPerStep + c;
            repository.register(benchInstance(n % s.deltaServices, Math.floor(n / s.deltaServices) % s.deltaInstancesPerService, step + 1));
          }
          clock.t += 20;
          discovery.flush();
        }
        discovery.stop();
        const watched = 'bench.micro.s0';
        return () => {
          const answer = discovery.changesSince(watched, oldest);
          if (answer === null) throw new Error('history no longer retains the oldest version');
          return answer.changes.length;
        };
      },
    },
  ];
}
