import { createHash } from 'node:crypto';
import type { EntityFields, EntityKind, LogTable, LogValue, OperationKind } from '../management-store.js';
import { javaTable, type ColumnDef, type TableDef } from './mysql-schema.js';

/**
 * How records of the port map onto Java rows: which field is which column, what a Java row reads
 * as, and when a record fits a Java row at all. A record that does not fit (a field the table has
 * no column for, a value of another type, text longer than the column or outside utf8's three
 * bytes, a key that is not the one the Java row implies) is kept in this store's side tables
 * instead, so nothing written is ever lost or altered.
 */

/** A backtick-quoted identifier (the Java tables use upper-case and reserved-word column names). */
export const q = (name: string): string => `\`${name}\``;

/** The SHA-256 of a key, the fixed-width identity column of the side tables. */
export const keyHash = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export interface FieldColumn {
  field: string;
  column: ColumnDef;
}

/** A Java table with the record fields its columns hold. */
export interface MappedTable {
  table: TableDef;
  fields: FieldColumn[];
  /** Fields every row of this table reads with a fixed value (there is no column for them). */
  constants?: Record<string, LogValue>;
}

function mapped(tableName: string, pairs: Array<[string, string]>, constants?: Record<string, LogValue>): MappedTable {
  const table = javaTable(tableName);
  const fields = pairs.map(([field, columnName]) => {
    const column = table.columns.find((c) => c.name === columnName);
    if (column === undefined) throw new Error(`No column ${tableName}.${columnName}`);
    return { field, column };
  });
  return { table, fields, ...(constants === undefined ? {} : { constants }) };
}

const AUDIT: Array<[string, string]> = [
  ['operation', 'OPERATION'],
  ['operatorId', 'OPERATOR_ID'],
  ['token', 'TOKEN'],
];

const SERVICE_INSTANCE: Array<[string, string]> = [
  ['serviceId', 'SERVICE_ID'],
  ['instanceId', 'INSTANCE_ID'],
  ['ip', 'IP'],
  ['machineName', 'MACHINE_NAME'],
  ['metadata', 'METADATA'],
  ['port', 'PORT'],
  ['protocol', 'PROTOCOL'],
  ['regionId', 'REGION_ID'],
  ['zoneId', 'ZONE_ID'],
  ['groupId', 'GROUP_ID'],
  ['healthCheckUrl', 'HEALTHY_CHECK_URL'],
  ['url', 'URL'],
];

/** Entity kinds and their Java tables. */
export const ENTITY_TABLES: Readonly<Record<EntityKind, MappedTable>> = {
  group: mapped('service_group', [
    ['serviceId', 'SERVICE_ID'],
    ['regionId', 'REGION_ID'],
    ['zoneId', 'ZONE_ID'],
    ['name', 'NAME'],
    ['appId', 'APP_ID'],
    ['description', 'DESCRIPTION'],
    ['status', 'STATUS'],
    ['deleted', 'DELETED'],
  ]),
  'route-rule': mapped('service_route_rule', [
    ['serviceId', 'SERVICE_ID'],
    ['name', 'NAME'],
    ['description', 'DESCRIPTION'],
    ['status', 'STATUS'],
    ['strategy', 'strategy'],
    ['deleted', 'DELETED'],
  ]),
  'route-rule-group': mapped('service_route_rule_group', [
    ['routeRuleId', 'ROUTE_RULE_ID'],
    ['groupId', 'GROUP_ID'],
    ['weight', 'WEIGHT'],
    ['unreleasedWeight', 'UNRELEASED_WEIGHT'],
  ]),
  'group-tag': mapped('service_group_tag', [
    ['groupId', 'GROUP_ID'],
    ['tag', 'TAG'],
    ['value', 'VALUE'],
  ]),
  'group-instance': mapped('service_group_instance', [
    ['groupId', 'GROUP_ID'],
    ['instanceId', 'INSTANCE_ID'],
  ]),
  'service-instance': mapped('service_instance', [...SERVICE_INSTANCE, ['description', 'DESCRIPTION']]),
};

