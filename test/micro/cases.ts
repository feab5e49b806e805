/**
 * The bodies of the micro-benchmarks, shared by the `*.bench.ts` files (run with
 * `npm run bench:micro`) and by the test that runs each of them once at small sizes
 * (test/unit/micro-bench-runs.test.ts). A case prepares its state when `prepare()` is called and
 * returns the function whose run time is measured.
 */
import { DeltaHistory, composeSteps, deltaResponseJson, type ServiceTransitions, type Transition, type VersionStep } from '../../src/cache/delta-history.js';
import { ServiceSnapshot, type Member } from '../../src/cache/service-snapshot.js';
import { VersionedServiceCache } from '../../src/cache/versioned-service-cache.js';
import type { Clock } from '../../src/core/clock.js';
import type { ServiceNodeStatus } from '../../src/core/wire/cluster.js';
import { instanceKey, makeInstance, serviceKey, type Instance } from '../../src/core/wire/instance.js';
import { makeService, type Service } from '../../src/core/wire/service.js';
import { DiscoveryService } from '../../src/discovery/discovery-service.js';
import { LeaseManager, type LeaseTableName } from '../../src/lease/lease-manager.js';
import { SelfPreservation } from '../../src/lease/self-preservation.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { ChangeBus } from '../../src/registry/change-bus.js';
import { RegistryRepository } from '../../src/registry/registry-repository.js';
import { RegistryService, SUCCESS_RESPONSE, type NodeGate } from '../../src/registry/registry-service.js';
import { routingCases } from './routing-cases.js';

/** How big the benchmarked structures are. */
export interface MicroSizes {
  /** Instances of the service whose snapshot is built. */
  snapshotInstances: number;
  /** Services of the cache whose services.json is rebuilt, and instances of each. */
  cacheServices: number;
  cacheInstancesPerService: number;
  /** Services and instances per service behind the delta benchmarks. */
  deltaServices: number;
  deltaInstancesPerService: number;
  /** Version steps retained (discovery.deltaHistoryCount defaults to 64). */
  deltaSteps: number;
  /** Instances re-registered in each step. */
  deltaChangesPerStep: number;
  /** Leases of the table the sweep walks. */
  leases: number;
  /** Instances registered before the heartbeat batches, and instances per batch. */
  heartbeatFleet: number;
  heartbeatBatch: number;
  /** Services with route rules in the routing snapshot, and instances of the published service. */
  routingServices: number;
  routingInstances: number;
}

/** The sizes `npm run bench:micro` measures. */
export const FULL_SIZES: MicroSizes = {
  snapshotInstances: 100,
  cacheServices: 1_000,
  cacheInstancesPerService: 10,
  deltaServices: 200,
  deltaInstancesPerService: 10,
  deltaSteps: 64,
  deltaChangesPerStep: 10,
  leases: 1_000_000,
  heartbeatFleet: 10_000,
  heartbeatBatch: 100,
  routingServices: 2_500,
  routingInstances: 1_000,
};

/** Sizes small enough to run every case once in well under a second (tests). */
export const SMALL_SIZES: MicroSizes = {
  snapshotInstances: 10,
  cacheServices: 20,
  cacheInstancesPerService: 3,
  deltaServices: 10,
  deltaInstancesPerService: 3,
  deltaSteps: 4,
  deltaChangesPerStep: 2,
  leases: 1_000,
  heartbeatFleet: 200,
  heartbeatBatch: 10,
  routingServices: 5,
  routingInstances: 10,
};

/** Environment variable that switches the bench files to {@link SMALL_SIZES} and one iteration. */
export const SMALL_ENV = 'ARTEMIS_MICRO_SMALL';

export function isSmallRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SMALL_ENV] === '1';
}

export function microSizes(env: NodeJS.ProcessEnv = process.env): MicroSizes {
  return isSmallRun(env) ? SMALL_SIZES : FULL_SIZES;
}

/** One benchmark: `prepare()` builds the state and returns the measured body. */
export interface MicroCase {
  name: string;
  prepare(): () => unknown;
}

const T0 = 1_800_000_000_000;
const REGION = 'SHA';
const ZONE = 'sha-z1';

/** A hand-driven clock: benchmarks decide when time moves. */
class ManualClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A registered instance as a Java client sends it (no metadata). */
export function benchInstance(service: number, i: number, generation = 0): Instance {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return makeInstance({
    regionId: REGION,
    zoneId: ZONE,
    serviceId: `bench.micro.s${service}`,
    instanceId: `${ip}:8080`,
    ip,
    port: 8080,
    protocol: 'http',
    status: 'up',
    url: `http://${ip}:8080/api?g=${generation}`,
    machineName: `host-${i}`,
  });
}

