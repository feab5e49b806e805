import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { Scheduler, type TaskScheduler } from '../../core/scheduler.js';
import type {
  CanaryRow,
  EntityKind,
  EntityRecord,
  LogFilter,
  LogRecord,
  LogTable,
  ManagementStore,
  OperationRow,
  WriteBatch,
} from '../management-store.js';
import { StoreAdapter, type TokenRows } from '../store-adapter.js';
import { newStoreIdentity } from '../store-availability.js';
import { StoreClosedError, StoreError, StoreInputError, StoreUnavailableError } from '../store-errors.js';
import { checkBatch, checkEntityKind, checkEntityWrites, checkLimit, checkLogTable, checkTime, filterEntries, storedLogFields } from '../store-input.js';
import { EntityWriter, listEntities } from './mysql-entities.js';
import { bumpRevision, ensureMeta, readFingerprint, readIdentity, readMeta, sameFingerprint } from './mysql-feed.js';
import { appendLog, lastLogId, pruneLogs, queryLogs } from './mysql-logs.js';
import { applyCanaries, applyOperations, readCanaries, readOperations } from './mysql-operations.js';
import { prepareSchema } from './mysql-schema-check.js';
import { deleteToken, insertToken, listTokens } from './mysql-tokens.js';
import { parseMysqlUrl, type MysqlTarget, type MysqlTuning } from './mysql-url.js';
import { redactStoreUrl } from '../store-url.js';

export interface MysqlStoreOptions extends Partial<MysqlTuning> {
  /**
   * Receives failed polls and what watch listeners throw.
   * @defaultValue errors are dropped
   */
  onError?: (err: unknown) => void;
  /**
   * Runs the change poll (task `store.change-poll`), e.g. the node's scheduler, which starts and
   * stops it with the node.
   * @defaultValue a scheduler of the store's own, started by `init()` and stopped by `close()`
   */
  scheduler?: TaskScheduler;
}

/** MySQL and MariaDB error numbers after which the same batch may simply be tried again. */
const RETRYABLE = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);
const ATTEMPTS = 3;

/** A driver failure as a store error; store errors and errors of the caller's batch pass through. */
function storeFailure(err: unknown, what: string): unknown {
  if (err instanceof StoreError) return err;
  const e = err as { code?: unknown; errno?: unknown; sqlMessage?: unknown; message?: unknown };
  if (typeof e.code === 'string' || typeof e.errno === 'number') {
    return new StoreUnavailableError(`MySQL ${what} failed: ${String(e.code ?? e.errno)}: ${String(e.sqlMessage ?? e.message)}`, { cause: err });
  }
  return err;
}

/**
 * Management state on the Java registry's MySQL schema (management spec 9), shared with Java
 * nodes: pull-outs, groups, route rules and logs are the Java rows, written with the Java
 * statements, so either side sees the other's operations. Writes of this store apply atomically
 * (one transaction per batch) and reach its own watchers at once; writes of other nodes, Java
 * ones included, are found by a poll every `pollIntervalMs` while anyone watches.
 *
 * @example
 * const store = new MysqlStore('mysql://artemis:secret@db:3306/artemisdb');
 * await store.init();
 */
export class MysqlStore extends StoreAdapter<Pool> implements ManagementStore {
  readonly kind = 'mysql';
  readonly target: MysqlTarget;
  private pool: Pool | undefined;
  private initializing: Promise<void> | undefined;
  /** The scheduler of the change poll when none was given. */
  private readonly ownScheduler: Scheduler | undefined;
  private pollFailed = false;
  protected readonly tokenRows: TokenRows = {
    list: () => this.call('read', (pool) => listTokens(pool)),
    add: (row) =>
      this.transaction(this.ready(), 'token write', async (conn) => {
        const meta = await readMeta(conn, true);
        await insertToken(conn, row);
        return bumpRevision(conn, meta, false);
      }),
    remove: (id) =>
      this.transaction(this.ready(), 'token write', async (conn) => {
        const meta = await readMeta(conn, true);
        return (await deleteToken(conn, id)) ? bumpRevision(conn, meta, false) : undefined;
      }),
  };
  /** Whether init created the 20 Java tables in an empty database. */
  createdJavaTables = false;

