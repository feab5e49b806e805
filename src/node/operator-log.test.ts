import { describe, expect, it } from 'vitest';
import type { ScheduledTask } from '../core/scheduler.js';
import { LeaseManager } from '../lease/lease-manager.js';
import { SelfPreservation } from '../lease/self-preservation.js';
import { ClientRateLimiter, RateLimiter } from '../ratelimit/rate-limiter.js';
import type { Logger } from '../telemetry/logger.js';
import { makeInstance } from '../core/wire/instance.js';
import { logLeaseRemovals, selfPreservationCheck, summariseRejections } from './operator-log.js';

function recorder() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => logger, flush: () => undefined };
  return { lines, logger };
}

describe('self-preservation log lines', () => {
  it('logs the change to unsafe and back to safe once each, not every check', () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const settings = { enabled: true, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 5, maxCountResetIntervalMs: 600_000, checkIntervalMs: 1_000 };
    const table = new LeaseManager('instance', { ttlMs: 20_000 }, clock, new SelfPreservation(settings, clock));
    const { lines, logger } = recorder();
    const check = selfPreservationCheck(table, logger);
    const renew = (n: number) => {
      for (let i = 0; i < n; i++) table.safety.recordRenewal();
    };
    renew(20);
    check(); // baseline 20
    for (let i = 0; i < 12; i++) {
      now += 1_000;
      check(); // renewals age out of the window: below 85 % of the baseline
    }
    expect(lines).toEqual([{ level: 'warn', msg: 'self-preservation started: renewals dropped, expired leases are kept', obj: expect.objectContaining({ event: 'self-preservation', table: 'instance', safe: false }) }]);
    renew(20);
    check();
    check();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'self-preservation ended: expired leases are removed again', obj: { event: 'self-preservation', safe: true, renewalsInWindow: 20 } });
  });
});

describe('rate-limit summary', () => {
  it('writes one line per interval with counts per limiter and identity, and nothing for a quiet interval', async () => {
    const now = 0;
    const clock = { now: () => now };
    const registry = new RateLimiter('artemis.service.registry', { enabled: true, defaultLimit: 1, limits: {} }, 10_000, clock);
    const clients = new ClientRateLimiter({ enabled: true, limit: 1, maxTrackedClients: 100 }, 10_000, clock);
    const tasks: ScheduledTask[] = [];
    const { lines, logger } = recorder();
    summariseRejections([registry, clients], logger, { add: (t) => void tasks.push(t) }, 5_000);
    for (let i = 0; i < 4; i++) registry.tryAcquire('heartbeat');
    registry.tryAcquire('register');
    registry.tryAcquire('register');
    for (const a of ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2']) clients.tryAcquire(a);
    expect(tasks.map((t) => [t.name, t.intervalMs])).toEqual([['log.rate-limit-summary', 5_000]]);
    await tasks[0]!.run();
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'requests refused by rate limits',
        obj: { event: 'rate-limited', intervalMs: 5_000, total: 7, rejected: { 'artemis.service.registry': { heartbeat: 3, register: 1 }, 'artemis.service.client': { '10.0.0.1': 2, '10.0.0.2': 1 } } },
      },
    ]);
    await tasks[0]!.run();
    expect(lines).toHaveLength(1);
  });
});

