import { randomUUID } from 'node:crypto';
import type { PoolConnection, Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { EntityFields, EntityKind, EntityRecord, EntityWrite } from '../management-store.js';
import { entityRecord } from '../store-input.js';
import { q, keyHash, ENTITY_TABLES, JAVA_KEYS, PLACEHOLDER_COLUMN, fitsColumn, fitsRow, rowFields, toSql, type MappedTable } from './mysql-rows.js';

/**
 * Entity records on the Java routing tables. A record whose fields are exactly a Java row's (and
 * whose key is the one that row implies) is that row: Java nodes read and change it. Any other
 * record lives in `artemis_entity`, with an id taken from the same table's AUTO_INCREMENT, so
 * ids stay unique per kind and are never reused whichever table holds the record.
 */

type Db = Pool | PoolConnection;


interface Located {
  id: number;
  key: string;
  fields: EntityFields;
  /** Where the record lives. */
  side: boolean;
}

function columnsOf(m: MappedTable): string {
  return ['ID', ...m.fields.map((f) => f.column.name)].map(q).join(', ');
}

function javaRecord(kind: EntityKind, row: RowDataPacket): Located {
  const fields = rowFields(ENTITY_TABLES[kind], row);
  return { id: Number(row.ID), key: JAVA_KEYS[kind](fields), fields, side: false };
}

function sideRecord(row: RowDataPacket): Located {
  return { id: Number(row.id), key: String(row.entity_key), fields: JSON.parse(String(row.fields)) as EntityFields, side: true };
}

/** Every record of `kind`, Java rows and side rows, by increasing id. */
export async function listEntities(db: Db, kind: EntityKind): Promise<EntityRecord[]> {
  const m = ENTITY_TABLES[kind];
  const [javaRows] = await db.query<RowDataPacket[]>(`SELECT ${columnsOf(m)} FROM ${q(m.table.name)} ORDER BY ID`);
  const [sideRows] = await db.query<RowDataPacket[]>('SELECT id, entity_key, fields FROM artemis_entity WHERE kind = ? ORDER BY id', [kind]);
  const all = [...javaRows.map((r) => javaRecord(kind, r)), ...sideRows.map(sideRecord)].sort((a, b) => a.id - b.id);
  return all.map((r) => entityRecord(r.id, r.key, r.fields));
}

/** Applies entity writes in order on a connection inside the batch's transaction. */
export class EntityWriter {
  constructor(private readonly conn: PoolConnection) {}

  async apply(write: EntityWrite): Promise<void> {
    switch (write.op) {
      case 'put': {
        const found = await this.byKey(write.kind, write.key, write.create);
        if (found === undefined) await this.create(write.kind, write.key, write.create);
        else await this.store(write.kind, found, { ...found.fields, ...write.update });
        return;
      }
      case 'patch': {
        const found = await this.byId(write.kind, write.id);
        if (found !== undefined) await this.store(write.kind, found, { ...found.fields, ...write.update });
        return;
      }
      case 'copy': {
        const found = await this.byId(write.kind, write.id);
        if (found === undefined) return;
        const value = Object.hasOwn(found.fields, write.from) ? found.fields[write.from]! : null;
        await this.store(write.kind, found, { ...found.fields, [write.to]: value });
        return;
      }
      case 'delete': {
        const m = ENTITY_TABLES[write.kind];
        await this.conn.query('DELETE FROM artemis_entity WHERE kind = ? AND id = ?', [write.kind, write.id]);
        await this.conn.query(`DELETE FROM ${q(m.table.name)} WHERE ID = ?`, [write.id]);
        return;
      }
    }
  }

  private async byId(kind: EntityKind, id: number): Promise<Located | undefined> {
    const [side] = await this.conn.query<RowDataPacket[]>('SELECT id, entity_key, fields FROM artemis_entity WHERE kind = ? AND id = ? FOR UPDATE', [kind, id]);
    if (side[0] !== undefined) return sideRecord(side[0]);
    const m = ENTITY_TABLES[kind];
    const [rows] = await this.conn.query<RowDataPacket[]>(`SELECT ${columnsOf(m)} FROM ${q(m.table.name)} WHERE ID = ? FOR UPDATE`, [id]);
    return rows[0] === undefined ? undefined : javaRecord(kind, rows[0]);
  }

  private async byKey(kind: EntityKind, key: string, create: EntityFields): Promise<Located | undefined> {
    const [side] = await this.conn.query<RowDataPacket[]>('SELECT id, entity_key, fields FROM artemis_entity WHERE kind = ? AND key_hash = ? FOR UPDATE', [
      kind,
      keyHash(key),
    ]);
    const hit = side.find((r) => String(r.entity_key) === key);
    if (hit !== undefined) return sideRecord(hit);
    const m = ENTITY_TABLES[kind];
    const uniqueColumns = Object.values(m.table.unique)[0] ?? [];
    const uniqueFields = uniqueColumns.map((c) => m.fields.find((f) => f.column.name === c));
    const usable =
      JAVA_KEYS[kind](create) === key &&
      uniqueFields.every((f) => f !== undefined && Object.hasOwn(create, f.field) && fitsColumn(f.column, create[f.field]!));
    if (usable) {
      // The usual case: the key is the one the Java unique columns imply; look the row up by them.
      const where = uniqueColumns.map((c) => `${q(c)} = ?`).join(' AND ');
      const params = uniqueFields.map((f) => toSql(create[f!.field]!));
      const [rows] = await this.conn.query<RowDataPacket[]>(`SELECT ${columnsOf(m)} FROM ${q(m.table.name)} WHERE ${where} FOR UPDATE`, params);
      return rows.map((r) => javaRecord(kind, r)).find((r) => r.key === key);
    }
    // A key the fields do not imply can still be the derived key of some Java row.
    const [rows] = await this.conn.query<RowDataPacket[]>(`SELECT ${columnsOf(m)} FROM ${q(m.table.name)} ORDER BY ID`);
    return rows.map((r) => javaRecord(kind, r)).find((r) => r.key === key);
  }

  private javaShaped(kind: EntityKind, key: string, fields: EntityFields): boolean {
    return fitsRow(ENTITY_TABLES[kind], fields) && JAVA_KEYS[kind](fields) === key;
  }

  private async create(kind: EntityKind, key: string, fields: EntityFields): Promise<void> {
    if (this.javaShaped(kind, key, fields)) {
      const m = ENTITY_TABLES[kind];
      const columns = m.fields.map((f) => q(f.column.name)).join(', ');
      const marks = m.fields.map(() => '?').join(', ');
      try {
        await this.conn.query(`INSERT INTO ${q(m.table.name)} (${columns}) VALUES (${marks})`, m.fields.map((f) => toSql(fields[f.field]!)));
        return;
      } catch (err) {
        // A Java row holds the unique columns under another key (the collation folds more than the key does).
        if ((err as { errno?: number }).errno !== 1062) throw err;
      }
    }
    const id = await this.reserveId(kind);
    await this.insertSide(kind, id, key, fields);
  }

  private async store(kind: EntityKind, found: Located, fields: EntityFields): Promise<void> {
    const m = ENTITY_TABLES[kind];
    if (found.side) {
      await this.conn.query('UPDATE artemis_entity SET fields = ? WHERE kind = ? AND id = ?', [JSON.stringify(fields), kind, found.id]);
      return;
    }
    if (this.javaShaped(kind, found.key, fields)) {
      const sets = m.fields.map((f) => `${q(f.column.name)} = ?`).join(', ');
      await this.conn.query(`UPDATE ${q(m.table.name)} SET ${sets} WHERE ID = ?`, [...m.fields.map((f) => toSql(fields[f.field]!)), found.id]);
      return;
    }
    // The record no longer fits its Java row: it moves to the side table under the same id and key.
    await this.conn.query(`DELETE FROM ${q(m.table.name)} WHERE ID = ?`, [found.id]);
    await this.insertSide(kind, found.id, found.key, fields);
  }

  private async insertSide(kind: EntityKind, id: number, key: string, fields: EntityFields): Promise<void> {
    await this.conn.query('INSERT INTO artemis_entity (kind, id, key_hash, entity_key, fields) VALUES (?, ?, ?, ?, ?)', [
      kind,
      id,
      keyHash(key),
      key,
      JSON.stringify(fields),
    ]);
  }

  /**
   * Takes the next id of the kind's Java table without leaving a row: inserts a placeholder with
   * a unique value in a unique-key column and deletes it in the same transaction, so no reader
   * ever sees it.
   */
  private async reserveId(kind: EntityKind): Promise<number> {
    const table = q(ENTITY_TABLES[kind].table.name);
    const column = PLACEHOLDER_COLUMN[kind];
    const placeholder = column === 'ROUTE_RULE_ID' ? -(Math.floor(Math.random() * 2 ** 52) + 1) : `artemis-reserved-${randomUUID()}`;
    const [result] = await this.conn.query<ResultSetHeader>(`INSERT INTO ${table} (${q(column)}) VALUES (?)`, [placeholder]);
    await this.conn.query(`DELETE FROM ${table} WHERE ID = ?`, [result.insertId]);
    return result.insertId;
  }
}