  constructor(
    readonly url: string,
    options: MysqlStoreOptions = {},
  ) {
    super(options.onError ?? (() => undefined));
    const { onError: _, scheduler, ...tuning } = options;
    this.target = parseMysqlUrl(url, Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)));
    if (scheduler === undefined) this.ownScheduler = new Scheduler((_, err) => this.onError(err));
    (scheduler ?? this.ownScheduler)?.add({ name: 'store.change-poll', intervalMs: this.target.tuning.pollIntervalMs, run: () => this.poll() });
  }

  init(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError(this.kind));
    this.initializing ??= this.open().catch(async (err: unknown) => {
      this.initializing = undefined;
      const pool = this.pool;
      this.pool = undefined;
      await pool?.end().catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw new StoreUnavailableError(`Cannot open the MySQL store ${redactStoreUrl(this.url)}: ${(err as Error).message}`, { cause: err });
    });
    return this.initializing;
  }

  async write(batch: WriteBatch): Promise<number> {
    const pool = this.ready();
    // Everything is checked before the transaction starts, so a refused batch takes no ids.
    checkBatch(batch);
    const entities = checkEntityWrites(batch);
    const logs = (batch.logs ?? []).map((l) => ({ table: checkLogTable(l.table), fields: storedLogFields(l.fields) }));
    const revision = await this.transaction(pool, 'write', async (conn) => {
      const meta = await readMeta(conn, true);
      await applyOperations(conn, batch.upsert ?? [], batch.remove ?? []);
      await applyCanaries(conn, batch.canary ?? []);
      const writer = new EntityWriter(conn);
      for (const write of entities) await writer.apply(write);
      for (const log of logs) await appendLog(conn, log.table, log.fields);
      return bumpRevision(conn, meta, entities.length > 0);
    });
    this.notifier.changed(revision);
    return revision;
  }

  /**
   * Appends log rows keeping their ids and creation times (for `artemis migrate`). Ids must be
   * above every id of the table; the table's AUTO_INCREMENT moves past them.
   */
  async importLogs(table: LogTable, rows: LogRecord[]): Promise<void> {
    const pool = this.ready();
    const checked = rows.map((r) => ({ id: r.id, createTime: checkTime(r.createTime), fields: storedLogFields(r) }));
    const revision = await this.transaction(pool, 'log import', async (conn) => {
      const meta = await readMeta(conn, true);
      let last = await lastLogId(conn, checkLogTable(table));
      for (const r of checked) {
        if (!Number.isSafeInteger(r.id) || r.id <= last) throw new StoreInputError(`Log id ${r.id} of ${table} is not above the table's last id ${last}.`);
        last = r.id;
        await appendLog(conn, table, r.fields, r.createTime, r.id);
      }
      return bumpRevision(conn, meta, false);
    });
    this.notifier.changed(revision);
  }

  operations(): Promise<OperationRow[]> {
    return this.call('read', (pool) => readOperations(pool));
  }

  canaries(): Promise<CanaryRow[]> {
    return this.call('read', (pool) => readCanaries(pool));
  }

  entities(kind: EntityKind): Promise<EntityRecord[]> {
    return this.call('read', (pool) => listEntities(pool, checkEntityKind(kind)));
  }

  queryLogs(table: LogTable, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    return this.call('log query', (pool) => queryLogs(pool, checkLogTable(table), filterEntries(filter), checkLimit(limit)));
  }

  pruneLogs(before: number): Promise<number> {
    return this.call('log prune', async (pool) => {
      const time = checkTime(before);
      return this.target.tuning.pruneLogs ? pruneLogs(pool, time) : 0;
    });
  }

  revision(): Promise<number> {
    return this.call('read', async (pool) => (await readMeta(pool)).revision);
  }

  entityRevision(): Promise<number> {
    return this.call('read', async (pool) => (await readMeta(pool)).entityRevision);
  }

  private async open(): Promise<void> {
    const { host, port, user, password, database, tuning } = this.target;
    const pool = createPool({
      host,
      port,
      user,
      password,
      database,
      connectionLimit: tuning.connectionLimit,
      connectTimeout: tuning.connectTimeoutMs,
      waitForConnections: true,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
    });
    this.pool = pool;
    const outcome = await prepareSchema(pool, database);
    this.createdJavaTables = outcome.createdJavaTables;
    await ensureMeta(pool);
    this.storeId = await readIdentity(pool, newStoreIdentity());
    if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    this.notifier.seen((await readMeta(pool)).revision);
    this.ownScheduler?.start();
  }

  protected opened(): Pool | undefined {
    return this.initializing === undefined ? undefined : this.pool;
  }

  protected async shutdown(): Promise<void> {
    this.notifier.clear();
    await this.ownScheduler?.stop();
    await this.initializing?.catch(() => undefined);
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private async call<T>(what: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = this.ready();
    try {
      const result = await fn(pool);
      this.health.up();
      return result;
    } catch (err) {
      throw this.failed(storeFailure(err, what));
    }
  }

  /** Marks the store unavailable when `err` says the database cannot be reached; returns `err`. */
  private failed(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) this.health.down(err.message);
    return err;
  }

  /** Runs `fn` in one transaction, again on a deadlock; anything thrown rolls it back. */
  private async transaction<T>(pool: Pool, what: string, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let conn: PoolConnection | undefined;
      try {
        conn = await pool.getConnection();
        await conn.beginTransaction();
        const result = await fn(conn);
        await conn.commit();
        this.health.up();
        return result;
      } catch (err) {
        await conn?.rollback().catch(() => undefined);
        const errno = (err as { errno?: unknown }).errno;
        if (attempt < ATTEMPTS && typeof errno === 'number' && RETRYABLE.has(errno)) continue;
        throw this.failed(storeFailure(err, what));
      } finally {
        conn?.release();
      }
    }
  }

  /** One look for writes of other nodes; see mysql-feed.ts. */
  private async poll(): Promise<void> {
    const pool = this.pool;
    if (pool === undefined || this.closing !== undefined || this.notifier.size === 0) return;
    try {
      const [meta, live] = await this.snapshot(pool);
      let revision = meta.revision;
      if (!sameFingerprint(meta.fingerprint, live)) {
        revision = await this.transaction(pool, 'change poll', async (conn) => {
          const locked = await readMeta(conn, true);
          const now = await readFingerprint(conn);
          if (sameFingerprint(locked.fingerprint, now)) return locked.revision;
          return bumpRevision(conn, locked, false);
        });
      }
      this.health.up();
      if (this.pollFailed) {
        this.pollFailed = false;
        this.notifier.resync(revision);
      } else {
        this.notifier.changed(revision);
      }
    } catch (err) {
      this.pollFailed = true;
      this.onError(this.failed(storeFailure(err, 'change poll')));
    }
  }

  /** The stored meta rows and the live fingerprint, read in one consistent snapshot. */
  private async snapshot(pool: Pool) {
    const conn = await pool.getConnection();
    try {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const meta = await readMeta(conn);
      const live = await readFingerprint(conn);
      await conn.query('COMMIT');
      return [meta, live] as const;
    } finally {
      conn.release();
    }
  }
}
