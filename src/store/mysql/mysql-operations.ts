import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { operationIdentity, operationRow, type CanaryRow, type OperationKind, type OperationRow } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { canaryIdentity } from '../store-input.js';
import { q, keyHash, OPERATION_TABLES, fitsText, isDecimalId } from './mysql-rows.js';

/**
 * Operation rows on the Java tables `instance`, `server`, `service_zone` and
 * `service_group_operation`, with the Java statements: instance and server pull-outs upsert
 * (a repeated one updates only OPERATOR_ID and TOKEN), zone and group ones insert-ignore, and a
 * pull-in deletes by the identity columns (compared by the table's case-insensitive collation).
 * A row the Java columns cannot hold (a group id that is not a number, text too long or outside
 * utf8) is kept in `artemis_operation` instead. Canary IP sets have no Java table and live in
 * `artemis_canary`.
 */

type Db = Pool | PoolConnection;


/** Whether the Java table of the row's kind can hold its identity. */
function fitsJava(row: OperationRow): boolean {
  const spec = OPERATION_TABLES[row.kind];
  return spec.key.every(([field]) => (field === 'groupId' ? isDecimalId(row.groupId) : fitsText(row[field as keyof OperationRow])));
}

/** OPERATOR_ID and TOKEN are varchar(255) utf8: longer or four-byte text would be cut or refused. */
function checkAudit(row: OperationRow): void {
  for (const field of ['operatorId', 'token'] as const) {
    if (row[field].length > 255 || /[\uD800-\uDFFF]/.test(row[field])) {
      throw new StoreInputError(`Operation row field ${field} does not fit the Java column (at most 255 characters of utf8 text).`);
    }
  }
}

const keyValues = (row: OperationRow): Array<string | number> =>
  OPERATION_TABLES[row.kind].key.map(([field]) => (field === 'groupId' ? Number(row.groupId) : row[field as keyof OperationRow]));

