import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { LOG_TABLES, type LogFields, type LogRecord, type LogTable, type LogValue } from '../management-store.js';
import { logMatches } from '../store-input.js';
import { q, LOG_TABLE_MAP, fitsColumn, fitsRow, rowFields, toSql, type MappedTable } from './mysql-rows.js';

/**
 * Audit logs on the Java log tables. A row whose fields are exactly the table's columns (as every
 * log the management layer writes is) is a plain Java row; anything else is also kept whole in
 * `artemis_log_extra`, which then answers for that row. Times are the columns' (whole seconds);
 * an imported row with a finer time keeps it in the side row.
 */

type Db = Pool | PoolConnection;

/** Rows read per round trip while a filter on side-row fields is checked here. */
const LOG_PAGE = 1_000;
/** The last second a TIMESTAMP column (and FROM_UNIXTIME) holds. */
const MAX_TIMESTAMP_SECOND = 2_147_483_647;

interface Condition {
  sql: string;
  params: Array<string | number | null>;
}

/** The SQL condition a plain Java row must meet for one filter entry (side rows are checked here). */
function condition(m: MappedTable, name: string, value: LogValue): Condition {
  if (m.constants !== undefined && Object.hasOwn(m.constants, name)) return { sql: logMatches(m.constants, [[name, value]]) ? 'TRUE' : 'FALSE', params: [] };
  const mappedField = m.fields.find((f) => f.field === name);
  if (mappedField === undefined) return { sql: value === null ? 'TRUE' : 'FALSE', params: [] };
  const c = mappedField.column;
  const col = `t.${q(c.name)}`;
  if (value === null) return { sql: c.nullable && c.type !== 'bool' ? `${col} IS NULL` : 'FALSE', params: [] };
  const wanted = typeof value === 'string' ? 'text' : typeof value === 'number' ? 'int' : 'bool';
  if (wanted !== c.type) return { sql: 'FALSE', params: [] };
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return { sql: 'FALSE', params: [] };
  // The column's collation folds letter case (and more); the exact comparison is repeated below.
  return { sql: `${col} = ?`, params: [toSql(value)] };
}

/** The columns a row's fields set, and whether the row must also be kept whole in the side table. */
function columnsFor(m: MappedTable, fields: LogFields): { names: string[]; values: Array<string | number | null>; whole: boolean } {
  const names: string[] = [];
  const values: Array<string | number | null> = [];
  for (const { field, column } of m.fields) {
    const value = Object.hasOwn(fields, field) ? fields[field]! : undefined;
    if (value !== undefined && fitsColumn(column, value)) {
      names.push(q(column.name));
      values.push(toSql(value));
    }
  }
  return { names, values, whole: !fitsRow(m, fields) };
}

/** Appends one row inside the batch's transaction; `createTime` is set only by an import. */
export async function appendLog(conn: PoolConnection, table: LogTable, fields: LogFields, createTime?: number, id?: number): Promise<void> {
  const m = LOG_TABLE_MAP[table];
  const { names, values, whole } = columnsFor(m, fields);
  if (id !== undefined) {
    names.push('`ID`');
    values.push(id);
  }
  let marks = values.map(() => '?');
  if (createTime !== undefined) {
    names.push('`CREATE_TIME`', '`DataChange_LastTime`');
    marks = [...marks, 'FROM_UNIXTIME(?)', 'FROM_UNIXTIME(?)'];
    const seconds = Math.floor(createTime / 1000);
    values.push(seconds, seconds);
  }
  const [result] = await conn.query<ResultSetHeader>(`INSERT INTO ${q(m.table.name)} (${names.join(', ')}) VALUES (${marks.join(', ')})`, values);
  const fine = createTime !== undefined && createTime % 1000 !== 0;
  if (whole || fine) {
    await conn.query('INSERT INTO artemis_log_extra (tbl, id, fields, create_ms) VALUES (?, ?, ?, ?)', [
      m.table.name,
      result.insertId,
      JSON.stringify(fields),
      fine ? createTime : null,
    ]);
  }
}

function recordOf(m: MappedTable, row: RowDataPacket): LogRecord {
  const created = Number(row._ct) * 1000;
  if (row._xf !== null && row._xf !== undefined) {
    const createTime = row._xc === null || row._xc === undefined ? created : Number(row._xc);
    return { ...(JSON.parse(String(row._xf)) as LogFields), id: Number(row.ID), createTime, updateTime: createTime };
  }
  return { ...rowFields(m, row), id: Number(row.ID), createTime: created, updateTime: Number(row._ut) * 1000 };
}

