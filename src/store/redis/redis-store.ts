import type { Redis } from 'ioredis';
import { ChangeNotifier } from '../change-notifier.js';
import {
  LOG_TABLES,
  type CanaryRow,
  type EntityKind,
  type EntityRecord,
  type LogFilter,
  type LogRecord,
  type LogTable,
  type ManagementStore,
  type OperationRow,
  type StoreChange,
  type WriteBatch,
} from '../management-store.js';
import { StoreClosedError, StoreError, StoreInputError, StoreNotInitializedError, StoreSchemaError, StoreUnavailableError } from '../store-errors.js';
import { checkBatch, checkEntityKind, checkLimit, checkLogTable, checkTime, filterEntries, logMatches, storedLogFields } from '../store-input.js';
import { createConnection, quitQuietly, withTimeout, type RedisConnectionSettings } from './redis-connection.js';
import { redactStoreUrl } from '../store-url.js';
import { REDIS_SCHEMA_VERSION, WRITE_SCRIPT, decodeCanary, decodeEntities, decodeLogEntry, decodeOperation, encodeBatch, redisKeys, type RedisKeys } from './redis-layout.js';

/**
 * Appends imported log rows: KEYS 1 stream, 2 log-seq; ARGV 1 table, 2 rows JSON. Refuses (and
 * writes nothing) when an id is not above the table's sequence or a time is below the stream's last entry.
 */
const IMPORT_LOGS_SCRIPT = `
local rows = cjson.decode(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local lastTime = -1
if #top > 0 then lastTime = tonumber(string.match(top[1][1], '^(%d+)-')) end
for _, r in ipairs(rows) do
  if r.id <= last then return 'log id ' .. r.id .. ' is not above the last id ' .. last end
  if r.t < lastTime then return 'log id ' .. r.id .. ' is older than the newest entry' end
  last = r.id
  lastTime = r.t
end
for _, r in ipairs(rows) do
  redis.call('XADD', KEYS[1], r.t .. '-*', 'id', r.id, 'f', r.f)
end
if #rows > 0 then redis.call('HSET', KEYS[2], ARGV[1], last) end
return 'OK'
`;

/** Tuning of a {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Prefix of every key and of the change channel; nodes of one cluster share it.
   * @defaultValue 'artemis:'
   */
  keyPrefix?: string;
  /**
   * Time allowed for `init()` (connect, subscribe, schema check) and for each reconnection attempt.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * Reconnection attempts a command waits through while Redis is down before it fails.
   * @defaultValue 2
   */
  maxRetriesPerRequest?: number;
  /**
   * Receives lost connections and what a watch listener throws.
   * @defaultValue errors are dropped
   */
  onError?: (err: unknown) => void;
}

/** Stream entries read per round trip while scanning a log table. */
const LOG_PAGE = 500;

/**
 * Management state in Redis, shared by every node that uses the same URL and key prefix. Each write
 * batch is one Lua script (atomic), which ends by publishing the new revision on `<prefix>changes`;
 * a second connection subscribes to it for `watch()`. Durability is Redis's: run it with
 * `appendonly yes` and `appendfsync always` for a write to survive a Redis crash once acknowledged.
 */