function serviceOf(service: number, count: number, generation = 0): Service {
  return makeService(`bench.micro.s${service}`, Array.from({ length: count }, (_, i) => benchInstance(service, i, generation)));
}

// ---------------------------------------------------------------- snapshot serialisation

/** Builds ServiceSnapshots and their response bodies; and the services.json body after one service changed. */
export function snapshotCases(s: MicroSizes): MicroCase[] {
  const n = s.snapshotInstances;
  return [
    {
      name: `ServiceSnapshot of ${fmt(n)} instances, every instance serialised (fresh objects) + response bytes`,
      prepare: () => {
        const template = serviceOf(0, n);
        let version = T0;
        return () => {
          // Fresh objects: what a rebuild costs when everything re-registered.
          const service = makeService(template.serviceId, template.instances!.map((i) => ({ ...i })));
          return new ServiceSnapshot('bench.micro.s0', service, ++version).responseBody().bytes.length;
        };
      },
    },
    {
      name: `ServiceSnapshot of ${fmt(n)} instances, one instance changed + response bytes`,
      prepare: () => {
        const instances = serviceOf(0, n).instances!;
        let version = T0;
        let k = 0;
        return () => {
          const at = k++ % n;
          instances[at] = { ...instances[at]! };
          const service = makeService('bench.micro.s0', instances.slice());
          return new ServiceSnapshot('bench.micro.s0', service, ++version).responseBody().bytes.length;
        };
      },
    },
    {
      name: `cache tick: 1 of ${fmt(s.cacheServices)} services (${s.cacheInstancesPerService} instances each) changed → rebuild + services.json bytes`,
      prepare: () => {
        const services = new Map<string, Service>();
        for (let i = 0; i < s.cacheServices; i++) services.set(`bench.micro.s${i}`, serviceOf(i, s.cacheInstancesPerService));
        const clock = new ManualClock();
        const source = { build: (key: string) => services.get(key) ?? null, keys: () => services.keys() };
        const cache = new VersionedServiceCache(source, { deltaHistoryCount: 64, deltaHistoryMaxAgeMs: 300_000 }, clock);
        let k = 0;
        return () => {
          const idx = k++ % s.cacheServices;
          const key = `bench.micro.s${idx}`;
          const svc = services.get(key)!;
          const instances = svc.instances!.slice();
          instances[0] = { ...instances[0]!, url: `http://changed/${k}` };
          services.set(key, { ...svc, instances });
          cache.invalidate(key);
          clock.t += 20;
          cache.rebuild();
          return cache.servicesBody().bytes.length;
        };
      },
    },
  ];
}

// ---------------------------------------------------------------- delta computation

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

// ---------------------------------------------------------------- lease sweep

function leaseTable(count: number, clock: ManualClock): { table: LeaseManager; keys: string[]; instances: Instance[] } {
  const safety = new SelfPreservation({ enabled: true, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 }, clock);
  const table = new LeaseManager('instance', { ttlMs: 20_000 }, clock, safety);
  const keys: string[] = new Array<string>(count);
  const instances: Instance[] = new Array<Instance>(count);
  for (let i = 0; i < count; i++) {
    const instance = benchInstance(i % 1_000, i);
    const key = instanceKey(instance);
    keys[i] = key;
    instances[i] = instance;
    table.put(key, instance);
  }
  return { table, keys, instances };
}

/** One sweep of a large lease table: nothing due (the steady state), and with 1 % unregistered. */
export function leaseCases(s: MicroSizes): MicroCase[] {
  const removals = Math.max(1, Math.floor(s.leases / 100));
  return [
    {
      name: `sweep of ${fmt(s.leases)} live leases, nothing due`,
      prepare: () => {
        const { table } = leaseTable(s.leases, new ManualClock());
        return () => {
          const removed = table.sweep();
          if (removed !== 0) throw new Error(`sweep removed ${removed} live leases`);
          return removed;
        };
      },
    },
    {
      name: `sweep of ${fmt(s.leases)} leases removing ${fmt(removals)} unregistered (incl. evicting and re-adding them)`,
      prepare: () => {
        const { table, keys, instances } = leaseTable(s.leases, new ManualClock());
        let removedTotal = 0;
        table.onRemoval(() => removedTotal++);
        let offset = 0;
        return () => {
          const from = offset;
          offset = (offset + removals) % s.leases;
          for (let k = 0; k < removals; k++) table.evict(keys[(from + k) % s.leases]!);
          const removed = table.sweep();
          if (removed !== removals) throw new Error(`sweep removed ${removed}, expected ${removals}`);
          for (let k = 0; k < removals; k++) {
            const i = (from + k) % s.leases;
            table.put(keys[i]!, instances[i]!);
          }
          return removedTotal;
        };
      },
    },
  ];
}

