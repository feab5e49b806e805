/**
 * The Java registry's management schema (management spec 9.1): 20 tables, each with an `ID`
 * auto-increment key, `CREATE_TIME` and an indexed `DataChange_LastTime`. Tables are described
 * once here; the DDL, the start-up comparison and the row mapping all derive from this.
 */

/** How a column's value reads as a record field. */
export type ValueType = 'text' | 'int' | 'bool';

export interface ColumnDef {
  name: string;
  type: ValueType;
  /** The SQL type as information_schema shows it (`COLUMN_TYPE`). */
  sqlType: string;
  nullable: boolean;
  /** The DEFAULT clause, SQL text. */
  defaultSql: string;
  /** Most characters a text column holds. */
  maxChars?: number;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  /** Unique keys: index name → columns. */
  unique: Record<string, string[]>;
  /** Other keys: index name → columns. */
  keys: Record<string, string[]>;
}

const text = (name: string, chars = 255, nullable = false, defaultSql = "''"): ColumnDef => ({
  name,
  type: 'text',
  sqlType: `varchar(${chars})`,
  nullable,
  defaultSql,
  maxChars: chars,
});
const nullableText = (name: string, chars: number, defaultSql = 'NULL'): ColumnDef => text(name, chars, true, defaultSql);
const bigint = (name: string): ColumnDef => ({ name, type: 'int', sqlType: 'bigint(20)', nullable: false, defaultSql: "'0'" });
const int = (name: string, nullable: boolean, defaultSql: string): ColumnDef => ({ name, type: 'int', sqlType: 'int(11)', nullable, defaultSql });
const flag = (name: string, nullable: boolean): ColumnDef => ({ name, type: 'bool', sqlType: 'tinyint(1)', nullable, defaultSql: "'0'" });
const extensions = (): ColumnDef => text('EXTENSIONS', 2048, false, "'{}'");
const reason = (name = 'REASON'): ColumnDef => nullableText(name, 128, "''");

const table = (name: string, columns: ColumnDef[], unique: Record<string, string[]> = {}, keys: Record<string, string[]> = {}): TableDef => ({
  name,
  columns,
  unique,
  keys,
});

const serviceInstanceColumns = (): ColumnDef[] => [
  text('SERVICE_ID'),
  text('INSTANCE_ID'),
  text('IP'),
  text('MACHINE_NAME'),
  text('METADATA', 1024),
  int('PORT', false, "'80'"),
  text('PROTOCOL', 16, false, "'http'"),
  text('REGION_ID', 16),
  text('ZONE_ID', 128),
  text('GROUP_ID'),
  text('HEALTHY_CHECK_URL', 512),
  text('URL', 512),
];

