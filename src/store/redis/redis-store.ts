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
  type WriteBatch,
} from '../management-store.js';
import { StoreAdapter, type TokenRows } from '../store-adapter.js';
import { newStoreIdentity } from '../store-availability.js';
import { StoreClosedError, StoreError, StoreInputError, StoreReplicationError, StoreSchemaError, StoreUnavailableError } from '../store-errors.js';
import { checkBatch, checkEntityKind, checkLimit, checkLogTable, checkTime, filterEntries, logMatches, storedLogFields } from '../store-input.js';
import { createConnection, quitQuietly, reconnectAfterEnd, withTimeout, type RedisClient, type RedisConnectionSettings } from './redis-connection.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';
import { redactStoreUrl } from '../store-url.js';
import { addedRevision, addTokenCall, listTokens, redisTokenKeys, removeTokenCall, type RedisTokenKeys, type ScriptCall } from './redis-tokens.js';
import { IMPORT_LOGS_SCRIPT, REDIS_SCHEMA_VERSION, WRITE_SCRIPT, decodeCanary, decodeEntities, decodeLogEntry, decodeOperation, encodeBatch, redisKeys, type RedisKeys } from './redis-layout.js';

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
   * A command without an answer after this long fails, and the store counts as unavailable until
   * one succeeds again. Commands are never queued while the connection is down: they fail at once.
   * @defaultValue 5000
   */
  commandTimeoutMs?: number;
  /**
   * A write is acknowledged only once this many replicas have it (`WAIT`); 0 acknowledges it as soon
   * as the primary applied it.
   * @defaultValue 0
   */
  minReplicas?: number;
  /**
   * How long a write waits for `minReplicas` replicas before it fails with StoreReplicationError.
   * @defaultValue 1000
   */
  replicaTimeoutMs?: number;
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
 * a second connection subscribes to it for `watch()`, and after every reconnection (a failover
 * included) subscribes again and tells listeners to reload. Durability is Redis's: run it with
 * `appendonly yes` and `appendfsync always` for a write to survive a Redis crash once acknowledged,
 * and with replicas and `minReplicas` for it to survive the loss of the primary. The URL names one
 * server, a Sentinel-watched primary or a Redis Cluster (redis-url.ts); on a Cluster every key
 * shares one hash slot (the prefix is a hash tag), since a batch is one script.
 */
export class RedisStore extends StoreAdapter<RedisClient> implements ManagementStore {
  readonly kind = 'redis';
  readonly keyPrefix: string;
  private readonly keys: RedisKeys;
  private readonly tokenKeys: RedisTokenKeys;
  private readonly settings: RedisConnectionSettings;
  private client: RedisClient | undefined;
  private subscriber: RedisClient | undefined;
  /**
   * With minReplicas > 0, the connection of writes: WAIT blocks the connection it is sent on until
   * the replicas answer, so reads (and the availability they show) must not queue behind it.
   */
  private writer: RedisClient | undefined;
  private initializing: Promise<void> | undefined;
  private readonly target: RedisTarget;
  private readonly minReplicas: number;
  private readonly replicaTimeoutMs: number;
  protected readonly tokenRows: TokenRows = {
    list: () => this.call('read', (c) => listTokens(c, this.tokenKeys)),
    // Acknowledged, as every management write, only once store.minReplicas replicas have it.
    add: async (row) => addedRevision(await this.scriptWrite('token write', addTokenCall(this.tokenKeys, row)), row),
    remove: async (id) => {
      const json = await this.call('token read', (c) => c.hget(this.tokenKeys.tokens, id));
      return json === null ? undefined : this.scriptWrite('token write', removeTokenCall(this.tokenKeys, id, json));
    },
  };

