import type { Database, Statement, Transaction } from 'better-sqlite3';
import {
  type CanaryRow,
  type EntityFields,
  type EntityKind,
  type EntityRecord,
  type EntityWrite,
  type LogRecord,
  type LogTable,
  type OperationRow,
  type WriteBatch,
} from '../management-store.js';
import { StoreSchemaError } from '../store-errors.js';
import { checkCanaryRow, checkEntityKind, checkEntityWrites, checkLogTable, checkOperationRow, checkTime, entityRecord, foldCase, storedLogFields } from '../store-input.js';
import { SqliteLogs } from './sqlite-logs.js';

const OPERATION_COLUMNS = [
  ['kind', 'kind'],
  ['regionId', 'region_id'],
  ['serviceId', 'service_id'],
  ['instanceId', 'instance_id'],
  ['serverId', 'server_id'],
  ['zoneId', 'zone_id'],
  ['groupId', 'group_id'],
  ['operation', 'operation'],
  ['operatorId', 'operator_id'],
  ['token', 'token'],
] as const;

const UPSERT_OPERATION = `
  INSERT INTO operation (identity, ${OPERATION_COLUMNS.map(([, c]) => c).join(', ')}, create_time, update_time)
  VALUES (${Array(OPERATION_COLUMNS.length + 3).fill('?').join(', ')})
  ON CONFLICT (identity) DO UPDATE SET operator_id = excluded.operator_id, token = excluded.token, update_time = excluded.update_time`;

const UPSERT_CANARY = `
  INSERT INTO canary (identity, service_id, app_id, region_id, ips, update_time) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (identity) DO UPDATE SET region_id = excluded.region_id, ips = excluded.ips, update_time = excluded.update_time`;

/**
 * The identity as the port defines it (see `operationIdentity`), encoded as a JSON array: SQLite
 * text comparison stops at the NUL that the port's own encoding uses as a separator.
 */
function identityText(parts: string[]): string {
  return JSON.stringify(parts.map(foldCase));
}

const operationKey = (r: OperationRow) => identityText([r.kind, r.regionId, r.serviceId, r.instanceId, r.serverId, r.zoneId, r.groupId, r.operation]);

/** Entity records in the `entity` table; ids come from a per-kind sequence row in `entity_seq`. */
class SqliteEntities {
  private readonly nextId: Statement<[string], { last_id: number }>;
  private readonly byKey: Statement<[string, string], { id: number; fields: string }>;
  private readonly byId: Statement<[string, number], { fields: string }>;
  private readonly insert: Statement<[string, number, string, string]>;
  private readonly update: Statement<[string, string, number]>;
  private readonly remove: Statement<[string, number]>;
  private readonly all: Statement<[string], { id: number; key: string; fields: string }>;

  constructor(db: Database) {
    this.nextId = db.prepare(
      'INSERT INTO entity_seq (kind, last_id) VALUES (?, 1) ON CONFLICT (kind) DO UPDATE SET last_id = last_id + 1 RETURNING last_id',
    );
    this.byKey = db.prepare('SELECT id, fields FROM entity WHERE kind = ? AND key = ?');
    this.byId = db.prepare('SELECT fields FROM entity WHERE kind = ? AND id = ?');
    this.insert = db.prepare('INSERT INTO entity (kind, id, key, fields) VALUES (?, ?, ?, ?)');
    this.update = db.prepare('UPDATE entity SET fields = ? WHERE kind = ? AND id = ?');
    this.remove = db.prepare('DELETE FROM entity WHERE kind = ? AND id = ?');
    this.all = db.prepare('SELECT id, key, fields FROM entity WHERE kind = ? ORDER BY id');
  }

  /** Applies one checked write; call inside the batch's transaction. */
  apply(write: EntityWrite): void {
    switch (write.op) {
      case 'put': {
        const found = this.byKey.get(write.kind, write.key);
        if (found !== undefined) {
          this.merge(write.kind, found.id, found.fields, write.update);
        } else {
          const next = this.nextId.get(write.kind);
          if (next === undefined) throw new StoreSchemaError('The entity sequence did not return an id.');
          this.insert.run(write.kind, next.last_id, write.key, JSON.stringify(write.create));
        }
        return;
      }
      case 'patch': {
        const found = this.byId.get(write.kind, write.id);
        if (found !== undefined) this.merge(write.kind, write.id, found.fields, write.update);
        return;
      }
      case 'copy': {
        const found = this.byId.get(write.kind, write.id);
        if (found === undefined) return;
        const fields = JSON.parse(found.fields) as EntityFields;
        this.merge(write.kind, write.id, found.fields, { [write.to]: Object.hasOwn(fields, write.from) ? fields[write.from]! : null });
        return;
      }
      case 'delete':
        this.remove.run(write.kind, write.id);
        return;
    }
  }

  /** Every record of `kind`, by increasing id. */
  list(kind: EntityKind): EntityRecord[] {
    return this.all.all(kind).map((row) => entityRecord(row.id, row.key, JSON.parse(row.fields) as EntityFields));
  }

