import { ServiceUnavailableError } from '../core/errors.js';
import type { ManagementStore } from '../store/management-store.js';
import { StoreReplicationError, StoreUnavailableError } from '../store/store-errors.js';
import { STORE_UNAVAILABLE, STORE_UNREPLICATED } from './failures.js';

/**
 * The `service-unavailable` answer to a store failure that no retry of the same call could
 * mend now: an unreachable store (`text`, by default {@link STORE_UNAVAILABLE}, then the cause)
 * or a write its replicas did not confirm ({@link STORE_UNREPLICATED}, then the cause).
 * Undefined for any other failure, which each endpoint answers in its own way.
 */
export function storeOutage(err: unknown, text: string = STORE_UNAVAILABLE): ServiceUnavailableError | undefined {
  if (err instanceof StoreReplicationError) return new ServiceUnavailableError(`${STORE_UNREPLICATED} ${err.message}`);
  if (err instanceof StoreUnavailableError) return new ServiceUnavailableError(`${text} ${err.message}`);
  return undefined;
}

/** Refuses at once while the store is known to be unavailable: `service-unavailable` with `text` and the store's reason. */
export function refuseDuringOutage(store: Pick<ManagementStore, 'availability'>, text: string = STORE_UNAVAILABLE): void {
  const availability = store.availability();
  if (!availability.available) throw new ServiceUnavailableError(`${text} ${availability.reason}`.trim());
}