/** Applies upserts, then removals, inside the batch's transaction. */
export async function applyOperations(conn: PoolConnection, upsert: OperationRow[], remove: OperationRow[]): Promise<void> {
  for (const row of upsert) {
    const spec = OPERATION_TABLES[row.kind];
    if (!fitsJava(row)) {
      await upsertSide(conn, row);
      continue;
    }
    const columns = spec.key.map(([, c]) => c);
    if (spec.audit) {
      checkAudit(row);
      const all = [...columns, 'OPERATOR_ID', 'TOKEN'].map(q).join(', ');
      await conn.query(
        `INSERT INTO ${q(spec.table)} (${all}) VALUES (${[...columns, 1, 2].map(() => '?').join(', ')}) ` +
          'ON DUPLICATE KEY UPDATE OPERATOR_ID = VALUES(OPERATOR_ID), TOKEN = VALUES(TOKEN)',
        [...keyValues(row), row.operatorId, row.token],
      );
    } else {
      await conn.query(`INSERT IGNORE INTO ${q(spec.table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, keyValues(row));
      await upsertAudit(conn, row);
    }
  }
  for (const row of remove) {
    const spec = OPERATION_TABLES[row.kind];
    if (!fitsJava(row)) {
      await conn.query('DELETE FROM artemis_operation WHERE identity_hash = ?', [keyHash(operationIdentity(row))]);
      continue;
    }
    const where = spec.key.map(([, c]) => `${q(c)} = ?`).join(' AND ');
    await conn.query(`DELETE FROM ${q(spec.table)} WHERE ${where}`, keyValues(row));
    if (!spec.audit) await conn.query('DELETE FROM artemis_operation WHERE identity_hash = ?', [auditHash(row)]);
  }
}

/** The side row that keeps operatorId and token of a zone or group operation (their Java tables have no such columns). */
const auditHash = (row: OperationRow): Buffer => keyHash(`audit\u0000${operationIdentity(row)}`);

async function upsertAudit(conn: PoolConnection, row: OperationRow): Promise<void> {
  const body = JSON.stringify({ audit: true, identity: operationIdentity(row), operatorId: row.operatorId, token: row.token });
  if (row.operatorId === '' && row.token === '') {
    await conn.query('DELETE FROM artemis_operation WHERE identity_hash = ?', [auditHash(row)]);
    return;
  }
  await conn.query('INSERT INTO artemis_operation (identity_hash, body) VALUES (?, ?) ON DUPLICATE KEY UPDATE body = VALUES(body)', [auditHash(row), body]);
}

async function upsertSide(conn: PoolConnection, row: OperationRow): Promise<void> {
  const id = keyHash(operationIdentity(row));
  const [found] = await conn.query<RowDataPacket[]>('SELECT body FROM artemis_operation WHERE identity_hash = ? FOR UPDATE', [id]);
  const existing = found[0];
  if (existing === undefined) {
    await conn.query('INSERT INTO artemis_operation (identity_hash, body) VALUES (?, ?)', [id, JSON.stringify(row)]);
    return;
  }
  const kept = { ...(JSON.parse(String(existing.body)) as OperationRow), operatorId: row.operatorId, token: row.token };
  await conn.query('UPDATE artemis_operation SET body = ? WHERE identity_hash = ?', [JSON.stringify(kept), id]);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '');

/** Every operation row: the Java tables (rows with a blank OPERATION skipped, as the Java readers do), then the side table. */
export async function readOperations(db: Db): Promise<OperationRow[]> {
  const [side] = await db.query<RowDataPacket[]>('SELECT body FROM artemis_operation ORDER BY seq');
  const bodies = side.map((r) => JSON.parse(String(r.body)) as OperationRow & { audit?: boolean; identity?: string });
  const audits = new Map(bodies.filter((b) => b.audit === true).map((b) => [b.identity, b]));
  const out: OperationRow[] = [];
  for (const [kind, spec] of Object.entries(OPERATION_TABLES) as Array<[OperationKind, (typeof OPERATION_TABLES)[OperationKind]]>) {
    const columns = [...spec.key.map(([, c]) => c), ...(spec.audit ? ['OPERATOR_ID', 'TOKEN'] : [])];
    const [rows] = await db.query<RowDataPacket[]>(`SELECT ${columns.map(q).join(', ')} FROM ${q(spec.table)} WHERE OPERATION <> '' ORDER BY ID`);
    for (const r of rows) {
      const fields: Partial<OperationRow> = {};
      for (const [field, column] of spec.key) (fields as Record<string, string>)[field] = str(r[column]);
      const row = operationRow({ ...fields, kind, operation: str(r.OPERATION), operatorId: str(r.OPERATOR_ID), token: str(r.TOKEN) });
      const audit = spec.audit ? undefined : audits.get(operationIdentity(row));
      out.push(audit === undefined ? row : { ...row, operatorId: audit.operatorId, token: audit.token });
    }
  }
  for (const b of bodies) if (b.audit !== true) out.push(operationRow(b));
  return out;
}

/** Replaces canary IP sets by (serviceId, appId), keeping the first spelling of both. */
export async function applyCanaries(conn: PoolConnection, rows: CanaryRow[]): Promise<void> {
  for (const row of rows) {
    const id = keyHash(canaryIdentity(row));
    const [found] = await conn.query<RowDataPacket[]>('SELECT body FROM artemis_canary WHERE identity_hash = ? FOR UPDATE', [id]);
    const existing = found[0];
    const body = { serviceId: row.serviceId, appId: row.appId, regionId: row.regionId, ips: row.ips };
    if (existing === undefined) {
      await conn.query('INSERT INTO artemis_canary (identity_hash, body) VALUES (?, ?)', [id, JSON.stringify(body)]);
    } else {
      const first = JSON.parse(String(existing.body)) as CanaryRow;
      await conn.query('UPDATE artemis_canary SET body = ? WHERE identity_hash = ?', [
        JSON.stringify({ ...body, serviceId: first.serviceId, appId: first.appId }),
        id,
      ]);
    }
  }
}

/** Every canary row, in the order they were first written. */
export async function readCanaries(db: Db): Promise<CanaryRow[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT body FROM artemis_canary ORDER BY seq');
  return rows.map((r) => JSON.parse(String(r.body)) as CanaryRow);
}