// ---------------------------------------------------------------- heartbeat batches

function upStatus(): ServiceNodeStatus {
  return {
    allowDiscoveryFromOtherZone: true,
    allowRegistryFromOtherZone: true,
    canServiceDiscovery: true,
    canServiceRegistry: true,
    node: { url: 'http://127.0.0.1:8080', zone: { metadata: null, regionId: REGION, zoneId: ZONE } },
    status: 'up',
  };
}

/** The default instance limits of a node (config `limits.*`). */
const DEFAULT_LIMITS = { maxInstancesPerRequest: 10_000, maxFieldLength: 2_048, maxMetadataEntries: 128, maxMetadataBytes: 16_384 };

/** A RegistryService over a real repository, with the default limits and a rate limit that never bites. */
function registryStack(fleet: number) {
  const clock: Clock = { now: () => Date.now() };
  const safety = { enabled: true, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 };
  const bus = new ChangeBus((err) => {
    throw err;
  });
  let changes = 0;
  bus.subscribe(() => changes++);
  const table = (name: LeaseTableName, ttlMs: number) => new LeaseManager(name, { ttlMs }, clock, new SelfPreservation(safety, clock));
  const repository = new RegistryRepository(table('instance', 20_000), table('legacy-instance', 90_000), bus, clock);
  const limiter = new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 100_000_000, limits: {} }, 10_000, clock);
  const service = new RegistryService({
    repository,
    node: { status: upStatus(), regionId: REGION, zoneId: ZONE },
    limiter,
    limits: DEFAULT_LIMITS,
    onUnexpected: (err) => {
      throw err;
    },
  });
  const instances = Array.from({ length: fleet }, (_, i) => benchInstance(i % Math.max(1, Math.ceil(fleet / 100)), i));
  for (const instance of instances) repository.register(instance);
  return { service, instances, changes: () => changes };
}

/** Request bodies of `batch` instances each, over the whole fleet, as JSON text. */
function batchTexts(instances: Instance[], batch: number): string[] {
  const out: string[] = [];
  for (let from = 0; from + batch <= instances.length; from += batch) out.push(JSON.stringify({ instances: instances.slice(from, from + batch) }));
  return out;
}

function expectSuccess(answer: unknown): void {
  if (answer !== SUCCESS_RESPONSE) throw new Error(`registry answered ${JSON.stringify(answer)}`);
}

/** RegistryService.handle over batches of instances, as the HTTP and WebSocket layers call it. */
export function heartbeatCases(s: MicroSizes): MicroCase[] {
  const b = s.heartbeatBatch;
  return [
    {
      name: `handle('heartbeat') batch of ${b} (parsed body), fleet of ${fmt(s.heartbeatFleet)}`,
      prepare: () => {
        const { service, instances } = registryStack(s.heartbeatFleet);
        const bodies = batchTexts(instances, b).map((t) => JSON.parse(t) as unknown);
        let k = 0;
        return () => expectSuccess(service.handle('heartbeat', bodies[k++ % bodies.length]));
      },
    },
    {
      name: `JSON.parse + handle('heartbeat') batch of ${b}, fleet of ${fmt(s.heartbeatFleet)}`,
      prepare: () => {
        const { service, instances } = registryStack(s.heartbeatFleet);
        const texts = batchTexts(instances, b);
        let k = 0;
        return () => expectSuccess(service.handle('heartbeat', JSON.parse(texts[k++ % texts.length]!)));
      },
    },
    {
      name: `handle('register') batch of ${b} (parsed body, re-registering), fleet of ${fmt(s.heartbeatFleet)}`,
      prepare: () => {
        const { service, instances } = registryStack(s.heartbeatFleet);
        const bodies = batchTexts(instances, b).map((t) => JSON.parse(t) as unknown);
        let k = 0;
        return () => expectSuccess(service.handle('register', bodies[k++ % bodies.length]));
      },
    },
  ];
}

/** Every group of cases by the name of its bench file. */
export const MICRO_GROUPS: Record<string, (s: MicroSizes) => MicroCase[]> = {
  snapshot: snapshotCases,
  delta: deltaCases,
  'lease-sweep': leaseCases,
  heartbeat: heartbeatCases,
  routing: routingCases,
};
