import type { Pool, RowDataPacket } from 'mysql2/promise';
import { StoreSchemaError } from '../store-errors.js';
import { JAVA_TABLES, SIDE_TABLES, javaDdl, type ColumnDef, type TableDef } from './mysql-schema.js';

interface ColumnInfo {
  table: string;
  column: string;
  columnType: string;
  nullable: boolean;
  extra: string;
}

interface IndexInfo {
  table: string;
  index: string;
  unique: boolean;
  columns: string[];
}

/** What the database holds, as information_schema tells it. */
export interface SchemaSnapshot {
  columns: ColumnInfo[];
  indexes: IndexInfo[];
}

const lower = (s: string) => s.toLowerCase();

/** `bigint(20)` and MySQL 8's `bigint` are the same type; `tinyint(1)` keeps its width (it marks a boolean). */
function baseType(columnType: string): { base: string; length?: number } {
  const t = lower(columnType.trim()).replace(/\s+unsigned$/, '');
  const m = /^([a-z]+)(?:\((\d+)\))?/.exec(t);
  if (m === null) return { base: t };
  const [, base = t, length] = m;
  if (base === 'varchar' || base === 'char') return { base: 'varchar', length: Number(length) };
  if (base === 'tinyint') return { base: length === undefined || length === '1' ? 'tinyint(1)' : `tinyint(${length})` };
  if (base === 'integer') return { base: 'int' };
  return { base };
}

function columnProblem(t: TableDef, want: ColumnDef | { name: string; sqlType: string; nullable: boolean }, have: ColumnInfo | undefined): string | undefined {
  const where = `${t.name}.${want.name}`;
  if (have === undefined) return `column ${where} is missing`;
  const w = baseType(want.sqlType);
  const h = baseType(have.columnType);
  if (w.base !== h.base) return `column ${where} is ${have.columnType}, expected ${want.sqlType}`;
  if (w.length !== undefined && (h.length ?? 0) < w.length) return `column ${where} is ${have.columnType}, shorter than ${want.sqlType}`;
  if (want.nullable && !have.nullable) return `column ${where} is NOT NULL, expected nullable`;
  return undefined;
}

/**
 * Compares the tables the database holds with the Java schema. Returns the differences that
 * this store cannot work with (a missing table, column or unique key, another column type, a
 * shorter text column, NOT NULL where NULL is written); an empty list when it is compatible.
 * Extra columns, extra indexes and wider text columns are fine.
 */
export function schemaProblems(snapshot: SchemaSnapshot): string[] {
  const problems: string[] = [];
  for (const t of JAVA_TABLES) {
    const columns = new Map(snapshot.columns.filter((c) => lower(c.table) === t.name).map((c) => [lower(c.column), c]));
    if (columns.size === 0) {
      problems.push(`table ${t.name} is missing`);
      continue;
    }
    const id = columns.get('id');
    const idProblem = columnProblem(t, { name: 'ID', sqlType: 'bigint(20)', nullable: false }, id);
    if (idProblem !== undefined) problems.push(idProblem);
    else if (!lower(id!.extra).includes('auto_increment')) problems.push(`column ${t.name}.ID is not AUTO_INCREMENT`);
    for (const [name, type] of [['CREATE_TIME', 'datetime'], ['DataChange_LastTime', 'timestamp']] as const) {
      const p = columnProblem(t, { name, sqlType: type, nullable: false }, columns.get(lower(name)));
      if (p !== undefined) problems.push(p);
    }
    for (const c of t.columns) {
      const p = columnProblem(t, c, columns.get(lower(c.name)));
      if (p !== undefined) problems.push(p);
    }
    const uniques = snapshot.indexes.filter((i) => lower(i.table) === t.name && i.unique);
    for (const [name, cols] of Object.entries(t.unique)) {
      const want = cols.map(lower).sort().join(',');
      if (!uniques.some((i) => i.columns.map(lower).sort().join(',') === want)) {
        problems.push(`table ${t.name} has no unique key on (${cols.join(', ')}) (${name} in the Java schema)`);
      }
    }
  }
  return problems;
}

/** Reads the columns and indexes of the current database. */
export async function readSchema(pool: Pool): Promise<SchemaSnapshot> {
  const [columnRows] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ct, IS_NULLABLE AS n, EXTRA AS e
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
  );
  const [indexRows] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, COLUMN_NAME AS c
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  const indexes = new Map<string, IndexInfo>();
  for (const r of indexRows) {
    const key = `${String(r.t)}\u0000${String(r.i)}`;
    let index = indexes.get(key);
    if (index === undefined) {
      index = { table: String(r.t), index: String(r.i), unique: Number(r.nu) === 0, columns: [] };
      indexes.set(key, index);
    }
    index.columns.push(String(r.c));
  }
  return {
    columns: columnRows.map((r) => ({ table: String(r.t), column: String(r.c), columnType: String(r.ct), nullable: r.n === 'YES', extra: String(r.e ?? '') })),
    indexes: [...indexes.values()],
  };
}

/** What {@link prepareSchema} did. */
export interface SchemaOutcome {
  /** True when the Java tables were created because none existed. */
  createdJavaTables: boolean;
}

/**
 * Makes the database usable: creates the 20 Java tables when none of them exists, checks them
 * otherwise, and creates this store's own side tables when missing. A Java table is never altered.
 * @throws StoreSchemaError naming every difference when the Java tables are incompatible.
 */
export async function prepareSchema(pool: Pool, database: string): Promise<SchemaOutcome> {
  let snapshot = await readSchema(pool);
  const present = new Set(snapshot.columns.map((c) => lower(c.table)));
  const javaPresent = JAVA_TABLES.filter((t) => present.has(t.name));
  let createdJavaTables = false;
  if (javaPresent.length === 0) {
    for (const ddl of javaDdl()) await pool.query(ddl.replace(/^CREATE TABLE/, 'CREATE TABLE IF NOT EXISTS'));
    createdJavaTables = true;
    snapshot = await readSchema(pool);
  }
  const problems = schemaProblems(snapshot);
  if (problems.length > 0) {
    throw new StoreSchemaError(
      `The MySQL database ${database} does not hold a compatible Java Artemis schema (nothing was changed): ${problems.join('; ')}.`,
    );
  }
  for (const ddl of SIDE_TABLES) await pool.query(ddl);
  return { createdJavaTables };
}