/** The 20 tables, in the order the DDL creates them. */
export const JAVA_TABLES: readonly TableDef[] = [
  table('instance', [text('INSTANCE_ID'), text('SERVICE_ID'), text('REGION_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN')], {
    INSTANCE_ID: ['INSTANCE_ID', 'SERVICE_ID', 'REGION_ID', 'OPERATION'],
  }),
  table('server', [text('SERVER_ID'), text('REGION_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN')], { SERVER_ID: ['SERVER_ID', 'REGION_ID', 'OPERATION'] }),
  table('service_zone', [text('SERVICE_ID'), text('ZONE_ID'), text('REGION_ID'), text('OPERATION')], {
    SERVICE_REGION_ZONE: ['SERVICE_ID', 'REGION_ID', 'ZONE_ID', 'OPERATION'],
  }),
  table('service_group_operation', [bigint('GROUP_ID'), text('OPERATION')], { GROUP_OPEATION: ['GROUP_ID', 'OPERATION'] }),
  table(
    'service_group',
    [
      text('SERVICE_ID'),
      text('REGION_ID'),
      text('ZONE_ID'),
      text('NAME'),
      text('APP_ID'),
      nullableText('DESCRIPTION', 1024),
      text('STATUS'),
      flag('DELETED', true),
      text('type', 64, false, "'physical'"),
    ],
    { SERVICE_REGION_ZONE_GROUP: ['SERVICE_ID', 'REGION_ID', 'ZONE_ID', 'NAME'] },
    { SERVICE: ['SERVICE_ID'], STATUS: ['STATUS'], DELETED: ['DELETED'] },
  ),
  table('service_group_tag', [bigint('GROUP_ID'), text('TAG'), text('VALUE')], { GROUP_TAG: ['GROUP_ID', 'TAG'] }),
  table('service_group_instance', [bigint('GROUP_ID'), text('INSTANCE_ID')], { GROUP_INSTANCE: ['GROUP_ID', 'INSTANCE_ID'] }),
  table('service_instance', [...serviceInstanceColumns(), nullableText('DESCRIPTION', 1024)], { SERVICE_INSTANCE: ['SERVICE_ID', 'INSTANCE_ID'] }, { SERVICE: ['SERVICE_ID'] }),
  table(
    'service_route_rule',
    [text('SERVICE_ID'), text('NAME'), nullableText('DESCRIPTION', 1024), text('STATUS'), flag('DELETED', true), text('strategy', 64, false, "'weighted-round-robin'")],
    { SERVICE_ROUTE_RULE_NAME: ['SERVICE_ID', 'NAME'] },
    { SERVICE: ['SERVICE_ID'], STATUS: ['STATUS'], DELETED: ['DELETED'] },
  ),
  table(
    'service_route_rule_group',
    [bigint('ROUTE_RULE_ID'), bigint('GROUP_ID'), int('WEIGHT', true, 'NULL'), int('UNRELEASED_WEIGHT', true, 'NULL')],
    { ROUTE_RULE_GROUP: ['ROUTE_RULE_ID', 'GROUP_ID'] },
    { ROUTE_RULE: ['ROUTE_RULE_ID'] },
  ),
  table(
    'instance_log',
    [text('INSTANCE_ID'), text('SERVICE_ID'), text('REGION_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), flag('COMPLETE', false), extensions()],
    {},
    { INSTANCE_ID: ['INSTANCE_ID', 'SERVICE_ID', 'REGION_ID', 'OPERATION'] },
  ),
  table(
    'server_log',
    [text('SERVER_ID'), text('REGION_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), flag('COMPLETE', false), extensions()],
    {},
    { SERVER_ID: ['SERVER_ID', 'REGION_ID', 'OPERATION'] },
  ),
  table(
    'service_zone_log',
    [text('SERVICE_ID'), text('ZONE_ID'), text('REGION_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), reason(), flag('COMPLETE', false)],
    {},
    { SERVICE_REGION_ZONE: ['SERVICE_ID', 'REGION_ID', 'ZONE_ID', 'OPERATION'] },
  ),
  table(
    'service_group_operation_log',
    [bigint('GROUP_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), flag('COMPLETE', false), extensions(), reason('reason')],
    {},
    { GROUP_OPEATION: ['GROUP_ID', 'OPERATION'], OPERATOR: ['OPERATOR_ID'] },
  ),
  table(
    'service_group_log',
    [
      bigint('GROUP_ID'),
      bigint('PARENT_ID'),
      text('NAME'),
      text('STATUS'),
      int('WEIGHT', true, 'NULL'),
      text('TYPE'),
      text('OPERATION'),
      text('OPERATOR_ID'),
      nullableText('DESCRIPTION', 1024),
      text('TOKEN'),
      extensions(),
      text('SERVICE_ID'),
      text('REGION_ID'),
      text('ZONE_ID'),
      text('APP_ID'),
      reason(),
    ],
    {},
    { NAME_PARENT_TYPE: ['NAME', 'PARENT_ID'], STATUS: ['STATUS'], TYPE: ['TYPE'], OPERATOR: ['OPERATOR_ID'] },
  ),
  table(
    'service_group_tag_log',
    [bigint('GROUP_ID'), text('TAG'), text('VALUE'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), extensions()],
    {},
    { GROUP_TAG: ['GROUP_ID', 'TAG'], OPERATOR: ['OPERATOR_ID'] },
  ),
  table(
    'service_group_instance_log',
    [bigint('GROUP_ID'), text('INSTANCE_ID'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), reason()],
    {},
    { GROUP_INSTANCE: ['GROUP_ID', 'INSTANCE_ID'] },
  ),
  table(
    'service_instance_log',
    [...serviceInstanceColumns(), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN')],
    {},
    { SERVICE_INSTANCE: ['SERVICE_ID', 'INSTANCE_ID'], SERVICE: ['SERVICE_ID'] },
  ),
  table(
    'service_route_rule_log',
    [text('SERVICE_ID'), text('NAME'), text('STATUS'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), extensions(), reason()],
    {},
    { SERVICE_NAME: ['NAME', 'SERVICE_ID'] },
  ),
  table(
    'service_route_rule_group_log',
    [bigint('ROUTE_RULE_ID'), bigint('GROUP_ID'), int('WEIGHT', true, 'NULL'), text('OPERATION'), text('OPERATOR_ID'), text('TOKEN'), extensions(), reason()],
    {},
    { ROUTE_RULE_GROUP: ['ROUTE_RULE_ID', 'GROUP_ID'] },
  ),
];

/** A Java table by name. */
export function javaTable(name: string): TableDef {
  const found = JAVA_TABLES.find((t) => t.name === name);
  if (found === undefined) throw new Error(`No Java table ${name}`);
  return found;
}

const quote = (name: string) => `\`${name}\``;
const indexList = (columns: string[]) => columns.map(quote).join(',');

/** The CREATE TABLE statement of one Java table (InnoDB, utf8, as the Java registry ships it). */
export function createTableSql(t: TableDef): string {
  const lines = [
    '`ID` bigint(20) NOT NULL AUTO_INCREMENT',
    ...t.columns.map((c) => `${quote(c.name)} ${c.sqlType} ${c.nullable ? '' : 'NOT NULL '}DEFAULT ${c.defaultSql}`.replace('  ', ' ')),
    '`CREATE_TIME` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP',
    '`DataChange_LastTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP',
    'PRIMARY KEY (`ID`)',
    ...Object.entries(t.unique).map(([name, cols]) => `UNIQUE KEY ${quote(name)} (${indexList(cols)})`),
    ...Object.entries(t.keys).map(([name, cols]) => `KEY ${quote(name)} (${indexList(cols)})`),
    'KEY `DataChange_LastTime` (`DataChange_LastTime`)',
  ];
  return `CREATE TABLE ${quote(t.name)} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8`;
}

/** The whole Java DDL, one statement per table. */
export function javaDdl(): string[] {
  return JAVA_TABLES.map(createTableSql);
}

/**
 * Tables of this implementation beside the Java ones (Java never reads them): the revision and
 * change fingerprints, canary IP sets, and the records that do not fit a Java row (see
 * mysql-rows.ts). Created when missing; never dropped or altered.
 */
export const SIDE_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS artemis_meta (
    name varchar(64) NOT NULL PRIMARY KEY, value bigint NOT NULL DEFAULT 0, note longtext NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS artemis_canary (
    seq bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, identity_hash binary(32) NOT NULL, body longtext NOT NULL,
    UNIQUE KEY identity_hash (identity_hash)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS artemis_operation (
    seq bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, identity_hash binary(32) NOT NULL, body longtext NOT NULL,
    UNIQUE KEY identity_hash (identity_hash)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS artemis_entity (
    kind varchar(32) NOT NULL, id bigint NOT NULL, key_hash binary(32) NOT NULL, entity_key longtext NOT NULL, fields longtext NOT NULL,
    PRIMARY KEY (kind, id), UNIQUE KEY kind_key (kind, key_hash)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS artemis_log_extra (
    tbl varchar(64) NOT NULL, id bigint NOT NULL, fields longtext NOT NULL, create_ms bigint NULL,
    PRIMARY KEY (tbl, id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS artemis_token (
    id varchar(255) NOT NULL PRIMARY KEY, name_hash binary(32) NOT NULL, body longtext NOT NULL, create_ms bigint NOT NULL,
    UNIQUE KEY name_hash (name_hash)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
];

export const SIDE_TABLE_NAMES: readonly string[] = ['artemis_meta', 'artemis_canary', 'artemis_operation', 'artemis_entity', 'artemis_log_extra', 'artemis_token'];
