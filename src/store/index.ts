import { join } from 'node:path';
import type { TaskScheduler } from '../core/scheduler.js';
import type { ManagementStore } from './management-store.js';
import { MysqlStore } from './mysql/mysql-store.js';
import { RedisStore } from './redis/redis-store.js';
import { REDIS_SCHEMES } from './redis/redis-url.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { StoreInputError } from './store-errors.js';

export * from './management-store.js';
export * from './store-errors.js';
export { MysqlStore, type MysqlStoreOptions } from './mysql/mysql-store.js';
export { RedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

/** The file name of the SQLite store inside the data directory. */
export const SQLITE_FILE_NAME = 'artemis.db';

/** Which store to open (the `store.*` config keys plus the node's data directory). */
export interface StoreSpec {
  /**
   * Empty for SQLite at `<dataDir>/artemis.db`; `sqlite:<path>` (or `sqlite:///abs/path`) for another
   * SQLite file, `sqlite::memory:` for a private in-memory one; `redis://…` or `rediss://…` for Redis,
   * `redis+sentinel://h:p,h:p/<master>[/db]` for a Sentinel-watched primary, `redis+cluster://h:p,h:p` for a Redis Cluster;
   * `mysql://user:pass@host:port/db` for the Java registry's MySQL schema (tuning in query parameters).
   * @defaultValue ''
   */
  url?: string;
  /** Folder of the node's files. */
  dataDir: string;
  /**
   * Prefix of the Redis keys (ignored by SQLite).
   * @defaultValue 'artemis:'
   */
  keyPrefix?: string;
  /**
   * Redis: time allowed for one command and for connecting; a store that does not answer within it counts as unavailable.
   * @defaultValue 5000
   */
  timeoutMs?: number;
  /**
   * Redis: replicas that must have a write before it is acknowledged (`WAIT`).
   * @defaultValue 0
   */
  minReplicas?: number;
  /**
   * Redis: how long a write waits for `minReplicas` replicas.
   * @defaultValue 1000
   */
  replicaTimeoutMs?: number;
  /** Receives lost connections, failed change polls and what watch listeners throw. */
  onError?: (err: unknown) => void;
  /** Runs the SQLite revision poll and the MySQL change poll (the node's scheduler); by default the store runs its own. */
  scheduler?: TaskScheduler;
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw new StoreInputError('store.url "sqlite:" needs a file path, as in sqlite:./data/artemis.db');
  return path;
}

/**
 * Creates the management store a URL names. Does no I/O: call `init()` on the result.
 * @throws StoreInputError for a URL of any other scheme.
 * @example
 * const store = createStore({ url: config.store.url, dataDir: config.dataDir, keyPrefix: config.store.keyPrefix });
 * await store.init();
 */
export function createStore(spec: StoreSpec): ManagementStore {
  const url = (spec.url ?? '').trim();
  const { onError, scheduler } = spec;
  if (url === '') return new SqliteStore(join(spec.dataDir, SQLITE_FILE_NAME), { onError, scheduler });
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') return new SqliteStore(sqlitePath(url), { onError, scheduler });
  if (scheme !== undefined && (REDIS_SCHEMES as readonly string[]).includes(scheme)) {
    const { keyPrefix, timeoutMs, minReplicas, replicaTimeoutMs } = spec;
    return new RedisStore(url, { keyPrefix, onError, connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs, minReplicas, replicaTimeoutMs });
  }
  if (scheme === 'mysql') return new MysqlStore(url, { onError, scheduler });
  throw new StoreInputError(`store.url must be empty, sqlite:<path>, redis://…, rediss://…, redis+sentinel://…, redis+cluster://… or mysql://…; got a "${scheme ?? url}" URL.`);
}