/** Log tables of the port and their Java tables (service_group_tag_log has no writer). */
export const LOG_TABLE_MAP: Readonly<Record<LogTable, MappedTable>> = {
  'instance-operation': mapped('instance_log', [
    ['regionId', 'REGION_ID'],
    ['serviceId', 'SERVICE_ID'],
    ['instanceId', 'INSTANCE_ID'],
    ...AUDIT,
    ['complete', 'COMPLETE'],
    ['extensions', 'EXTENSIONS'],
  ]),
  'server-operation': mapped('server_log', [['regionId', 'REGION_ID'], ['serverId', 'SERVER_ID'], ...AUDIT, ['complete', 'COMPLETE'], ['extensions', 'EXTENSIONS']]),
  'zone-operation': mapped('service_zone_log', [['regionId', 'REGION_ID'], ['serviceId', 'SERVICE_ID'], ['zoneId', 'ZONE_ID'], ...AUDIT, ['complete', 'COMPLETE']]),
  'group-operation': mapped('service_group_operation_log', [['groupId', 'GROUP_ID'], ...AUDIT, ['complete', 'COMPLETE'], ['extensions', 'EXTENSIONS'], ['reason', 'reason']]),
  group: mapped('service_group_log', [
    ['serviceId', 'SERVICE_ID'],
    ['regionId', 'REGION_ID'],
    ['zoneId', 'ZONE_ID'],
    ['name', 'NAME'],
    ['appId', 'APP_ID'],
    ['status', 'STATUS'],
    ...AUDIT,
    ['extensions', 'EXTENSIONS'],
    ['reason', 'REASON'],
  ]),
  'route-rule': mapped(
    'service_route_rule_log',
    [['serviceId', 'SERVICE_ID'], ['name', 'NAME'], ['status', 'STATUS'], ...AUDIT, ['extensions', 'EXTENSIONS'], ['reason', 'REASON']],
    { complete: false },
  ),
  'route-rule-group': mapped('service_route_rule_group_log', [
    ['routeRuleId', 'ROUTE_RULE_ID'],
    ['groupId', 'GROUP_ID'],
    ['weight', 'WEIGHT'],
    ...AUDIT,
    ['extensions', 'EXTENSIONS'],
    ['reason', 'REASON'],
  ]),
  'group-instance': mapped('service_group_instance_log', [['groupId', 'GROUP_ID'], ['instanceId', 'INSTANCE_ID'], ...AUDIT, ['reason', 'REASON']]),
  'service-instance': mapped('service_instance_log', [...SERVICE_INSTANCE, ...AUDIT]),
};

/** Operation kinds: the Java table and which row fields are its identity columns. */
export const OPERATION_TABLES: Readonly<Record<OperationKind, { table: string; key: Array<[string, string]>; audit: boolean }>> = {
  instance: { table: 'instance', key: [['regionId', 'REGION_ID'], ['serviceId', 'SERVICE_ID'], ['instanceId', 'INSTANCE_ID'], ['operation', 'OPERATION']], audit: true },
  server: { table: 'server', key: [['regionId', 'REGION_ID'], ['serverId', 'SERVER_ID'], ['operation', 'OPERATION']], audit: true },
  zone: { table: 'service_zone', key: [['regionId', 'REGION_ID'], ['serviceId', 'SERVICE_ID'], ['zoneId', 'ZONE_ID'], ['operation', 'OPERATION']], audit: false },
  group: { table: 'service_group_operation', key: [['groupId', 'GROUP_ID'], ['operation', 'OPERATION']], audit: false },
};

/** Highest value of an `int(11)` column. */
const INT_MAX = 2_147_483_647;
/** Text outside the Basic Multilingual Plane needs four bytes, which a utf8 (three-byte) column cannot hold. */
const ASTRAL = /[\uD800-\uDFFF]/;
/** A canonical decimal id, as group ids are written into bigint columns. */
const DECIMAL_ID = /^(0|[1-9]\d{0,15})$/;

