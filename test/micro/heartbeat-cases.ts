/** Micro cases of RegistryService.handle over batches of heartbeats and registrations. */
import type { Clock } from '../../src/core/clock.js';
import type { Instance } from '../../src/core/wire/instance.js';
import { LeaseManager, type LeaseTableName } from '../../src/lease/lease-manager.js';
import { SelfPreservation } from '../../src/lease/self-preservation.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { ChangeBus } from '../../src/registry/change-bus.js';
import { RegistryRepository } from '../../src/registry/registry-repository.js';
import { RegistryService, SUCCESS_RESPONSE } from '../../src/registry/registry-service.js';
import { REGION, ZONE, benchInstance, fmt, upStatus } from './micro-fixtures.js';
import type { MicroCase, MicroSizes } from './micro-sizes.js';

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