describe('unregistration log lines', () => {
  const clock = { now: () => 1_000_000 };
  const settings = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 5, maxCountResetIntervalMs: 600_000, checkIntervalMs: 1_000 };
  function table(n: number, services: number) {
    const t = new LeaseManager('instance', { ttlMs: 20_000 }, clock, new SelfPreservation(settings, clock));
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      keys.push(`k-${i}`);
      t.put(`k-${i}`, makeInstance({ regionId: 'SHA', serviceId: `svc-${i % services}`, instanceId: `i-${i}`, url: `http://i-${i}` }));
    }
    return { t, keys };
  }

  it('writes one info line per batch with the count, the first service ids and instance ids, and no per-instance line below debug', async () => {
    const { t, keys } = table(30, 12);
    const { lines, logger } = recorder();
    logLeaseRemovals(t, logger, clock.now, false);
    for (const k of keys) t.unregister(k);
    expect(lines).toEqual([]); // gathered until the batch's code returns
    await Promise.resolve();
    expect(lines).toEqual([{
      level: 'info',
      msg: 'instances unregistered',
      obj: { event: 'instances-unregistered', table: 'instance', count: 30, services: 12, serviceIds: ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6', 'svc-7', 'svc-8', 'svc-9'], instanceIds: ['i-0', 'i-1', 'i-2', 'i-3', 'i-4'] },
    }]);
    t.unregister('missing');
    await Promise.resolve();
    expect(lines).toHaveLength(1);
  });

  it('logs each instance at debug as well when debug lines are on, and a later batch gets its own line', async () => {
    const { t, keys } = table(3, 1);
    const { lines, logger } = recorder();
    logLeaseRemovals(t, logger, clock.now, true);
    t.unregister(keys[0]!);
    t.unregister(keys[1]!);
    await Promise.resolve();
    t.unregister(keys[2]!);
    await Promise.resolve();
    expect(lines.map((l) => [l.level, l.obj.event, l.obj.instanceId ?? l.obj.count])).toEqual([
      ['debug', 'instance-unregistered', 'i-0'],
      ['debug', 'instance-unregistered', 'i-1'],
      ['info', 'instances-unregistered', 2],
      ['debug', 'instance-unregistered', 'i-2'],
      ['info', 'instances-unregistered', 1],
    ]);
  });
});

describe('expiry log lines', () => {
  const settings = { enabled: false, windowMs: 10_000, percentageThreshold: 85, maxCountThreshold: 5, maxCountResetIntervalMs: 600_000, checkIntervalMs: 1_000 };
  function table(n: number, services: number) {
    const clock = { t: 1_000_000, now: () => clock.t };
    const t = new LeaseManager('instance', { ttlMs: 20_000 }, clock, new SelfPreservation(settings, clock));
    for (let i = 0; i < n; i++) t.put(`k-${i}`, makeInstance({ regionId: 'SHA', serviceId: `svc-${i % services}`, instanceId: `i-${i}`, url: `http://i-${i}` }));
    return { t, clock };
  }

  it('writes one info line per sweep with the count, the first service ids and instance ids, and no per-instance line below debug', async () => {
    const { t, clock } = table(30, 12);
    const { lines, logger } = recorder();
    logLeaseRemovals(t, logger, clock.now, false);
    expect(t.sweep()).toBe(0);
    expect(lines).toEqual([]); // a sweep that expires nothing says nothing
    clock.t += 20_001;
    expect(t.sweep()).toBe(30);
    await Promise.resolve();
    expect(lines).toEqual([{
      level: 'info',
      msg: 'instances expired',
      obj: { event: 'instances-expired', table: 'instance', count: 30, services: 12, serviceIds: ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5', 'svc-6', 'svc-7', 'svc-8', 'svc-9'], instanceIds: ['i-0', 'i-1', 'i-2', 'i-3', 'i-4'] },
    }]);
    expect(t.sweep()).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('a sweep in many slices is still one line; with debug each instance has its own line with the time since its renewal', async () => {
    const { t, clock } = table(3, 1);
    t.put('gone', makeInstance({ regionId: 'SHA', serviceId: 'svc-0', instanceId: 'gone', url: 'http://gone' }));
    t.evict('gone');
    const { lines, logger } = recorder();
    logLeaseRemovals(t, logger, clock.now, true);
    clock.t += 25_000;
    // a deadline already past: every slice removes one lease, then yields
    expect(await t.sweepInSlices(-1)).toBe(4);
    expect(lines.map((l) => [l.level, l.obj.event, l.obj.instanceId ?? l.obj.count, l.obj.sinceRenewalMs])).toEqual([
      ['debug', 'instance-expired', 'i-0', 25_000],
      ['debug', 'instance-expired', 'i-1', 25_000],
      ['debug', 'instance-expired', 'i-2', 25_000],
      ['debug', 'instance-unregistered', 'gone', undefined],
      ['info', 'instances-unregistered', 1, undefined],
      ['info', 'instances-expired', 3, undefined],
    ]);
  });
});
