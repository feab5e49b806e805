import type { Database, Statement } from 'better-sqlite3';
import type { LogFields, LogRecord, LogTable, LogValue } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { foldCase, logRecord } from '../store-input.js';
import { LOG_KEY_COLUMNS } from './sqlite-schema.js';

/** SQL function that folds case the way {@link foldCase} does (SQLite's own folds ASCII only). */
export const FOLD_FUNCTION = 'artemis_fold';

const MAX_CACHED_SELECTS = 64;
const KEY_FIELDS = Object.keys(LOG_KEY_COLUMNS);
const KEY_COLUMNS = Object.values(LOG_KEY_COLUMNS);

/** A parameterised SELECT over the log table. */
export interface LogQuery {
  sql: string;
  params: Array<string | number>;
}

function condition(name: string, value: LogValue): LogQuery {
  const column = LOG_KEY_COLUMNS[name];
  if (column !== undefined && typeof value === 'string') return { sql: `${column} = ?`, params: [foldCase(value)] };
  const path = `$.${name}`;
  if (value === null) return { sql: 'json_extract(fields, ?) IS NULL', params: [path] };
  if (typeof value === 'string') {
    return { sql: `json_type(fields, ?) = 'text' AND ${FOLD_FUNCTION}(json_extract(fields, ?)) = ?`, params: [path, path, foldCase(value)] };
  }
  if (typeof value === 'boolean') return { sql: 'json_type(fields, ?) = ?', params: [path, value ? 'true' : 'false'] };
  return { sql: `json_type(fields, ?) IN ('integer', 'real') AND json_extract(fields, ?) = ?`, params: [path, path, value] };
}

/**
 * The SELECT for one log query: key fields compare their lower-cased column (indexed), other
 * fields their JSON value with the same typing rules as the Redis adapter.
 */
export function logQuery(table: LogTable, entries: ReadonlyArray<[string, LogValue]>, limit: number): LogQuery {
  const parts = entries.map(([name, value]) => condition(name, value));
  const where = ['tbl = ?', ...parts.map((p) => p.sql)].join(' AND ');
  return {
    sql: `SELECT id, create_time AS createTime, fields FROM log WHERE ${where} ORDER BY id LIMIT ?`,
    params: [table, ...parts.flatMap((p) => p.params), limit],
  };
}

/** Log rows in one SQLite table with a `tbl` column; ids come from a per-table sequence row. */
export class SqliteLogs {
  private readonly nextId: Statement<[string], { last_id: number }>;
  private readonly insert: Statement<unknown[]>;
  private readonly prune: Statement<[number]>;
  private readonly lastId: Statement<[string], { last_id: number }>;
  private readonly setLastId: Statement<[string, number]>;
  /** Prepared SELECTs by SQL text; filters come from a handful of endpoints, so few shapes exist. */
  private readonly selects = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Database) {
    this.nextId = db.prepare(
      'INSERT INTO log_seq (tbl, last_id) VALUES (?, 1) ON CONFLICT (tbl) DO UPDATE SET last_id = last_id + 1 RETURNING last_id',
    );
    const columns = ['tbl', 'id', 'create_time', ...KEY_COLUMNS, 'fields'];
    this.insert = db.prepare(`INSERT INTO log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    this.prune = db.prepare('DELETE FROM log WHERE create_time < ?');
    this.lastId = db.prepare('SELECT last_id FROM log_seq WHERE tbl = ?');
    this.setLastId = db.prepare('INSERT INTO log_seq (tbl, last_id) VALUES (?, ?) ON CONFLICT (tbl) DO UPDATE SET last_id = excluded.last_id');
  }

  /** Appends one row; call inside the batch's transaction. */
  append(table: LogTable, fields: LogFields, now: number): void {
    const { last_id: id } = this.nextId.get(table) as { last_id: number };
    const keys = KEY_FIELDS.map((name) => {
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      return typeof value === 'string' ? foldCase(value) : null;
    });
    this.insert.run(table, id, now, ...keys, JSON.stringify(fields));
  }

  /**
   * Appends one row with its own id and time; call inside a transaction. The table's sequence
   * moves up to the id, so ids given out later stay above it.
   * @throws StoreInputError when the id is not above every id the table has given out.
   */
  restore(table: LogTable, id: number, createTime: number, fields: LogFields): void {
    const last = this.lastId.get(table)?.last_id ?? 0;
    if (!Number.isSafeInteger(id) || id <= last) throw new StoreInputError(`Log id ${id} of ${table} is not above the table's last id ${last}.`);
    this.setLastId.run(table, id);
    const keys = KEY_FIELDS.map((name) => {
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      return typeof value === 'string' ? foldCase(value) : null;
    });
    this.insert.run(table, id, createTime, ...keys, JSON.stringify(fields));
  }

  /** Rows of `table` passing every filter entry, oldest first, at most `limit`. */
  query(table: LogTable, entries: ReadonlyArray<[string, LogValue]>, limit: number): LogRecord[] {
    const { sql, params } = logQuery(table, entries, limit);
    let select = this.selects.get(sql);
    if (select === undefined) {
      select = this.db.prepare(sql);
      if (this.selects.size >= MAX_CACHED_SELECTS) this.selects.clear();
      this.selects.set(sql, select);
    }
    const rows = select.all(...params) as Array<{ id: number; createTime: number; fields: string }>;
    return rows.map((r) => logRecord(JSON.parse(r.fields) as LogFields, r.id, r.createTime));
  }

  /** Deletes rows created before `before`; returns how many. */
  pruneBefore(before: number): number {
    return this.prune.run(before).changes;
  }
}