  /** @param url - `redis://[user:password@]host:port[/db]`, `rediss://…`, `redis+sentinel://…` or `redis+cluster://…` (see parseRedisUrl). */
  constructor(
    private readonly url: string,
    options: RedisStoreOptions = {},
  ) {
    super(options.onError ?? (() => undefined));
    this.target = parseRedisUrl(url);
    const prefix = options.keyPrefix ?? 'artemis:';
    if (prefix === '') throw new StoreInputError('The Redis key prefix must not be empty.');
    // On a Redis Cluster a script may touch the keys of one hash slot only: the prefix becomes a hash tag.
    this.keyPrefix = this.target.mode === 'cluster' && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
    this.keys = redisKeys(this.keyPrefix);
    this.minReplicas = options.minReplicas ?? 0;
    this.replicaTimeoutMs = options.replicaTimeoutMs ?? 1_000;
    if (!Number.isSafeInteger(this.minReplicas) || this.minReplicas < 0) throw new StoreInputError('minReplicas must be a whole number of at least 0.');
    this.tokenKeys = redisTokenKeys(this.keyPrefix);
    this.settings = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 5_000,
      connectionName: `${this.keyPrefix}store`,
    };
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
    return this.scriptWrite('write', { script: WRITE_SCRIPT, keys, args, revision: Number });
  }

  /**
   * Runs a write script, and with minReplicas > 0 acknowledges it only once that many replicas
   * have it: the script and WAIT go in one pipeline on the writer connection (on a Cluster, to the
   * node of the keys' slot), so WAIT counts the replicas that have this script's effect.
   * Resolves with the new revision (announced to the watchers), undefined when the script wrote
   * nothing (then there is nothing to wait for).
   * @throws StoreReplicationError when the write reached the primary but too few replicas in time.
   */
  private async scriptWrite<R extends number | undefined>(what: string, call: ScriptCall<R>): Promise<R> {
    const { script, keys, args } = call;
    if (this.minReplicas === 0) {
      const revision = call.revision(await this.call(what, (c) => c.eval(script, keys.length, ...keys, ...args)));
      if (revision !== undefined) this.notifier.changed(revision);
      return revision;
    }
    const results = await this.call(
      what,
      (c) => c.pipeline().eval(script, keys.length, ...keys, ...args).call('WAIT', String(this.minReplicas), String(this.replicaTimeoutMs)).exec(),
      this.writer,
    );
    const [[scriptErr, reply] = [null, null], [waitErr, acked] = [null, null]] = results ?? [];
    if (scriptErr !== null) throw this.failed(new StoreUnavailableError(`Redis ${what} failed: ${scriptErr.message}`, { cause: scriptErr }));
    const revision = call.revision(reply);
    if (revision === undefined) return revision;
    this.notifier.changed(revision);
    if (waitErr !== null || Number(acked) < this.minReplicas) {
      const got = waitErr === null ? `${Number(acked)} of them confirmed it` : `WAIT failed: ${waitErr.message}`;
      throw new StoreReplicationError(
        `The ${what} (revision ${revision}) reached the Redis primary, but store.minReplicas is ${this.minReplicas} and ${got} within ${this.replicaTimeoutMs} ms: it may be lost if the primary fails.`,
      );
    }
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

  async revision(): Promise<number> {
    return Number((await this.call('read', (c) => c.get(this.keys.revision))) ?? 0);
  }

  async entityRevision(): Promise<number> {
    return Number((await this.call('read', (c) => c.get(this.keys.entityRevision))) ?? 0);
  }

  private async connect(): Promise<void> {
    const client = createConnection(this.target, this.settings);
    const subscriber = createConnection(this.target, { ...this.settings, connectionName: `${this.keyPrefix}subscriber` }, { autoResubscribe: false });
    // WAIT blocks for up to replicaTimeoutMs on top of the command itself.
    const writer =
      this.minReplicas === 0
        ? undefined
        : createConnection(this.target, { ...this.settings, commandTimeoutMs: this.settings.commandTimeoutMs + this.replicaTimeoutMs, connectionName: `${this.keyPrefix}writer` });
    // a connection of a failed init() is dropped for good; those of a running store never are
    let abandoned = false;
    const stopped = () => abandoned || this.closing !== undefined;
    for (const c of [client, subscriber, writer]) if (c !== undefined) reconnectAfterEnd(c, stopped);
    this.trackAvailability(client);
    if (writer !== undefined) this.reportLoss(writer);
    this.reportLoss(client);
    this.reportLoss(subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.channel) this.notifier.changed(Number(message));
    });
    try {
      await withTimeout(
        Promise.all([this.handshake(client, subscriber), writer?.connect()]),
        this.settings.connectTimeoutMs,
        `Connecting to Redis at ${redactStoreUrl(this.url)}`,
      );
      if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    } catch (err) {
      abandoned = true;
      client.disconnect();
      subscriber.disconnect();
      writer?.disconnect();
      if (err instanceof StoreError) throw err;
      throw new StoreUnavailableError(`Redis at ${redactStoreUrl(this.url)} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    this.client = client;
    this.subscriber = subscriber;
    this.writer = writer;
    subscriber.on('ready', () => void this.resubscribe(subscriber));
  }

  private async handshake(client: RedisClient, subscriber: RedisClient): Promise<void> {
    await Promise.all([client.connect(), subscriber.connect()]);
    await subscriber.subscribe(this.keys.channel);
    await client.set(this.keys.schema, String(REDIS_SCHEMA_VERSION), 'NX');
    const version = Number(await client.get(this.keys.schema));
    if (version !== REDIS_SCHEMA_VERSION) {
      throw new StoreSchemaError(`Keys under ${this.keyPrefix} have layout version ${version}; this build uses ${REDIS_SCHEMA_VERSION}.`);
    }
    await client.set(this.keys.storeId, newStoreIdentity(), 'NX');
    this.storeId = String(await client.get(this.keys.storeId));
    this.notifier.seen(Number((await client.get(this.keys.revision)) ?? 0));
  }

  /** The main connection decides availability: lost → unavailable; ready again → available, and listeners reload. */
  private trackAvailability(connection: RedisClient): void {
    let lastError = '';
    connection.on('error', (err: Error) => {
      lastError = err.message;
      if (connection.status !== 'ready' && this.closing === undefined) this.health.down(`Redis at ${redactStoreUrl(this.url)} is unreachable: ${lastError}`);
    });
    connection.on('close', () => {
      if (this.closing === undefined) this.health.down(`Lost the connection to Redis at ${redactStoreUrl(this.url)}${lastError === '' ? '' : `: ${lastError}`}`);
    });
    // Back after an outage: listeners reload, since the reload that the subscriber's own
    // reconnection asked for may have run while this connection was still down.
    connection.on('ready', () => {
      const wasDown = !this.health.get().available;
      this.health.up();
      if (wasDown && this.client === connection && this.closing === undefined) this.notifier.resync(this.notifier.revision);
    });
  }

  /** After a reconnection: subscribe again, then tell listeners that they may have missed changes. */
  private async resubscribe(subscriber: RedisClient): Promise<void> {
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
  private reportLoss(connection: RedisClient): void {
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

  protected opened(): RedisClient | undefined {
    return this.client;
  }

  protected async shutdown(): Promise<void> {
    this.notifier.clear();
    await this.initializing?.catch(() => undefined);
    const connections = [this.client, this.subscriber, this.writer].filter((c): c is RedisClient => c !== undefined);
    this.client = undefined;
    this.subscriber = undefined;
    this.writer = undefined;
    await Promise.all(connections.map((c) => quitQuietly(c, 1_000)));
  }

  /** Runs one command (on `connection`, by default the main one); a driver failure becomes {@link StoreUnavailableError} and marks the store unavailable. */
  private async call<T>(what: string, fn: (client: RedisClient) => Promise<T>, connection?: RedisClient): Promise<T> {
    const client = connection ?? this.ready();
    this.ready();
    try {
      const result = await fn(client);
      if (client.status === 'ready') this.health.up();
      return result;
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw this.failed(new StoreUnavailableError(`Redis ${what} failed: ${(err as Error).message}`, { cause: err }));
    }
  }

  /** Marks the store unavailable, unless the failure is a script's own (the server answered). */
  private failed(err: StoreUnavailableError): StoreUnavailableError {
    const cause = err.cause as { name?: unknown } | undefined;
    if (cause?.name !== 'ReplyError') this.health.down(err.message);
    return err;
  }
}
