import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { q, ENTITY_TABLES, OPERATION_TABLES } from './mysql-rows.js';
import { javaTable, type TableDef } from './mysql-schema.js';

/**
 * The change feed over a database that Java nodes write too. Java writers bump no counter; they
 * leave `DataChange_LastTime` (and ids, row counts and values) behind. A fingerprint of each
 * state table (row count, highest id, XOR of ids, latest `DataChange_LastTime`, XOR of a CRC of
 * every row) changes with any insert, update or delete. Every batch of ours stores the fingerprint
 * it leaves, next to the revision it takes; a poll that finds the live fingerprint different from
 * the stored one has found a foreign write and takes a new revision for it (once, whichever of our
 * nodes sees it first).
 */

type Db = Pool | PoolConnection;

export interface Fingerprint {
  /** Of the operation tables (pull-outs of instances, servers, zones, groups). */
  operations: string;
  /** Of the routing tables (the entity kinds). */
  entities: string;
}


function tableSql(t: TableDef): string {
  const columns = ['ID', ...t.columns.map((c) => c.name)].map((c) => `IFNULL(${q(c)}, 'NULL')`).join(', ');
  return (
    `SELECT '${t.name}' AS t, COUNT(*) AS n, IFNULL(MAX(ID), 0) AS mx, IFNULL(BIT_XOR(ID), 0) AS bx, ` +
    `IFNULL(UNIX_TIMESTAMP(MAX(DataChange_LastTime)), 0) AS lt, IFNULL(BIT_XOR(CRC32(CONCAT_WS(0x1f, ${columns}))), 0) AS cx FROM ${q(t.name)}`
  );
}

const OPERATION_NAMES = Object.values(OPERATION_TABLES).map((o) => o.table);
const ENTITY_NAMES = Object.values(ENTITY_TABLES).map((m) => m.table.name);
const FINGERPRINT_SQL = [...OPERATION_NAMES, ...ENTITY_NAMES].map((name) => tableSql(javaTable(name))).join(' UNION ALL ');

/** Reads the live fingerprint (one statement, so one consistent view). */
export async function readFingerprint(db: Db): Promise<Fingerprint> {
  const [rows] = await db.query<RowDataPacket[]>(FINGERPRINT_SQL);
  const part = (names: string[]) =>
    names
      .map((name) => {
        const r = rows.find((row) => row.t === name);
        return r === undefined ? `${name}:-` : `${name}:${String(r.n)}:${String(r.mx)}:${String(r.bx)}:${String(r.lt)}:${String(r.cx)}`;
      })
      .join('|');
  return { operations: part(OPERATION_NAMES), entities: part(ENTITY_NAMES) };
}

/** The revision counters and the fingerprint our last batch (or poll) left. */
export interface MetaState {
  revision: number;
  entityRevision: number;
  fingerprint: Fingerprint;
}

/** The rows of `artemis_meta` every store needs; inserted when missing. */
export async function ensureMeta(db: Db): Promise<void> {
  await db.query(
    "INSERT IGNORE INTO artemis_meta (name, value, note) VALUES ('revision', 0, ''), ('entity_revision', 0, ''), ('fingerprint', 0, '')",
  );
  // The first node on a database starts from what is there: a reader loads everything at start anyway.
  const live = await readFingerprint(db);
  await db.query("UPDATE artemis_meta SET note = ? WHERE name = 'fingerprint' AND note = ''", [JSON.stringify(live)]);
}

/** Reads the meta rows; `lock` takes them FOR UPDATE (the batch lock of this store). */
export async function readMeta(db: Db, lock = false): Promise<MetaState> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT name, value, note FROM artemis_meta WHERE name IN ('revision', 'entity_revision', 'fingerprint')${lock ? ' FOR UPDATE' : ''}`,
  );
  const get = (name: string) => rows.find((r) => r.name === name);
  let fingerprint: Fingerprint = { operations: '', entities: '' };
  const note = String(get('fingerprint')?.note ?? '');
  if (note !== '') fingerprint = JSON.parse(note) as Fingerprint;
  return { revision: Number(get('revision')?.value ?? 0), entityRevision: Number(get('entity_revision')?.value ?? 0), fingerprint };
}

/**
 * Takes the next revision inside a locked transaction and records the fingerprint it leaves.
 * `entities` marks the batch as changing entities; a changed routing fingerprint that this batch
 * did not cause (a Java write) marks it too, so that readers reload the routing records.
 */
export async function bumpRevision(conn: PoolConnection, before: MetaState, entities: boolean): Promise<number> {
  const after = await readFingerprint(conn);
  const revision = before.revision + 1;
  const entityChanged = entities || after.entities !== before.fingerprint.entities;
  await conn.query(
    "UPDATE artemis_meta SET value = CASE name WHEN 'fingerprint' THEN value ELSE ? END, note = CASE name WHEN 'fingerprint' THEN ? ELSE note END " +
      `WHERE name IN ('revision', 'fingerprint'${entityChanged ? ", 'entity_revision'" : ''})`,
    [revision, JSON.stringify(after)],
  );
  return revision;
}

export const sameFingerprint = (a: Fingerprint, b: Fingerprint): boolean => a.operations === b.operations && a.entities === b.entities;

/** The store's identity: the `store_id` row of `artemis_meta`, written with `fresh` by the first opener. */
export async function readIdentity(db: Db, fresh: string): Promise<string> {
  await db.query("INSERT IGNORE INTO artemis_meta (name, value, note) VALUES ('store_id', 0, ?)", [fresh]);
  const [rows] = await db.query<RowDataPacket[]>("SELECT note FROM artemis_meta WHERE name = 'store_id'");
  return String(rows[0]?.note ?? '');
}
