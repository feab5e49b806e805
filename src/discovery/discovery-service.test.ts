import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NodeState } from '../cluster/node-state.js';
import { makeInstance, type Instance } from '../core/wire/instance.js';
import type { DiscoveryConfig } from '../core/wire/service.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation } from '../lease/self-preservation.js';
import { ChangeBus } from '../registry/change-bus.js';
import { RegistryRepository } from '../registry/registry-repository.js';
import type { DiscoveryFilter } from './discovery-filter.js';
import { DiscoveryService } from './discovery-service.js';
import type { WireInstance, WireChange, WireService, DeltaBody } from '../../test/helpers/wire-types.js';

const T0 = 1_700_000_000_000;

function fixture(rebuildSliceMs = 4) {
  const clock = { now: () => Date.now() };
  const safety = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 50, maxCountResetIntervalMs: 600_000 };
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const table = (name: 'instance' | 'legacy-instance') =>
    new LeaseManager(name, { ttlMs: 20_000 }, clock, new SelfPreservation(safety, clock));
  const normal = table('instance');
  const repo = new RegistryRepository(normal, table('legacy-instance'), bus, clock);
  const node = new NodeState(
    { regionId: 'SHA', zoneId: 'sha-z1', allowRegistryFromOtherZone: true, allowDiscoveryFromOtherZone: true },
    'http://127.0.0.1',
  );
  node.markUp();
  const errors: string[] = [];
  const settings = { coalesceMs: 20, rebuildSliceMs, deltaHistoryCount: 64, deltaHistoryMaxAgeMs: 300_000 };
  const discovery = new DiscoveryService({ repository: repo, bus, node, clock, settings, onError: (_e, source) => errors.push(source) });
  return { repo, discovery, errors, normal };
}

const inst = (serviceId: string, n: number, extra: Partial<Instance> = {}): Instance =>
  makeInstance({ regionId: 'SHA', zoneId: 'sha-z1', serviceId, instanceId: `i${n}`, url: `http://h${n}`, port: 80, status: 'up', ...extra });

const config = (serviceId: string, extra: Partial<DiscoveryConfig> = {}): DiscoveryConfig => ({
  discoveryData: null,
  regionId: null,
  serviceId,
  zoneId: null,
  ...extra,
});

const lookup = (d: DiscoveryService, ...ids: string[]) =>
  (JSON.parse(d.lookup({ discoveryConfigs: ids.map((id) => config(id)), regionId: 'SHA', zoneId: 'sha-z1' }).bytes.toString()) as { services: WireService[] })
    .services;
const services = (d: DiscoveryService) => JSON.parse(d.getServices().bytes.toString()) as { services: WireService[] };
const ids = (s: { instances: WireInstance[] | null }) => (s.instances ?? []).map((i) => i.instanceId);

