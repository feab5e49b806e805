import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { TokenRow } from '../management-store.js';
import { StoreInputError, StoreSchemaError } from '../store-errors.js';
import { checkTokenRow, foldCase, tokenFromJson } from '../store-input.js';

/** The `token` table: one row per API token (its hash, never the secret); each change takes a revision. */
export class SqliteTokens {
  private readonly all: Statement<[], { body: string }>;
  private readonly taken: Statement<[string, string], { id: string }>;
  private readonly insert: Statement<[string, string, string, number]>;
  private readonly remove: Statement<[string]>;
  private readonly bump: Statement<[], { value: number }>;
  private readonly addTx: Transaction<(row: TokenRow) => number>;
  private readonly removeTx: Transaction<(id: string) => number | undefined>;

  constructor(db: Database) {
    this.all = db.prepare('SELECT body FROM token ORDER BY create_time, rowid');
    this.taken = db.prepare('SELECT id FROM token WHERE id = ? OR name_key = ?');
    this.insert = db.prepare('INSERT INTO token (id, name_key, body, create_time) VALUES (?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM token WHERE id = ?');
    this.bump = db.prepare("UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value");
    this.addTx = db.transaction((row: TokenRow) => {
      if (this.taken.get(row.id, foldCase(row.name)) !== undefined) throw new StoreInputError(`A token with id ${row.id} or name ${row.name} exists.`);
      this.insert.run(row.id, foldCase(row.name), JSON.stringify(row), row.createTime);
      return this.revision();
    });
    this.removeTx = db.transaction((id: string) => (this.remove.run(id).changes > 0 ? this.revision() : undefined));
  }

  list(): TokenRow[] {
    return this.all.all().map((r) => tokenFromJson(r.body));
  }

  /** Adds a checked row; returns the new revision. */
  add(row: TokenRow): number {
    return this.addTx.immediate(checkTokenRow(row));
  }

  /** Removes a token; returns the new revision, or undefined when there was none. */
  removeById(id: string): number | undefined {
    return this.removeTx.immediate(id);
  }

  private revision(): number {
    const bumped = this.bump.get();
    if (bumped === undefined) throw new StoreSchemaError('The revision row is missing from the SQLite database.');
    return bumped.value;
  }
}