/** The highest id the log table has given out (its AUTO_INCREMENT less one). */
export async function lastLogId(conn: PoolConnection, table: LogTable): Promise<number> {
  const name = LOG_TABLE_MAP[table].table.name;
  const [max] = await conn.query<RowDataPacket[]>(`SELECT IFNULL(MAX(ID), 0) AS m FROM ${q(name)}`);
  const [next] = await conn.query<RowDataPacket[]>(
    'SELECT AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [name],
  );
  return Math.max(Number(max[0]?.m ?? 0), Number(next[0]?.a ?? 1) - 1);
}

/** Rows of `table` passing every entry, oldest (lowest id) first, at most `limit`. */
export async function queryLogs(db: Db, table: LogTable, entries: ReadonlyArray<[string, LogValue]>, limit: number): Promise<LogRecord[]> {
  const m = LOG_TABLE_MAP[table];
  const conditions = entries.map(([name, value]) => condition(m, name, value));
  const plain = conditions.length === 0 ? 'TRUE' : conditions.map((c) => c.sql).join(' AND ');
  const columns = ['ID', ...m.fields.map((f) => f.column.name)].map((c) => `t.${q(c)}`).join(', ');
  const sql =
    `SELECT ${columns}, UNIX_TIMESTAMP(t.CREATE_TIME) AS _ct, UNIX_TIMESTAMP(t.DataChange_LastTime) AS _ut, x.fields AS _xf, x.create_ms AS _xc ` +
    `FROM ${q(m.table.name)} t LEFT JOIN artemis_log_extra x ON x.tbl = ? AND x.id = t.ID ` +
    `WHERE t.ID > ? AND (x.id IS NOT NULL OR (${plain})) ORDER BY t.ID LIMIT ?`;
  const found: LogRecord[] = [];
  let after = 0;
  while (found.length < limit) {
    const page = Math.min(Math.max(limit - found.length, 1), LOG_PAGE);
    const [rows] = await db.query<RowDataPacket[]>(sql, [m.table.name, after, ...conditions.flatMap((c) => c.params), page]);
    for (const row of rows) {
      const record = recordOf(m, row);
      if (logMatches(record, entries)) found.push(record);
      if (found.length >= limit) break;
    }
    if (rows.length < page) break;
    after = Number(rows[rows.length - 1]!.ID);
  }
  return found;
}

/** Deletes the rows of every log table created before `before` (ms); returns how many. */
export async function pruneLogs(db: Db, before: number): Promise<number> {
  if (before <= 0) return 0;
  const second = Math.floor(before / 1000);
  // A TIMESTAMP ends in January 2038: a later bound covers every row (FROM_UNIXTIME would give NULL).
  const all = second > MAX_TIMESTAMP_SECOND;
  const older = all ? 'TRUE' : 't.DataChange_LastTime < FROM_UNIXTIME(?)';
  let removed = 0;
  for (const table of LOG_TABLES) {
    const name = LOG_TABLE_MAP[table].table.name;
    // Log rows are never updated, so DataChange_LastTime (indexed) is their creation time.
    const [edge] = all
      ? [[] as RowDataPacket[]]
      : await db.query<RowDataPacket[]>(
          `SELECT t.ID, x.create_ms AS ms FROM ${q(name)} t LEFT JOIN artemis_log_extra x ON x.tbl = ? AND x.id = t.ID
            WHERE t.DataChange_LastTime = FROM_UNIXTIME(?)`,
          [name, second],
        );
    const edgeIds = edge.filter((r) => (r.ms === null ? second * 1000 : Number(r.ms)) < before).map((r) => Number(r.ID));
    const bound = all ? [] : [second];
    await db.query(`DELETE x FROM artemis_log_extra x JOIN ${q(name)} t ON x.tbl = ? AND x.id = t.ID WHERE ${older}`, [name, ...bound]);
    const [gone] = await db.query<ResultSetHeader>(`DELETE t FROM ${q(name)} t WHERE ${older}`, bound);
    removed += gone.affectedRows;
    if (edgeIds.length > 0) {
      await db.query('DELETE FROM artemis_log_extra WHERE tbl = ? AND id IN (?)', [name, edgeIds]);
      const [atEdge] = await db.query<ResultSetHeader>(`DELETE FROM ${q(name)} WHERE ID IN (?)`, [edgeIds]);
      removed += atEdge.affectedRows;
    }
  }
  return removed;
}
