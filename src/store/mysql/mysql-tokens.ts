import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { TokenRow } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { checkTokenRow, foldCase, tokenFromJson } from '../store-input.js';
import { keyHash } from './mysql-rows.js';

/** API tokens in the side table `artemis_token` (Java never reads it): hashes only, never secrets. */

export async function listTokens(db: Pool | PoolConnection): Promise<TokenRow[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT body FROM artemis_token ORDER BY create_ms, id');
  return rows.map((r) => tokenFromJson(String(r.body)));
}

/** Inserts a token inside the caller's transaction; a taken id or name is a StoreInputError. */
export async function insertToken(conn: PoolConnection, row: TokenRow): Promise<void> {
  const checked = checkTokenRow(row);
  const [taken] = await conn.query<RowDataPacket[]>('SELECT id FROM artemis_token WHERE id = ? OR name_hash = ? FOR UPDATE', [checked.id, keyHash(foldCase(checked.name))]);
  if (taken.length > 0) throw new StoreInputError(`A token with id ${checked.id} or name ${checked.name} exists.`);
  await conn.query('INSERT INTO artemis_token (id, name_hash, body, create_ms) VALUES (?, ?, ?, ?)', [checked.id, keyHash(foldCase(checked.name)), JSON.stringify(checked), checked.createTime]);
}

/** Deletes a token inside the caller's transaction; true when there was one. */
export async function deleteToken(conn: PoolConnection, id: string): Promise<boolean> {
  const [result] = await conn.query<ResultSetHeader>('DELETE FROM artemis_token WHERE id = ?', [id]);
  return result.affectedRows > 0;
}
