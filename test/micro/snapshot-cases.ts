/** Micro cases of snapshot serialisation: a service's response body, and services.json after one service changed. */
import { ServiceSnapshot } from '../../src/cache/service-snapshot.js';
import { VersionedServiceCache } from '../../src/cache/versioned-service-cache.js';
import { makeService, type Service } from '../../src/core/wire/service.js';
import { ManualClock, T0, fmt, serviceOf } from './micro-fixtures.js';
import type { MicroCase, MicroSizes } from './micro-sizes.js';

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