describe('DiscoveryService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('folds the changes of one window into one rebuild and one version', async () => {
    const { repo, discovery } = fixture();
    const v0 = discovery.cache.version;
    repo.register(inst('demo', 1));
    repo.register(inst('demo', 2));
    repo.register(inst('pay', 3));
    // the first change after a quiet period is rebuilt on the next turn, with its whole turn
    await vi.advanceTimersByTimeAsync(0);
    expect(discovery.cache.stats).toMatchObject({ versionBumps: 1, serviceBuilds: 2 });
    const v1 = discovery.cache.version;
    expect(v1).toBeGreaterThan(v0);
    expect(services(discovery).services.map(ids)).toEqual([['i1', 'i2'], ['i3']]);
    // a burst right after waits for the window since that rebuild and costs one more rebuild
    await vi.advanceTimersByTimeAsync(1);
    for (let i = 4; i < 104; i++) repo.register(inst('demo', i));
    await vi.advanceTimersByTimeAsync(5);
    for (let i = 104; i < 204; i++) repo.register(inst('demo', i));
    await vi.advanceTimersByTimeAsync(13);
    expect(discovery.cache.version).toBe(v1);
    await vi.advanceTimersByTimeAsync(1);
    expect(discovery.cache.stats).toMatchObject({ versionBumps: 2, serviceBuilds: 3 });
    expect(services(discovery).services.map(ids)[0]).toHaveLength(202);
  });

  it('shows a registration in lookup, service and the delta after the window', async () => {
    const { repo, discovery } = fixture();
    repo.register(inst('demo', 1));
    await vi.advanceTimersByTimeAsync(20);
    const v = discovery.cache.version;
    repo.register(inst('Demo', 2));
    expect(lookup(discovery, 'DEMO').map(ids)).toEqual([['i1', 'i2']]);
    await vi.advanceTimersByTimeAsync(20);
    const service = JSON.parse(discovery.getService({ discoveryConfig: config('demo'), regionId: 'sha', zoneId: null }).bytes.toString());
    expect(ids(service.service)).toEqual(['i1', 'i2']);
    expect(service.service.serviceId).toBe('Demo');
    const delta = JSON.parse(discovery.getServicesDelta({ version: v, regionId: null, zoneId: null }).bytes.toString()) as DeltaBody;
    expect(delta.delta.Demo!.map((c: WireChange) => [c.changeType, c.instance.instanceId])).toEqual([['new', 'i2']]);
  });

  it('rebuilds for an unregistration within the job, while expiries wait for the coalescing window', async () => {
    const { repo, discovery, normal } = fixture();
    for (let i = 1; i <= 4; i++) repo.register(inst('demo', i));
    await vi.advanceTimersByTimeAsync(20);
    const v0 = discovery.cache.version;
    repo.unregister(inst('demo', 1));
    await Promise.resolve();
    const v1 = discovery.cache.version;
    expect(v1).toBeGreaterThan(v0);
    expect(services(discovery).services.map(ids)).toEqual([['i2', 'i3', 'i4']]);

    repo.renew(inst('demo', 4));
    await vi.advanceTimersByTimeAsync(10_000);
    repo.renew(inst('demo', 4));
    await vi.advanceTimersByTimeAsync(10_001);
    // i2 and i3 are past their TTL, i4 was renewed 10 s ago
    expect(normal.sweep()).toBe(2);
    await Promise.resolve();
    expect(discovery.cache.version).toBe(v1);
    await vi.advanceTimersByTimeAsync(20);
    expect(discovery.cache.version).toBeGreaterThan(v1);
    expect(services(discovery).services.map(ids)).toEqual([['i4']]);
  });

  it('does not rebuild or bump the version for 10,000 heartbeats', async () => {
    const { repo, discovery } = fixture();
    const instances = [inst('demo', 1), inst('demo', 2), inst('pay', 3)];
    for (const i of instances) repo.register(i);
    await vi.advanceTimersByTimeAsync(20);
    const before = discovery.cache.stats;
    const body = discovery.getServices();
    for (let n = 0; n < 10_000; n++) expect(repo.renew(instances[n % 3]!)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(discovery.cache.stats).toEqual(before);
    expect(discovery.getServices()).toBe(body);
    expect(discovery.cache.hasDirty).toBe(false);
  });

  it('runs filters in order, skipping one that throws', () => {
    const { repo, discovery, errors } = fixture();
    const calls: string[] = [];
    const broken: DiscoveryFilter = {
      name: 'broken',
      dependsOnConfig: false,
      filter: () => {
        calls.push('broken');
        throw new Error('filter failure');
      },
    };
    const tag: DiscoveryFilter = {
      name: 'tag',
      dependsOnConfig: false,
      filter: (s) => {
        calls.push('tag');
        s.routeRules = [];
      },
    };
    discovery.addFilter(broken);
    discovery.addFilter(tag);
    repo.register(inst('demo', 1));
    discovery.flush();
    expect(calls).toEqual(['broken', 'tag']);
    expect(errors).toEqual(['filter broken']);
    expect(services(discovery).services[0]!.routeRules).toEqual([]);
  });

  it('serves lookups from the cache while no filter depends on the caller config', () => {
    const { repo, discovery } = fixture();
    const seen: Array<string | null> = [];
    const filter: DiscoveryFilter = { name: 'spy', dependsOnConfig: false, filter: (_s, c) => void seen.push(c.serviceId) };
    discovery.addFilter(filter);
    repo.register(inst('demo', 1));
    discovery.flush();
    seen.length = 0;
    lookup(discovery, 'demo', 'demo');
    expect(seen).toEqual([]);
    lookup(discovery, 'absent');
    expect(seen).toEqual(['absent']);
  });

  it('filters per request with the caller config when a filter depends on it', () => {
    const { repo, discovery } = fixture();
    const byZone: DiscoveryFilter = {
      name: 'by-zone',
      filter: (s, c) => {
        s.instances = (s.instances ?? []).filter((i) => c.zoneId === null || i.zoneId === c.zoneId);
      },
    };
    discovery.addFilter(byZone);
    repo.register(inst('demo', 1));
    repo.register(inst('demo', 2, { zoneId: 'sha-z2' }));
    discovery.flush();
    const body = discovery.lookup({ discoveryConfigs: [config('demo', { zoneId: 'sha-z2' })], regionId: 'SHA', zoneId: 'sha-z1' });
    expect(JSON.parse(body.bytes.toString()).services.map(ids)).toEqual([['i2']]);
    expect(services(discovery).services.map(ids)).toEqual([['i1', 'i2']]);
  });

  it('invalidate rebuilds exactly the named services and bumps the version when they change', () => {
    const { repo, discovery } = fixture();
    let hidden = false;
    discovery.addFilter({
      name: 'hide',
      dependsOnConfig: false,
      filter: (s) => {
        if (hidden) s.instances = [];
      },
    });
    repo.register(inst('demo', 1));
    repo.register(inst('pay', 2));
    discovery.flush();
    const { serviceBuilds, version } = discovery.cache.stats;
    discovery.invalidate(['PAY']);
    expect(discovery.flush()).toBe(false);
    expect(discovery.cache.stats.serviceBuilds).toBe(serviceBuilds + 1);
    hidden = true;
    discovery.invalidate(['Demo']);
    expect(discovery.flush()).toBe(true);
    expect(discovery.cache.stats.serviceBuilds).toBe(serviceBuilds + 2);
    expect(services(discovery).services.map((s: WireService) => s.serviceId)).toEqual(['pay']);
    const delta = JSON.parse(discovery.cache.deltaBody(version)!.bytes.toString()) as DeltaBody;
    expect(Object.keys(delta.delta)).toEqual(['demo']);
    expect(lookup(discovery, 'demo')[0]!.instances).toEqual([]);
  });

  it('stops listening and clears its timer on stop', async () => {
    const { repo, discovery } = fixture();
    repo.register(inst('demo', 1));
    discovery.stop();
    expect(vi.getTimerCount()).toBe(0);
    repo.register(inst('demo', 2));
    await vi.advanceTimersByTimeAsync(100);
    expect(discovery.cache.stats.versionBumps).toBe(0);
  });

  it('spreads a rebuild longer than rebuildSliceMs over several turns, each a version, the services preferred first', async () => {
    // with no time for more, every part is one service
    const { repo, discovery } = fixture(0);
    await vi.advanceTimersByTimeAsync(100);
    discovery.preferFirst(new Set(['c']));
    const bumps = discovery.cache.stats.versionBumps;
    const ticks: number[] = [];
    discovery.onTick((v) => ticks.push(v));
    for (const id of ['a', 'b', 'c']) repo.register(inst(id, 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(services(discovery).services.map((s: WireService) => s.serviceId)).toEqual(['c']);
    expect(discovery.pending('a')).toBe(true);
    expect(discovery.pending('c')).toBe(false);
    // the other parts follow on the next turns, not a coalescing window (20 ms) later
    await vi.advanceTimersByTimeAsync(8);
    expect(services(discovery).services.map((s: WireService) => s.serviceId)).toEqual(['a', 'b', 'c']);
    expect(discovery.pending('b')).toBe(false);
    expect(discovery.cache.stats.versionBumps).toBe(bumps + 3);
    // three parts, and the run for the preferred service, which found it rebuilt already
    expect(ticks).toHaveLength(4);
    discovery.stop();
  });

  it('a change of a preferred service is rebuilt one window later while a large rebuild stretched the window of the others', async () => {
    const { repo, discovery } = fixture(1_000);
    // each service costs 100 ms (of the fake clock) to filter
    discovery.addFilter({ name: 'slow', dependsOnConfig: false, filter: () => vi.setSystemTime(Date.now() + 100) });
    await vi.advanceTimersByTimeAsync(100);
    for (const id of ['a', 'b', 'c']) repo.register(inst(id, 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(discovery.pending('c')).toBe(false);
    // that rebuild cost 300 ms: the next one of the others waits for the stretched window
    discovery.preferFirst(new Set(['c']));
    repo.register(inst('a', 2));
    repo.register(inst('c', 3));
    await vi.advanceTimersByTimeAsync(25);
    expect(discovery.pending('c')).toBe(false);
    expect(discovery.pending('a')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(discovery.pending('a')).toBe(false);
    discovery.stop();
  });

  it('an unregistration rebuilds at once only the services it removed from', async () => {
    const { repo, discovery } = fixture();
    repo.register(inst('demo', 1));
    repo.register(inst('demo', 2));
    await vi.advanceTimersByTimeAsync(100);
    repo.register(inst('pay', 3));
    repo.unregister(inst('demo', 2));
    await Promise.resolve();
    expect(services(discovery).services.map(ids)).toEqual([['i1']]);
    expect(discovery.pending('pay')).toBe(true);
    await vi.advanceTimersByTimeAsync(20);
    expect(services(discovery).services.map(ids)).toEqual([['i1'], ['i3']]);
    discovery.stop();
  });

  it('an unregistration leaves the instances out of the cached snapshot without a build, unless a filter may read them', async () => {
    const { repo, discovery } = fixture();
    for (let i = 1; i <= 50; i++) repo.register(inst('demo', i));
    await vi.advanceTimersByTimeAsync(20);
    const v0 = discovery.cache.version;
    const { serviceBuilds } = discovery.cache.stats;
    repo.unregister(inst('demo', 7));
    repo.unregister(inst('demo', 8));
    await Promise.resolve();
    expect(discovery.cache.stats).toMatchObject({ serviceBuilds, removalSnapshots: 1 });
    const service = JSON.parse(discovery.getService({ discoveryConfig: config('demo'), regionId: 'SHA', zoneId: 'sha-z1' }).bytes.toString()) as { service: WireService };
    expect(ids(service.service)).toEqual([...Array(50).keys()].map((i) => `i${i + 1}`).filter((id) => id !== 'i7' && id !== 'i8'));
    const delta = JSON.parse(discovery.getServicesDelta({ version: v0, regionId: 'SHA', zoneId: 'sha-z1' }).bytes.toString()) as DeltaBody;
    expect(delta.delta.demo!.map((c) => `${c.changeType} ${c.instance.instanceId}`)).toEqual(['delete i7', 'delete i8']);

    // a filter that does not say it keeps the rest of the service on a removal: the service is built
    discovery.addFilter({ name: 'reads-all', dependsOnConfig: false, filter: (svc) => void (svc.metadata = { count: String(svc.instances?.length) }) });
    await vi.advanceTimersByTimeAsync(20);
    const built = discovery.cache.stats.serviceBuilds;
    repo.unregister(inst('demo', 9));
    await Promise.resolve();
    expect(discovery.cache.stats).toMatchObject({ serviceBuilds: built + 1, removalSnapshots: 1 });
    expect(JSON.parse(discovery.getServices().bytes.toString())).toMatchObject({ services: [{ metadata: { count: '47' } }] });
    discovery.stop();
  });
});
