import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../store-errors.js';
import type { RedisTarget } from './redis-url.js';

/** A connection to one server, a Sentinel-watched primary, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How a {@link RedisStore} connects. */
export interface RedisConnectionSettings {
  /** Time allowed for `init()` as a whole and for each later connection attempt. */
  connectTimeoutMs: number;
  /** A command without an answer after this long fails (the store then counts as unavailable). */
  commandTimeoutMs: number;
  /** Shown in `CLIENT LIST`. */
  connectionName: string;
}

/** Back off up to 2 s: quick to recover from a restart or a failover, gentle on a server that is down. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2_000);

/**
 * A connection that does no I/O until `connect()`. Commands are never queued while it is down:
 * they fail at once, so that a management write answers `service-unavailable` without waiting for
 * a reconnection. A command sent before a lost connection came back is failed rather than sent
 * again: a write batch must not be applied twice (its log rows and revision are not idempotent),
 * and the caller learns the outcome is unknown.
 */
export function createConnection(target: RedisTarget, settings: RedisConnectionSettings, extra: RedisOptions = {}): RedisClient {
  const common: RedisOptions = {
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: settings.connectionName.replace(/[^A-Za-z0-9:._-]/g, '_'),
    ...extra,
  };
  switch (target.mode) {
    case 'standalone':
      return new Redis(target.url, { ...common, lazyConnect: true, enableOfflineQueue: false, retryStrategy });
    case 'sentinel':
      return new Redis({
        ...common,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy,
        sentinels: target.sentinels,
        name: target.masterName,
        db: target.db,
        username: target.username,
        password: target.password,
        sentinelPassword: target.sentinelPassword,
        sentinelRetryStrategy: retryStrategy,
        // Subscribes to the sentinels' +switch-master, so a failover is followed at once.
        failoverDetector: true,
        ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      });
    case 'cluster': {
      const options: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: retryStrategy,
        redisOptions: { ...common, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
      };
      return new Cluster(target.nodes, options);
    }
  }
}

/**
 * Starts a connection again whenever it ends while `stopped()` is false. ioredis ends a client
 * for good, without calling its retry strategy, when a connection attempt is cut short: a
 * Sentinel client whose failover watch hears `+switch-master` while it is reconnecting to the
 * dead primary ends with "Connection is closed." and would stay down on a healthy new primary.
 */
export function reconnectAfterEnd(connection: RedisClient, stopped: () => boolean, delayMs = 500): void {
  connection.on('end', () => {
    if (stopped()) return;
    setTimeout(() => {
      if (!stopped() && connection.status === 'end') connection.connect().catch(() => undefined);
    }, delayMs).unref();
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
export async function quitQuietly(connection: RedisClient, ms: number): Promise<void> {
  try {
    if (connection.status === 'ready') await withTimeout(connection.quit(), ms, 'Redis QUIT');
  } catch {
    // The connection is dropped below whatever QUIT did.
  } finally {
    connection.disconnect();
  }
}
