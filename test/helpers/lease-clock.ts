/**
 * Lease tables on fake time: a clock that reads the system time, which each test moves by hand
 * from T0 with fake timers, and the self-preservation settings the tables are checked under.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { LeaseManager, type LeaseTableName } from '../../src/lease/lease-manager.js';
import { SelfPreservation, type SelfPreservationSettings } from '../../src/lease/self-preservation.js';

export const T0 = 1_700_000_000_000;

/** Reads the system time: under fake timers it moves only as the test advances time. */
export const clock: Clock = { now: () => Date.now() };

export const SELF_PRESERVATION: SelfPreservationSettings = {
  enabled: true,
  windowMs: 10_000,
  percentageThreshold: 85,
  maxCountThreshold: 50,
  maxCountResetIntervalMs: 600_000,
};

/** Fake timers at T0 around each test of the enclosing suite. */
export function useFakeTimeFromT0(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

export function selfPreservation(overrides: Partial<SelfPreservationSettings> = {}): SelfPreservation {
  return new SelfPreservation({ ...SELF_PRESERVATION, ...overrides }, clock);
}

/** A lease table on the fake clock, with a self-preservation of its own unless one is given. */
export function leaseTable(name: LeaseTableName, ttlMs: number, safety: SelfPreservation = selfPreservation()): LeaseManager {
  return new LeaseManager(name, { ttlMs }, clock, safety);
}
