/** What went wrong in a management store, for callers that branch on it. */
export type StoreErrorCode = 'store-unavailable' | 'store-closed' | 'store-not-initialized' | 'store-invalid-input' | 'store-schema' | 'store-unreplicated';

/** Base of every error a management store raises itself; the driver's error, if any, is the `cause`. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** The backing database cannot be reached or opened (connection refused, timeout, unreadable file). */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store-unavailable', message, options);
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends StoreError {
  constructor(kind: string) {
    super('store-closed', `The ${kind} management store is closed.`);
  }
}

/** The store was used before `init()` resolved. */
export class StoreNotInitializedError extends StoreError {
  constructor(kind: string) {
    super('store-not-initialized', `The ${kind} management store is not initialised; call init() first.`);
  }
}

/** A write batch or a log query that the store refuses as a whole (unknown log table, bad field value). */
export class StoreInputError extends StoreError {
  constructor(message: string) {
    super('store-invalid-input', message);
  }
}

/** The stored schema cannot be used by this build (written by a newer version, or damaged). */
export class StoreSchemaError extends StoreError {
  constructor(message: string) {
    super('store-schema', message);
  }
}

/**
 * A write was applied on the primary but not confirmed by as many replicas as required in time:
 * the caller must treat it as not acknowledged (it may be lost in a failover, or be there).
 */
export class StoreReplicationError extends StoreError {
  constructor(message: string) {
    super('store-unreplicated', message);
  }
}
