/** A RegistryService over real lease tables and a real repository, with a gate the test moves and records of what it reported. */
import type { ServiceNodeStatus } from '../../src/core/wire/cluster.js';
import { makeInstance, type Instance } from '../../src/core/wire/instance.js';
import type { InstanceChange } from '../../src/core/wire/service.js';
import type { LeaseManager } from '../../src/lease/lease-manager.js';
import { RateLimiter, type LimiterSettings } from '../../src/ratelimit/rate-limiter.js';
import { ChangeBus } from '../../src/registry/change-bus.js';
import type { InstanceLimits } from '../../src/registry/instance-limits.js';
import { RegistryRepository } from '../../src/registry/registry-repository.js';
import { RegistryService, type NodeGate, type RegistryOperation } from '../../src/registry/registry-service.js';
import { clock, leaseTable } from './lease-clock.js';
import { instance } from './node.js';

const defaultLimits: InstanceLimits = { maxInstancesPerRequest: 100, maxFieldLength: 64, maxMetadataEntries: 4, maxMetadataBytes: 40 };

export function status(s: ServiceNodeStatus['status'], capable: boolean | null, allowOtherZone: boolean | null = true): ServiceNodeStatus {
  return {
    allowDiscoveryFromOtherZone: allowOtherZone,
    allowRegistryFromOtherZone: allowOtherZone,
    canServiceDiscovery: capable,
    canServiceRegistry: capable,
    node: { url: 'http://node', zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } },
    status: s,
  };
}

export interface Setup {
  service: RegistryService;
  repository: RegistryRepository;
  normal: LeaseManager;
  legacy: LeaseManager;
  gate: { status: ServiceNodeStatus; regionId: string; zoneId: string };
  changes: InstanceChange[];
  unexpected: Array<[unknown, string]>;
  results: Array<[RegistryOperation, string]>;
}

export function setup(opts: { limiter?: Partial<LimiterSettings>; limits?: Partial<InstanceLimits>; ttlMs?: number; allowOtherZone?: boolean } = {}): Setup {
  const normal = leaseTable('instance', opts.ttlMs ?? 20_000);
  const legacy = leaseTable('legacy-instance', 90_000);
  const bus = new ChangeBus((err) => {
    throw err;
  });
  const changes: InstanceChange[] = [];
  bus.subscribe((c) => changes.push(c));
  const repository: RegistryRepository = new RegistryRepository(normal, legacy, bus, clock);
  const gate = { status: status('up', true, opts.allowOtherZone ?? true), regionId: 'SHA', zoneId: 'sha-z1' };
  const nodeGate: NodeGate = {
    get status() {
      return gate.status;
    },
    get regionId() {
      return gate.regionId;
    },
    get zoneId() {
      return gate.zoneId;
    },
  };
  const unexpected: Array<[unknown, string]> = [];
  const results: Array<[RegistryOperation, string]> = [];
  const limiter = new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 100_000, limits: {}, ...opts.limiter }, 10_000, clock);
  const service = new RegistryService({
    repository,
    node: nodeGate,
    limiter,
    limits: { ...defaultLimits, ...opts.limits },
    onUnexpected: (err, id) => unexpected.push([err, id]),
    onInstanceResult: (op, r) => results.push([op, r]),
  });
  return { service, repository, normal, legacy, gate, changes, unexpected, results };
}

export function inst(overrides: Partial<Instance> = {}): Instance {
  return makeInstance(instance(overrides));
}

export const body = (...instances: unknown[]) => ({ instances });