export class RedisStore implements ManagementStore {
  readonly kind = 'redis';
  readonly keyPrefix: string;
  private readonly keys: RedisKeys;
  private readonly settings: RedisConnectionSettings;
  private readonly onError: (err: unknown) => void;
  private readonly notifier: ChangeNotifier;
  private client: Redis | undefined;
  private subscriber: Redis | undefined;
  private initializing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** @param url - `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  constructor(
    private readonly url: string,
    options: RedisStoreOptions = {},
  ) {
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new StoreInputError(`Not a Redis URL: ${redactStoreUrl(url)}`);
    this.keyPrefix = options.keyPrefix ?? 'artemis:';
    if (this.keyPrefix === '') throw new StoreInputError('The Redis key prefix must not be empty.');
    this.keys = redisKeys(this.keyPrefix);
    this.settings = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
      connectionName: `${this.keyPrefix}store`,
    };
    this.onError = options.onError ?? (() => undefined);
    this.notifier = new ChangeNotifier(this.onError);
  }

  init(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError(this.kind));
    this.initializing ??= this.connect().catch((err: unknown) => {
      this.initializing = undefined;
      throw err;
    });
    return this.initializing;
  }

  async write(batch: WriteBatch): Promise<number> {
    this.ready();
    checkBatch(batch);
    const { keys, args } = encodeBatch(this.keys, batch);
    const revision = Number(await this.call('write', (c) => c.eval(WRITE_SCRIPT, keys.length, ...keys, ...args)));
    this.notifier.changed(revision);
    return revision;
  }

  async operations(): Promise<OperationRow[]> {
    const rows = await this.call('read', (c) => c.hvals(this.keys.operations));
    return rows.map(decodeOperation);
  }

  async canaries(): Promise<CanaryRow[]> {
    const rows = await this.call('read', (c) => c.hvals(this.keys.canaries));
    return rows.map(decodeCanary);
  }

  async entities(kind: EntityKind): Promise<EntityRecord[]> {
    this.ready();
    const key = this.keys.entities(checkEntityKind(kind));
    return decodeEntities(await this.call('read', (c) => c.hgetall(key)));
  }

  /** Scans the table's stream from the oldest entry, filtering here, until `limit` rows match. */
  async queryLogs(table: LogTable, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    this.ready();
    const key = this.keys.log(checkLogTable(table));
    const entries = filterEntries(filter);
    const max = checkLimit(limit);
    const found: LogRecord[] = [];
    let start = '-';
    while (found.length < max) {
      const page = await this.call('log query', (c) => c.xrange(key, start, '+', 'COUNT', LOG_PAGE));
      for (const [entryId, pairs] of page) {
        const record = decodeLogEntry(entryId, pairs);
        if (logMatches(record, entries)) found.push(record);
        if (found.length >= max) break;
      }
      const last = page[page.length - 1];
      if (page.length < LOG_PAGE || last === undefined) break;
      start = `(${last[0]}`;
    }
    return found;
  }

  /** Trims every log stream to the entries created at or after `before` (entry ids are times). */
  async pruneLogs(before: number): Promise<number> {
    const minId = String(Math.max(0, Math.ceil(checkTime(before))));
    const results = await this.call('log prune', (c) => {
      const multi = c.multi();
      for (const table of LOG_TABLES) multi.xtrim(this.keys.log(table), 'MINID', minId);
      return multi.exec();
    });
    let removed = 0;
    for (const [err, count] of results ?? []) {
      if (err !== null) throw new StoreUnavailableError(`Redis log prune failed: ${err.message}`, { cause: err });
      removed += Number(count);
    }
    return removed;
  }

  /** Appends log rows with their own ids and times (entry ids `<createTime>-<n>`); see ManagementStore.importLogs. */
  async importLogs(table: LogTable, rows: LogRecord[]): Promise<void> {
    this.ready();
    const checked = rows.map((r) => {
      if (!Number.isSafeInteger(r.id) || r.id < 1) throw new StoreInputError(`Invalid log id: ${String(r.id)}`);
      return { id: r.id, t: Math.max(0, Math.floor(checkTime(r.createTime))), f: JSON.stringify(storedLogFields(r)) };
    });
    const keys = [this.keys.log(checkLogTable(table)), this.keys.logSeq];
    const result = await this.call('log import', (c) => c.eval(IMPORT_LOGS_SCRIPT, keys.length, ...keys, table, JSON.stringify(checked)));
    if (result !== 'OK') throw new StoreInputError(`Cannot import the logs of ${table}: ${String(result)}`);
  }

  watch(listener: (change: StoreChange) => void): () => void {
    return this.notifier.add(listener);
  }

  async revision(): Promise<number> {
    return Number((await this.call('read', (c) => c.get(this.keys.revision))) ?? 0);
  }

  async entityRevision(): Promise<number> {
    return Number((await this.call('read', (c) => c.get(this.keys.entityRevision))) ?? 0);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async connect(): Promise<void> {
    const client = createConnection(this.url, this.settings);
    const subscriber = createConnection(this.url, { ...this.settings, connectionName: `${this.keyPrefix}subscriber` }, { autoResubscribe: false });
    this.reportLoss(client);
    this.reportLoss(subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.channel) this.notifier.changed(Number(message));
    });
    try {
      await withTimeout(this.handshake(client, subscriber), this.settings.connectTimeoutMs, `Connecting to Redis at ${redactStoreUrl(this.url)}`);
      if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    } catch (err) {
      client.disconnect();
      subscriber.disconnect();
      if (err instanceof StoreError) throw err;
      throw new StoreUnavailableError(`Redis at ${redactStoreUrl(this.url)} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    this.client = client;
    this.subscriber = subscriber;
    subscriber.on('ready', () => void this.resubscribe(subscriber));
  }

  private async handshake(client: Redis, subscriber: Redis): Promise<void> {
    await Promise.all([client.connect(), subscriber.connect()]);
    await subscriber.subscribe(this.keys.channel);
    await client.set(this.keys.schema, String(REDIS_SCHEMA_VERSION), 'NX');
    const version = Number(await client.get(this.keys.schema));
    if (version !== REDIS_SCHEMA_VERSION) {
      throw new StoreSchemaError(`Keys under ${this.keyPrefix} have layout version ${version}; this build uses ${REDIS_SCHEMA_VERSION}.`);
    }
    this.notifier.seen(Number((await client.get(this.keys.revision)) ?? 0));
  }

  /** After a reconnection: subscribe again, then tell listeners that they may have missed changes. */
  private async resubscribe(subscriber: Redis): Promise<void> {
    if (this.subscriber !== subscriber || this.closing !== undefined) return;
    try {
      await subscriber.subscribe(this.keys.channel);
      const revision = await this.client?.get(this.keys.revision);
      this.notifier.resync(Number(revision ?? 0));
    } catch (err) {
      this.onError(new StoreUnavailableError('Redis resubscription failed; will retry on the next reconnection.', { cause: err }));
      this.notifier.resync(this.notifier.revision);
    }
  }

  /** Reports the first error after each successful connection, not every failed reconnection attempt. */
  private reportLoss(connection: Redis): void {
    let healthy = false;
    connection.on('ready', () => {
      healthy = true;
    });
    connection.on('error', (err: Error) => {
      if (!healthy || this.closing !== undefined) return;
      healthy = false;
      this.onError(new StoreUnavailableError(`Lost the connection to Redis at ${redactStoreUrl(this.url)}.`, { cause: err }));
    });
  }

  private async shutdown(): Promise<void> {
    this.notifier.clear();
    await this.initializing?.catch(() => undefined);
    const connections = [this.client, this.subscriber].filter((c): c is Redis => c !== undefined);
    this.client = undefined;
    this.subscriber = undefined;
    await Promise.all(connections.map((c) => quitQuietly(c, 1_000)));
  }

  private ready(): Redis {
    if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    if (this.client === undefined) throw new StoreNotInitializedError(this.kind);
    return this.client;
  }

  /** Runs one command; a driver failure becomes {@link StoreUnavailableError}. */
  private async call<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.ready();
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreUnavailableError(`Redis ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
