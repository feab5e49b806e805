import type { Database } from 'better-sqlite3';
import { StoreSchemaError } from '../store-errors.js';

/**
 * Log fields copied into their own columns (lower-cased) so that the usual filters use an index;
 * every field, these included, is also kept verbatim in the row's JSON.
 */
export const LOG_KEY_COLUMNS: Readonly<Record<string, string>> = {
  regionId: 'region_id',
  serviceId: 'service_id',
  instanceId: 'instance_id',
  serverId: 'server_id',
  zoneId: 'zone_id',
  groupId: 'group_id',
  operation: 'operation',
  operatorId: 'operator_id',
};

const TEXT_CI = 'TEXT NOT NULL COLLATE NOCASE';

/** Schema steps; entry N brings the schema from version N to N + 1. Never edit a released step. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (name, value) VALUES ('revision', 0);

  CREATE TABLE operation (
    identity ${TEXT_CI}, kind ${TEXT_CI}, region_id ${TEXT_CI}, service_id ${TEXT_CI},
    instance_id ${TEXT_CI}, server_id ${TEXT_CI}, zone_id ${TEXT_CI}, group_id ${TEXT_CI},
    operation ${TEXT_CI}, operator_id TEXT NOT NULL, token TEXT NOT NULL,
    create_time INTEGER NOT NULL, update_time INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX operation_identity ON operation (identity);

  CREATE TABLE canary (
    identity ${TEXT_CI}, service_id ${TEXT_CI}, app_id ${TEXT_CI}, region_id TEXT NOT NULL,
    ips TEXT NOT NULL, update_time INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX canary_identity ON canary (identity);

  CREATE TABLE log_seq (tbl TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
  CREATE TABLE log (
    tbl TEXT NOT NULL, id INTEGER NOT NULL, create_time INTEGER NOT NULL,
    ${Object.values(LOG_KEY_COLUMNS).map((c) => `${c} TEXT COLLATE NOCASE`).join(', ')},
    fields TEXT NOT NULL,
    PRIMARY KEY (tbl, id)
  );
  CREATE INDEX log_create_time ON log (create_time);
  CREATE INDEX log_service ON log (tbl, service_id, id);
  CREATE INDEX log_instance ON log (tbl, instance_id, id);
  CREATE INDEX log_server ON log (tbl, server_id, id);
  CREATE INDEX log_group ON log (tbl, group_id, id);
  CREATE INDEX log_operator ON log (tbl, operator_id, id);
  `,
  // 2: entity records. Keys compare exactly (BINARY); ids come from entity_seq, so they are never reused.
  `
  CREATE TABLE entity (
    kind TEXT NOT NULL, id INTEGER NOT NULL, key TEXT NOT NULL, fields TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE UNIQUE INDEX entity_key ON entity (kind, key);
  CREATE TABLE entity_seq (kind TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
  INSERT OR IGNORE INTO meta (name, value) VALUES ('entity_revision', 0);
  `,
  // 3: the store's identity (one row, written once by readIdentity).
  `
  CREATE TABLE store_identity (id TEXT NOT NULL);
  `,
  // 4: API tokens (only their hashes). name_key is the case-folded name, unique.
  `
  CREATE TABLE token (id TEXT PRIMARY KEY, name_key TEXT NOT NULL, body TEXT NOT NULL, create_time INTEGER NOT NULL);
  CREATE UNIQUE INDEX token_name ON token (name_key);
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to {@link SCHEMA_VERSION} in one immediate transaction, so that several
 * processes opening the same new file at once migrate it exactly once.
 * @throws StoreSchemaError when the file was written by a newer build.
 */
export function migrate(db: Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    const from = row?.version ?? 0;
    if (from > SCHEMA_VERSION) {
      throw new StoreSchemaError(`The database has schema version ${from}; this build knows up to ${SCHEMA_VERSION}.`);
    }
    for (const step of MIGRATIONS.slice(from)) db.exec(step);
    if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
    else db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION);
  }).immediate();
}

/** The store's identity: the one row of `store_identity`, written with `fresh` by the first opener. */
export function readIdentity(db: Database, fresh: string): string {
  db.prepare('INSERT INTO store_identity (id) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM store_identity)').run(fresh);
  return (db.prepare('SELECT id FROM store_identity LIMIT 1').get() as { id: string }).id;
}
