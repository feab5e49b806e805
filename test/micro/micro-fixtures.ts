/** Instances, services, a clock and a node status the micro-benchmark cases share. */
import type { Clock } from '../../src/core/clock.js';
import type { ServiceNodeStatus } from '../../src/core/wire/cluster.js';
import { makeInstance, type Instance } from '../../src/core/wire/instance.js';
import { makeService, type Service } from '../../src/core/wire/service.js';

export const T0 = 1_800_000_000_000;
export const REGION = 'SHA';
export const ZONE = 'sha-z1';

/** A hand-driven clock: benchmarks decide when time moves. */
export class ManualClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
}

export const fmt = (n: number) => n.toLocaleString('en-US');

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

export function serviceOf(service: number, count: number, generation = 0): Service {
  return makeService(`bench.micro.s${service}`, Array.from({ length: count }, (_, i) => benchInstance(service, i, generation)));
}

export function upStatus(): ServiceNodeStatus {
  return {
    allowDiscoveryFromOtherZone: true,
    allowRegistryFromOtherZone: true,
    canServiceDiscovery: true,
    canServiceRegistry: true,
    node: { url: 'http://127.0.0.1:8080', zone: { metadata: null, regionId: REGION, zoneId: ZONE } },
    status: 'up',
  };
}
