import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../core/error-codes.js';
import { StoreInputError, StoreReplicationError, StoreUnavailableError } from '../store/store-errors.js';
import { LOGS_UNAVAILABLE, STORE_UNAVAILABLE, STORE_UNREPLICATED } from './failures.js';
import { refuseDuringOutage, storeOutage } from './store-outage.js';

describe('storeOutage', () => {
  it('answers an unreachable store with the given text and an unconfirmed write with the replication text, each with its cause', () => {
    expect(storeOutage(new StoreUnavailableError('Redis GET failed: ECONNREFUSED'))).toMatchObject({
      errorCode: ErrorCodes.serviceUnavailable, message: `${STORE_UNAVAILABLE} Redis GET failed: ECONNREFUSED`,
    });
    expect(storeOutage(new StoreUnavailableError('gone'), LOGS_UNAVAILABLE)?.message).toBe(`${LOGS_UNAVAILABLE} gone`);
    expect(storeOutage(new StoreReplicationError('1 of 2 replicas'), LOGS_UNAVAILABLE)).toMatchObject({
      errorCode: ErrorCodes.serviceUnavailable, message: `${STORE_UNREPLICATED} 1 of 2 replicas`,
    });
  });

  it('leaves every other failure to the caller', () => {
    expect(storeOutage(new StoreInputError('bad'))).toBeUndefined();
    expect(storeOutage(new Error('boom'))).toBeUndefined();
  });
});

describe('refuseDuringOutage', () => {
  it('refuses while the store is known to be unavailable, with its reason, and passes while it answers', () => {
    const down = { availability: () => ({ available: false, since: 1, reason: 'connection lost' }) };
    expect(() => refuseDuringOutage(down, LOGS_UNAVAILABLE)).toThrow(`${LOGS_UNAVAILABLE} connection lost`);
    expect(() => refuseDuringOutage({ availability: () => ({ available: false, since: 1, reason: '' }) })).toThrow(new RegExp(`^${STORE_UNAVAILABLE.replace(/[.;]/g, '\\$&')}$`));
    expect(() => refuseDuringOutage({ availability: () => ({ available: true, since: 0, reason: '' }) })).not.toThrow();
  });
});
