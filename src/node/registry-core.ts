import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { TaskScheduler } from '../core/scheduler.js';
import { NodeState } from '../cluster/node-state.js';
import { HybridClock } from '../lease/hybrid-clock.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation } from '../lease/self-preservation.js';
import { StatusLimiters } from '../ratelimit/operator-limit.js';
import { ClientRateLimiter, RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ChangeBus } from '../registry/change-bus.js';
import { RegistryCapacity } from '../registry/capacity.js';
import { RegistryRepository } from '../registry/registry-repository.js';
import { RegistryService } from '../registry/registry-service.js';
import { Tombstones } from '../registry/tombstones.js';
import { StallGuard } from '../registry/stall-guard.js';
import { errorFields, type Logger } from '../telemetry/logger.js';
import { logLeaseRemovals, registrationLogger, selfPreservationCheck, summariseRejections } from './operator-log.js';
import type { NodeMetrics } from '../telemetry/metrics.js';

export interface RegistryCoreDeps {
  clock: Clock;
  logger: Logger;
  metrics: NodeMetrics;
  bus: ChangeBus;
  scheduler: TaskScheduler;
}

/**
 * Every per-operation limiter of a node (the status pair as its two limiters), taken from the
 * limiters themselves: one added to them is summarised in the log and counted in the metrics
 * without a second list to keep.
 */
export function rateLimiters(limiters: Readonly<Record<string, RateLimiter | StatusLimiters>>): RateLimiter[] {
  return Object.values(limiters).flatMap((l) => (l instanceof StatusLimiters ? [l.machine, l.operator] : [l]));
}

/** The registry of a node: lease tables (with their sweeps), repository, node state, rate limiters and the write pipeline. */
export function createRegistryCore(config: Config, { clock, logger, metrics, bus, scheduler }: RegistryCoreDeps) {
  const r = config.registry;
  // per-instance debug lines are built only when they are written
  const debugLines = config.logLevel === 'debug' || config.logLevel === 'trace';
  const tables = {
    normal: new LeaseManager('instance', r.lease, clock, new SelfPreservation(r.selfPreservation, clock)),
    legacy: new LeaseManager('legacy-instance', r.legacyLease, clock, new SelfPreservation(r.legacySelfPreservation, clock)),
  };
  for (const [table, lease, sp] of [
    [tables.normal, r.lease, r.selfPreservation],
    [tables.legacy, r.legacyLease, r.legacySelfPreservation],
  ] as const) {
    table.onRemoval((_, reason) => metrics.leaseExpiries.inc({ table: table.name, reason }));
    logLeaseRemovals(table, logger, () => clock.now(), debugLines);
    scheduler.add({ name: `${table.name}.lease-sweep`, intervalMs: lease.sweepIntervalMs, run: () => table.sweepInSlices().then(() => undefined) });
    scheduler.add({ name: `${table.name}.self-preservation`, intervalMs: sp.checkIntervalMs, run: selfPreservationCheck(table, logger) });
  }
  const tombstones = new Tombstones(clock, config.replication.tombstoneTtlMs);
  const repository = new RegistryRepository(tables.normal, tables.legacy, bus, clock, new HybridClock(clock), tombstones);
  metrics.bind({
    leases: (t) => (t === 'instance' ? tables.normal.size : tables.legacy.size),
    instances: () => repository.instanceCount,
    services: () => repository.serviceCount,
    unsafe: (t) => !(t === 'instance' ? tables.normal : tables.legacy).safety.isSafe,
    renewalsInWindow: (t) => (t === 'instance' ? tables.normal : tables.legacy).safety.stats().countInWindow,
  });

  const state = new NodeState(
    {
      regionId: config.regionId,
      zoneId: config.zoneId,
      allowRegistryFromOtherZone: config.registry.allowFromOtherZone,
      allowDiscoveryFromOtherZone: config.discovery.allowFromOtherZone,
    },
    config.nodeUrl !== '' ? config.nodeUrl : 'http://127.0.0.1',
  );

  const rl = config.rateLimit;
  const limiters = {
    registry: new RateLimiter('artemis.service.registry', rl.registry, rl.windowMs, clock),
    replication: new RateLimiter('artemis.service.registry.replication', rl.replication, rl.windowMs, clock),
    cluster: new RateLimiter('artemis.service.cluster', rl.cluster, rl.windowMs, clock),
    status: new StatusLimiters(
      new RateLimiter('artemis.service.status', rl.status, rl.windowMs, clock),
      new RateLimiter('artemis.service.status.operator', rl.operator, rl.windowMs, clock),
    ),
    group: new RateLimiter('artemis.service.management.group', rl.group, rl.windowMs, clock),
  };
  const clientLimiter = new ClientRateLimiter(rl.perClient, rl.windowMs, clock);

  // The stall guard: a client write seen while it says so waited through a stall (its client has given up).
  const guard = new StallGuard(config.registry.resumeGuardMs);
  if (guard.guardMs > 0) scheduler.add({ name: 'registry.stall-guard', intervalMs: guard.intervalMs, run: () => guard.tick() });
  const resuming = () => guard.resuming();

  // Tallies bound once per (operation, result): no label hashing per instance. The last one is
  // kept at hand: a run of heartbeats counts the same (heartbeat, ok) tally each time.
  const operationCounters = new Map<string, Map<string, { inc(): void }>>();
  let lastOperation = '';
  let lastResult = '';
  let lastTally: { inc(): void } | undefined;
  const registry = new RegistryService({
    repository,
    node: state,
    limiter: limiters.registry,
    limits: config.limits,
    onUnexpected: (err, errorId) => logger.error({ ...errorFields(err), errorId }, 'unexpected registry error'),
    onInstanceResult: (operation, result) => {
      if (operation === lastOperation && result === lastResult && lastTally !== undefined) {
        lastTally.inc();
        return;
      }
      let byResult = operationCounters.get(operation);
      if (byResult === undefined) operationCounters.set(operation, (byResult = new Map<string, { inc(): void }>()));
      let child = byResult.get(result);
      if (child === undefined) byResult.set(result, (child = metrics.tally(metrics.registryOperations, { operation, result })));
      lastOperation = operation;
      lastResult = result;
      lastTally = child;
      child.inc();
    },
    replicationLimiter: limiters.replication,
    resuming,
    capacity: new RegistryCapacity(config.limits, repository, clock),
    onLimitRefused: (limit) => metrics.limitRefusals.inc({ limit }),
  });
  // a listener on every registry write: installed only when its debug lines are written
  if (debugLines) registry.onApplied(registrationLogger(logger));
  const operationLimiters = rateLimiters(limiters);
  summariseRejections([...operationLimiters, clientLimiter], logger, scheduler, config.log.summaryIntervalMs);
  // every rejection of a rate limiter is counted here, and only here
  for (const limiter of operationLimiters) limiter.onReject((identity) => metrics.rateLimited.inc({ limiter: limiter.id, identity }));
  // client addresses are no label: one series per limiter
  clientLimiter.onReject(() => metrics.rateLimited.inc({ limiter: clientLimiter.id, identity: 'client' }));
  return { tables, repository, state, limiters, clientLimiter, registry };
}
