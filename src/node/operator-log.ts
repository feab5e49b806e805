import type { TaskScheduler } from '../core/scheduler.js';
import { instanceKey, type Instance } from '../core/wire/instance.js';
import type { LeaseManager, LeaseRemovalReason } from '../lease/lease-manager.js';
import type { RegistryOperation } from '../registry/registry-service.js';
import type { WriteBatch } from '../store/management-store.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The operator's view of a node in its log: what changed in the registry and why, at info
 * (expiries and unregistrations one line per batch, management writes with their operator, self-preservation
 * changes, a summary of rate-limit rejections per interval), registrations at debug. Every line
 * has an `event` field to filter on. Store outages are logged by StoreHealth.
 */

/** The identifying fields of an instance in a log line. */
function who(i: Instance): Record<string, unknown> {
  return { regionId: i.regionId, zoneId: i.zoneId, serviceId: i.serviceId, instanceId: i.instanceId, url: i.url };
}

/** Most service ids and instance ids a batch line (expiries, unregistrations) lists (the first ones seen). */
const BATCH_SERVICES = 10;
const BATCH_INSTANCES = 5;

/** The removals of one batch, gathered for its line. */
interface Batch {
  count: number;
  serviceIds: Set<string | null>;
  instanceIds: Array<string | null>;
}

function newBatch(): Batch {
  return { count: 0, serviceIds: new Set(), instanceIds: [] };
}

function addToBatch(b: Batch, i: Instance): void {
  b.count++;
  b.serviceIds.add(i.serviceId);
  if (b.instanceIds.length < BATCH_INSTANCES) b.instanceIds.push(i.instanceId);
}

function batchFields(event: string, table: LeaseManager, b: Batch): Record<string, unknown> {
  const serviceIds = [...b.serviceIds];
  return { event, table: table.name, count: b.count, services: serviceIds.length, serviceIds: serviceIds.slice(0, BATCH_SERVICES), instanceIds: b.instanceIds };
}

/**
 * Lease removals, one info line per batch with its count, the first service ids and the first
 * instance ids: `instances expired` once per sweep that expired any lease (after it has looked
 * at the whole table), `instances unregistered` per batch of unregistrations (the removals made
 * in one go, one request or one slice of a sweep, gathered until that code returns). With `debug`
 * each instance also gets its own line at debug: `instance expired` (with the time since its
 * last renewal) or `instance unregistered`.
 */
export function logLeaseRemovals(table: LeaseManager, logger: Logger, now: () => number, debug: boolean): void {
  let unregistered: Batch | undefined;
  let expired: Batch | undefined;
  const flushUnregistered = (): void => {
    const b = unregistered!;
    unregistered = undefined;
    logger.info(batchFields('instances-unregistered', table, b), 'instances unregistered');
  };
  table.onSweepEnd(() => {
    if (expired === undefined) return;
    const b = expired;
    expired = undefined;
    logger.info(batchFields('instances-expired', table, b), 'instances expired');
  });
  table.onRemoval((lease, reason: LeaseRemovalReason) => {
    const i = lease.instance;
    if (reason === 'expired') {
      if (debug) logger.debug({ event: 'instance-expired', table: table.name, ...who(i), sinceRenewalMs: now() - lease.renewalTime }, 'instance expired');
      addToBatch((expired ??= newBatch()), i);
      return;
    }
    if (debug) logger.debug({ event: 'instance-unregistered', table: table.name, ...who(i) }, 'instance unregistered');
    if (unregistered === undefined) {
      unregistered = newBatch();
      queueMicrotask(flushUnregistered);
    }
    addToBatch(unregistered, i);
  });
}

/** Registrations by clients, at debug; install it only when debug lines are written (it runs for every registry write). */
export function registrationLogger(logger: Logger): (operation: RegistryOperation, instance: Instance) => void {
  return (operation, instance) => {
    if (operation === 'register') logger.debug({ event: 'instance-registered', key: instanceKey(instance), ...who(instance), status: instance.status }, 'instance registered');
  };
}

/** Runs `check` and logs when the table's self-preservation turns unsafe (expiries held) or safe again. */
export function selfPreservationCheck(table: LeaseManager, logger: Logger): () => void {
  let safe = table.safety.isSafe;
  return () => {
    table.safety.check();
    const now = table.safety.isSafe;
    if (now === safe) return;
    safe = now;
    const stats = table.safety.stats();
    const fields = { event: 'self-preservation', table: table.name, safe: now, renewalsInWindow: stats.countInWindow, maxCount: stats.maxCount };
    if (now) logger.info(fields, 'self-preservation ended: expired leases are removed again');
    else logger.warn(fields, 'self-preservation started: renewals dropped, expired leases are kept');
  };
}

/** One line per management log row of a committed write: operator, operation, reason and the target, never the token. */
export function logManagementWrite(logger: Logger, batch: WriteBatch): void {
  for (const { table, fields } of batch.logs ?? []) {
    const { token: _token, ...rest } = fields;
    logger.info({ event: 'management-write', table, ...rest }, 'management write');
  }
}

/** Something that refuses requests and says so: the rate limiters. */
export interface Rejecting {
  readonly id: string;
  onReject(listener: (identity: string) => void): void;
}

/** Most client addresses a summary line lists (the busiest); the rest are counted together. */
const TOP_CLIENTS = 10;

/**
 * Rate-limit rejections, counted per limiter and identity (operation, or client address for the
 * per-client limiter) and logged as one info line per interval that had any: one line however
 * many requests were refused.
 */
export function summariseRejections(limiters: readonly Rejecting[], logger: Logger, scheduler: TaskScheduler, intervalMs: number): void {
  let counts = new Map<string, Map<string, number>>();
  for (const limiter of limiters) {
    limiter.onReject((identity) => {
      let m = counts.get(limiter.id);
      if (m === undefined) counts.set(limiter.id, (m = new Map<string, number>()));
      m.set(identity, (m.get(identity) ?? 0) + 1);
    });
  }
  scheduler.add({
    name: 'log.rate-limit-summary',
    intervalMs,
    run: () => {
      if (counts.size === 0) return;
      const seen = counts;
      counts = new Map();
      const rejected: Record<string, Record<string, number>> = {};
      let total = 0;
      for (const [id, m] of seen) {
        const top = [...m].sort((a, b) => b[1] - a[1]);
        const entry: Record<string, number> = Object.fromEntries(top.slice(0, TOP_CLIENTS));
        const rest = top.slice(TOP_CLIENTS).reduce((sum, [, n]) => sum + n, 0);
        if (rest > 0) entry['(others)'] = rest;
        rejected[id] = entry;
        for (const [, n] of m) total += n;
      }
      logger.info({ event: 'rate-limited', intervalMs, total, rejected }, 'requests refused by rate limits');
    },
  });
}