/** Whether a value can be stored in a column and read back as the same value. */
export function fitsColumn(column: ColumnDef, value: LogValue): boolean {
  if (value === null) return column.nullable && column.type !== 'bool';
  switch (column.type) {
    case 'text':
      return typeof value === 'string' && value.length <= (column.maxChars ?? 255) && !ASTRAL.test(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && (column.sqlType.startsWith('bigint') || Math.abs(value) <= INT_MAX);
    case 'bool':
      return typeof value === 'boolean';
  }
}

/** Text that fits a varchar identity column of the Java schema (compared by its collation). */
export function fitsText(value: string, maxChars = 255): boolean {
  return value.length <= maxChars && !ASTRAL.test(value) && !value.includes('\u0000') && value === value.trimEnd();
}

/** Whether an operation's group id can be held by the bigint GROUP_ID column. */
export function isDecimalId(value: string): boolean {
  return DECIMAL_ID.test(value) && Number.isSafeInteger(Number(value));
}

/** The SQL parameter for a field value in a column (booleans as 0/1). */
export function toSql(value: LogValue): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** A column value as the record field a Java reader sees. A NULL DELETED reads as deleted, as the Java readers treat it. */
export function fromSql(column: ColumnDef, value: unknown): LogValue {
  if (column.type === 'bool') return value === null || value === undefined ? column.name === 'DELETED' : Number(value) !== 0;
  if (value === null || value === undefined) return column.nullable ? null : column.type === 'int' ? 0 : '';
  if (column.type === 'int') return Number(value);
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

/** The fields a Java row of a mapped table reads as. */
export function rowFields(m: MappedTable, row: Record<string, unknown>): EntityFields {
  const out: EntityFields = {};
  for (const { field, column } of m.fields) out[field] = fromSql(column, row[column.name]);
  return { ...out, ...m.constants };
}

/** Whether a record's fields are exactly the fields of a Java row of `m`, each fitting its column. */
export function fitsRow(m: MappedTable, fields: EntityFields): boolean {
  const names = Object.keys(fields);
  const expected = m.fields.length + Object.keys(m.constants ?? {}).length;
  if (names.length !== expected) return false;
  for (const [name, value] of Object.entries(m.constants ?? {})) if (fields[name] !== value) return false;
  return m.fields.every(({ field, column }) => Object.hasOwn(fields, field) && fitsColumn(column, fields[field] as LogValue));
}

const fold = (v: LogValue | undefined) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v)).trim().toLowerCase();

/**
 * The key a record of each kind has when it lives in a Java row, derived from its fields. These
 * are the keys the management layer gives its records (management/routing/routing-records.ts,
 * `recordKeys`); the MySQL integration test checks that both agree.
 */
export const JAVA_KEYS: Readonly<Record<EntityKind, (f: EntityFields) => string>> = {
  group: (f) =>
    [f.serviceId, f.regionId, f.zoneId, f.name]
      .map((p) => (typeof p === 'string' ? p : '').trim())
      .filter((p) => p !== '')
      .join('/')
      .toLowerCase(),
  'route-rule': (f) => `${fold(f.serviceId)}\u0000${fold(f.name)}`,
  'route-rule-group': (f) => `${String(f.routeRuleId)}:${String(f.groupId)}`,
  'group-tag': (f) => `${String(f.groupId)}\u0000${fold(f.tag)}`,
  'group-instance': (f) => `${String(f.groupId)}\u0000${fold(f.instanceId)}`,
  'service-instance': (f) => `${fold(f.serviceId)}\u0000${fold(f.instanceId)}`,
};

/** The column a side-id reservation writes a unique placeholder into (see mysql-entities.ts). */
export const PLACEHOLDER_COLUMN: Readonly<Record<EntityKind, string>> = {
  group: 'NAME',
  'route-rule': 'NAME',
  'route-rule-group': 'ROUTE_RULE_ID',
  'group-tag': 'TAG',
  'group-instance': 'INSTANCE_ID',
  'service-instance': 'INSTANCE_ID',
};
