import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../store-errors.js';

/** How a {@link RedisStore} connects. */
export interface RedisConnectionSettings {
  /** Time allowed for `init()` as a whole and for each later connection attempt. */
  connectTimeoutMs: number;
  /** Reconnection attempts a command waits through before it fails. */
  maxRetriesPerRequest: number;
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
}


/**
 * A connection that does no I/O until `connect()`. A command sent before a lost connection came
 * back is failed rather than sent again: a write batch must not be applied twice (its log rows
 * and revision are not idempotent), and the caller learns the outcome is unknown.
 */
export function createConnection(url: string, settings: RedisConnectionSettings, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    maxRetriesPerRequest: settings.maxRetriesPerRequest,
    autoResendUnfulfilledCommands: false,
    // Back off up to 2 s: quick to recover from a restart, gentle on a server that is down.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    connectionName: settings.connectionName.replace(/[^A-Za-z0-9:._-]/g, '_'),
    ...extra,
  });
}

/** Resolves as `promise` does, or rejects with {@link StoreUnavailableError} after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} did not finish within ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a connection: a polite QUIT when it is up (bounded), then a hard disconnect in any case. */
export async function quitQuietly(connection: Redis, ms: number): Promise<void> {
  try {
    if (connection.status === 'ready') await withTimeout(connection.quit(), ms, 'Redis QUIT');
  } catch {
    // The connection is dropped below whatever QUIT did.
  } finally {
    connection.disconnect();
  }
}