  private merge(kind: EntityKind, id: number, stored: string, update: EntityFields): void {
    this.update.run(JSON.stringify({ ...(JSON.parse(stored) as EntityFields), ...update }), kind, id);
  }
}

/** The prepared statements of an open SQLite store, and the transaction that applies a batch. */
export class SqliteTables {
  readonly logs: SqliteLogs;
  private readonly entityRecords: SqliteEntities;
  private readonly upsertOperation: Statement<unknown[]>;
  private readonly removeOperation: Statement<[string]>;
  private readonly upsertCanary: Statement<unknown[]>;
  private readonly bumpRevision: Statement<[], { value: number }>;
  private readonly readRevision: Statement<[], { value: number }>;
  private readonly readEntityRevision: Statement<[], { value: number }>;
  private readonly markEntityRevision: Statement<[number]>;
  private readonly readOperations: Statement<[], OperationRow>;
  private readonly readCanaries: Statement<[], Omit<CanaryRow, 'ips'> & { ips: string }>;
  private readonly applyBatch: (batch: WriteBatch, now: number) => number;
  private readonly importTx: Transaction<(table: LogTable, rows: LogRecord[]) => void>;

  constructor(db: Database) {
    this.logs = new SqliteLogs(db);
    this.entityRecords = new SqliteEntities(db);
    this.upsertOperation = db.prepare(UPSERT_OPERATION);
    this.removeOperation = db.prepare('DELETE FROM operation WHERE identity = ?');
    this.upsertCanary = db.prepare(UPSERT_CANARY);
    this.bumpRevision = db.prepare("UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value");
    this.readRevision = db.prepare("SELECT value FROM meta WHERE name = 'revision'");
    this.readEntityRevision = db.prepare("SELECT value FROM meta WHERE name = 'entity_revision'");
    this.markEntityRevision = db.prepare("UPDATE meta SET value = ? WHERE name = 'entity_revision'");
    this.readOperations = db.prepare(`SELECT ${OPERATION_COLUMNS.map(([f, c]) => `${c} AS ${f}`).join(', ')} FROM operation ORDER BY rowid`);
    this.readCanaries = db.prepare('SELECT service_id AS serviceId, app_id AS appId, region_id AS regionId, ips FROM canary ORDER BY rowid');
    this.importTx = db.transaction((table: LogTable, rows: LogRecord[]) => {
      for (const row of rows) this.logs.restore(table, row.id, checkTime(row.createTime), storedLogFields(row));
    });
    const tx = db.transaction((batch: WriteBatch, now: number) => this.apply(batch, now));
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
    this.applyBatch = (batch, now) => tx.immediate(batch, now);
  }

  /** Applies a batch in one transaction and returns the new revision; anything thrown rolls it all back. */
  write(batch: WriteBatch, now: number): number {
    return this.applyBatch(batch, now);
  }

  /** Appends log rows with their own ids and times, in one transaction (see ManagementStore.importLogs). */
  importLogs(table: LogTable, rows: LogRecord[]): void {
    this.importTx.immediate(table, rows);
  }

  /** The revision of the last committed batch (0 for a new file). */
  revision(): number {
    return this.readRevision.get()?.value ?? 0;
  }

  /** The revision of the last batch with entity writes (0 before any). */
  entityRevision(): number {
    return this.readEntityRevision.get()?.value ?? 0;
  }

  /** Every operation row, in insertion order. */
  operations(): OperationRow[] {
    return this.readOperations.all().map((row) => ({ ...row }));
  }

  /** Every canary row, in insertion order. */
  canaries(): CanaryRow[] {
    return this.readCanaries.all().map((row) => ({ ...row, ips: JSON.parse(row.ips) as string[] }));
  }

  /** Every entity record of one kind, by increasing id. */
  entities(kind: EntityKind): EntityRecord[] {
    return this.entityRecords.list(checkEntityKind(kind));
  }

  private apply(batch: WriteBatch, now: number): number {
    for (const row of batch.upsert ?? []) {
      checkOperationRow(row);
      this.upsertOperation.run(operationKey(row), ...OPERATION_COLUMNS.map(([f]) => row[f]), now, now);
    }
    for (const row of batch.remove ?? []) {
      checkOperationRow(row);
      this.removeOperation.run(operationKey(row));
    }
    for (const row of batch.canary ?? []) {
      checkCanaryRow(row);
      this.upsertCanary.run(identityText([row.serviceId, row.appId]), row.serviceId, row.appId, row.regionId, JSON.stringify(row.ips), now);
    }
    const entityWrites = checkEntityWrites(batch);
    for (const write of entityWrites) this.entityRecords.apply(write);
    for (const log of batch.logs ?? []) this.logs.append(checkLogTable(log.table), storedLogFields(log.fields), now);
    const bumped = this.bumpRevision.get();
    if (bumped === undefined) throw new StoreSchemaError('The revision row is missing from the SQLite database.');
    if (entityWrites.length > 0) this.markEntityRevision.run(bumped.value);
    return bumped.value;
  }
}
