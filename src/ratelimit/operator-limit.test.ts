import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../core/clock.js';
import { CALLER_HEADER, OPERATOR_CALLER, StatusLimiters, isOperatorCall } from './operator-limit.js';
import { RateLimiter } from './rate-limiter.js';

const clock: Clock = { now: () => Date.now() };

function limiters(machineLimit: number, operatorLimit: number): StatusLimiters {
  return new StatusLimiters(
    new RateLimiter('artemis.service.status', { enabled: true, defaultLimit: machineLimit, limits: {} }, 10_000, clock),
    new RateLimiter('artemis.service.status.operator', { enabled: true, defaultLimit: operatorLimit, limits: {} }, 10_000, clock),
  );
}

const burst = (n: number, fn: () => boolean) => Array.from({ length: n }, fn).filter(Boolean).length;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_700_000_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('operator status limit', () => {
  it('recognises the operator header value, in any case and among repeated values', () => {
    expect(CALLER_HEADER).toBe('x-artemis-caller');
    expect([OPERATOR_CALLER, 'Operator', 'machine, operator'].map(isOperatorCall)).toEqual([true, true, true]);
    expect([undefined, null, '', 'operators', 'machine'].map(isOperatorCall)).toEqual([false, false, false, false, false]);
  });

  it('counts operator and machine calls apart: a dozen operator reads pass while machines are limited', () => {
    const l = limiters(10, 300);
    expect(burst(12, () => l.tryAcquire('get-leases', OPERATOR_CALLER))).toBe(12);
    expect(burst(12, () => l.tryAcquire('get-leases', undefined))).toBe(10);
    expect(l.tryAcquire('get-leases', 'operator')).toBe(true);
    expect(l.select('operator')).toBe(l.operator);
    expect(l.select(undefined)).toBe(l.machine);
  });

  it('bounds operator traffic too, and frees it when the window passes', () => {
    const l = limiters(10, 5);
    expect(burst(8, () => l.tryAcquire('get-config', 'operator'))).toBe(5);
    vi.setSystemTime(Date.now() + 10_000);
    expect(burst(8, () => l.tryAcquire('get-config', 'operator'))).toBe(5);
  });
});
