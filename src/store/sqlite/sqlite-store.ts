import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../core/clock.js';
import { Scheduler, type TaskScheduler } from '../../core/scheduler.js';
import type { CanaryRow, EntityKind, EntityRecord, LogFilter, LogRecord, LogTable, ManagementStore, OperationRow, WriteBatch } from '../management-store.js';
import { StoreAdapter, type TokenRows } from '../store-adapter.js';
import { newStoreIdentity } from '../store-availability.js';
import { StoreClosedError, StoreError, StoreInputError, StoreUnavailableError } from '../store-errors.js';
import { checkLimit, checkLogTable, checkTime, filterEntries, foldCase } from '../store-input.js';
import { FOLD_FUNCTION } from './sqlite-logs.js';
import { migrate, readIdentity } from './sqlite-schema.js';
import { SqliteTables } from './sqlite-tables.js';
import { SqliteTokens } from './sqlite-tokens.js';

/** Tuning of a {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * Source of `createTime` / `updateTime`.
   * @defaultValue the system clock
   */
  clock?: Clock;
  /**
   * How often, while anyone watches, the revision row is read to notice writes of other processes.
   * @defaultValue 100
   */
  pollIntervalMs?: number;
  /**
   * Runs the revision poll (task `store.revision-poll`), e.g. the node's scheduler, which starts and
   * stops it with the node.
   * @defaultValue a scheduler of the store's own, started by `init()` and stopped by `close()`
   */
  scheduler?: TaskScheduler;
  /**
   * How long a statement waits for another process's lock before failing.
   * @defaultValue 5000
   */
  busyTimeoutMs?: number;
  /**
   * Receives what a watch listener throws and failures of the revision poll.
   * @defaultValue errors are dropped
   */
  onError?: (err: unknown) => void;
}

/** A SQLite failure as a store error: every driver error means the file cannot be used right now. */
function storeFailure(err: unknown, what: string): unknown {
  if (err instanceof Database.SqliteError) return new StoreUnavailableError(`SQLite ${what} failed: ${err.code}: ${err.message}`, { cause: err });
  return err;
}

/** Anything that stops the file from opening (folder not writable, not a database) as a store error. */
function openFailure(err: unknown, path: string): StoreError {
  if (err instanceof StoreError) return err;
  return new StoreUnavailableError(`Cannot open the SQLite database ${path}: ${(err as Error).message}`, { cause: err });
}

/**
 * Management state in one SQLite file (WAL, `synchronous=FULL`, so an acknowledged write survives a
 * crash of the process or the machine). Several processes may share the file; each sees the others'
 * writes through a revision row that it polls while it has watchers.
 *
 * @example
 * const store = new SqliteStore('./data/artemis.db');
 * await store.init();
 */
export class SqliteStore extends StoreAdapter<SqliteTables> implements ManagementStore {
  readonly kind = 'sqlite';
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly busyTimeoutMs: number;
  private db: Database.Database | undefined;
  private tables: SqliteTables | undefined;
  private tokenTable: SqliteTokens | undefined;
  private initializing: Promise<void> | undefined;
  /** The scheduler of the revision poll when none was given. */
  private readonly ownScheduler: Scheduler | undefined;
  protected readonly tokenRows: TokenRows = {
    list: () => this.call('read', () => this.readyTokens().list()),
    add: (row) => this.call('token write', () => this.readyTokens().add(row)),
    remove: (id) => this.call('token write', () => this.readyTokens().removeById(id)),
  };

  /**
   * @param path - the database file (its folder is created at init), or `':memory:'` for a private in-memory database.
   */
  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    super(options.onError ?? (() => undefined));
    if (typeof path !== 'string' || path === '') throw new StoreInputError('The SQLite store needs a file path.');
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    if (!(this.pollIntervalMs > 0) || !(this.busyTimeoutMs >= 0)) throw new StoreInputError('SQLite store intervals must be positive.');
    if (options.scheduler === undefined) this.ownScheduler = new Scheduler((_, err) => this.onError(err));
    (options.scheduler ?? this.ownScheduler)?.add({ name: 'store.revision-poll', intervalMs: this.pollIntervalMs, run: () => this.poll() });
  }

  init(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new StoreClosedError(this.kind));
    this.initializing ??= Promise.resolve()
      .then(() => this.open())
      .catch((err: unknown) => {
        this.initializing = undefined;
        throw openFailure(err, this.path);
      });
    return this.initializing;
  }

  write(batch: WriteBatch): Promise<number> {
    return this.call('write', (tables) => {
      const revision = tables.write(batch, this.clock.now());
      this.notifier.changed(revision);
      return revision;
    });
  }

  operations(): Promise<OperationRow[]> {
    return this.call('read', (tables) => tables.operations());
  }

  canaries(): Promise<CanaryRow[]> {
    return this.call('read', (tables) => tables.canaries());
  }

  entities(kind: EntityKind): Promise<EntityRecord[]> {
    return this.call('read', (tables) => tables.entities(kind));
  }

  queryLogs(table: LogTable, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    return this.call('log query', (tables) => tables.logs.query(checkLogTable(table), filterEntries(filter), checkLimit(limit)));
  }

  pruneLogs(before: number): Promise<number> {
    return this.call('log prune', (tables) => tables.logs.pruneBefore(checkTime(before)));
  }

  importLogs(table: LogTable, rows: LogRecord[]): Promise<void> {
    return this.call('log import', (tables) => tables.importLogs(checkLogTable(table), rows));
  }

  revision(): Promise<number> {
    return this.call('read', (tables) => tables.revision());
  }

  entityRevision(): Promise<number> {
    return this.call('read', (tables) => tables.entityRevision());
  }

  private open(): void {
    if (this.closing !== undefined) throw new StoreClosedError(this.kind);
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path, { timeout: this.busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.function(FOLD_FUNCTION, { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldCase(v) : v));
      migrate(db);
      this.storeId = readIdentity(db, newStoreIdentity());
      this.tables = new SqliteTables(db);
      this.tokenTable = new SqliteTokens(db);
      this.db = db;
    } catch (err) {
      db.close();
      throw err;
    }
    this.notifier.seen(this.tables.revision());
    this.ownScheduler?.start();
  }

  protected opened(): SqliteTables | undefined {
    return this.tables;
  }

  protected async shutdown(): Promise<void> {
    this.notifier.clear();
    await this.ownScheduler?.stop();
    await this.initializing?.catch(() => undefined);
    try {
      this.db?.close();
    } finally {
      this.db = undefined;
      this.tables = undefined;
      this.tokenTable = undefined;
    }
  }

  private readyTokens(): SqliteTokens {
    this.ready();
    return this.tokenTable as SqliteTokens;
  }

  /** Runs one synchronous driver call; anything it throws becomes the promise's rejection. */
  private call<T>(what: string, fn: (tables: SqliteTables) => T): Promise<T> {
    return new Promise<T>((resolve) => {
      const tables = this.ready();
      try {
        resolve(fn(tables));
        this.health.up();
      } catch (err) {
        const failure = storeFailure(err, what);
        if (failure instanceof StoreUnavailableError) this.health.down(failure.message);
        throw failure;
      }
    });
  }

  /** Reads the revision row while anyone watches, to notice writes of other processes. */
  private poll(): void {
    if (this.notifier.size === 0 || this.closing !== undefined) return;
    try {
      if (this.tables !== undefined) this.notifier.changed(this.tables.revision());
    } catch (err) {
      this.onError(storeFailure(err, 'revision poll'));
    }
  }
}
