/**
 * The port through which management state is kept: operation rows (what is pulled out now),
 * canary IP sets, routing entities (groups, route rules and their links) and append-only audit
 * logs. Three adapters implement it (SQLite for a single node, Redis for a cluster, MySQL on the
 * Java registry's schema) and pass the same conformance suite (management-store.contract.ts).
 */

/** What an operation targets. */
export type OperationKind = 'instance' | 'server' | 'zone' | 'group';

/**
 * One active operation (a pull-out label) on a target. Identity: kind + the key fields of that
 * kind + operation, all compared ignoring letter case; the stored spelling is the first writer's.
 * Key fields per kind: instance (regionId, serviceId, instanceId); server (regionId, serverId);
 * zone (regionId, serviceId, zoneId); group (groupId). Fields a kind does not use are ''.
 */
export interface OperationRow {
  kind: OperationKind;
  regionId: string;
  serviceId: string;
  instanceId: string;
  serverId: string;
  zoneId: string;
  groupId: string;
  operation: string;
  operatorId: string;
  token: string;
}

/** The audit-log tables, one per management endpoint family (management spec section 8). */
export type LogTable =
  | 'instance-operation'
  | 'server-operation'
  | 'zone-operation'
  | 'group-operation'
  | 'group'
  | 'route-rule'
  | 'route-rule-group'
  | 'group-instance'
  | 'service-instance';

export const LOG_TABLES: readonly LogTable[] = [
  'instance-operation',
  'server-operation',
  'zone-operation',
  'group-operation',
  'group',
  'route-rule',
  'route-rule-group',
  'group-instance',
  'service-instance',
];

export type LogValue = string | number | boolean | null;

/** Fields of a log row as written; the store adds `id` (increasing per table), `createTime`, `updateTime`. */
export type LogFields = Record<string, LogValue>;

export interface LogRecord extends LogFields {
  id: number;
  createTime: number;
  updateTime: number;
}

/**
 * AND of equality filters on log fields. Strings compare ignoring letter case (as the reference's
 * MySQL collation does); numbers and booleans compare exactly. Absent keys do not filter.
 */
export type LogFilter = Record<string, LogValue>;

/** The canary IPs of one application of a service (management spec section 7). */
export interface CanaryRow {
  serviceId: string;
  appId: string;
  regionId: string;
  ips: string[];
}

/**
 * The routing records of management spec section 6, each kept as a flat record with a numeric id the
 * store gives out (per kind, from 1, never reused) and a unique key the caller computes.
 */
export type EntityKind = 'group' | 'route-rule' | 'route-rule-group' | 'group-tag' | 'group-instance' | 'service-instance';

export const ENTITY_KINDS: readonly EntityKind[] = ['group', 'route-rule', 'route-rule-group', 'group-tag', 'group-instance', 'service-instance'];

/** Field values of an entity record: same value types as log fields; names as log field names. */
export type EntityFields = Record<string, LogValue>;

export interface EntityRecord {
  /** Given out by the store when the record was created. */
  id: number;
  /** The record's unique identity within its kind (the caller's choice, e.g. lower-cased natural key). */
  key: string;
  fields: EntityFields;
}

/**
 * One change to entity records, applied in batch order:
 * - `put`: if a record of `kind` has `key`, its fields become `{...fields, ...update}`; otherwise a
 *   record is created with the next id and `create` as its fields.
 * - `patch`: merges `update` into the record with `id`; nothing happens when there is none.
 * - `copy`: sets field `to` of the record with `id` to the value its field `from` holds at that
 *   moment (null when absent); nothing happens when there is none.
 * - `delete`: removes the record with `id`; nothing happens when there is none.
 */
export type EntityWrite =
  | { op: 'put'; kind: EntityKind; key: string; create: EntityFields; update: EntityFields }
  | { op: 'patch'; kind: EntityKind; id: number; update: EntityFields }
  | { op: 'copy'; kind: EntityKind; id: number; from: string; to: string }
  | { op: 'delete'; kind: EntityKind; id: number };

/** Everything one management call changes, applied atomically: all of it or none of it. */
export interface WriteBatch {
  /** Inserted, or on an existing identity only operatorId/token updated. */
  upsert?: OperationRow[];
  /** Removed by identity (removing nothing is not an error). */
  remove?: OperationRow[];
  /** Replaces the canary IP set of (serviceId, appId), ignoring letter case of both. */
  canary?: CanaryRow[];
  /** Entity changes, applied in order, before the logs. */
  entities?: EntityWrite[];
  logs?: Array<{ table: LogTable; fields: LogFields }>;
}

/** What a change notification carries: a store-wide counter that only grows, for ordering and dedup. */
export interface StoreChange {
  /** Revision after the write; a listener may skip revisions it has already loaded. */
  revision: number;
  /** True when the listener may have missed changes (reconnect): reload everything. */
  resync: boolean;
}

/**
 * An API token as the store keeps it: never the secret, only its SHA-256 (hex). Ids and names are
 * unique; names compare ignoring letter case.
 */
export interface TokenRow {
  /** Public identifier, e.g. `tk_3f9a0c1d2e4b`. */
  id: string;
  name: string;
  /** Scope names (`read`, `register`, `operate`, `admin`). */
  scopes: string[];
  /** Lower-case hex SHA-256 of the secret. */
  hash: string;
  /** Label of the token (or `bootstrap`) that created this one. */
  createdBy: string;
  /** ms epoch. */
  createTime: number;
}

export interface ManagementStore {
  /** 'sqlite', 'redis' or 'mysql', for logs and status. */
  readonly kind: string;
  /** Creates or migrates the schema, connects. Idempotent. */
  init(): Promise<void>;
  /** Applies a batch atomically and durably; resolves with its revision once it is committed. */
  write(batch: WriteBatch): Promise<number>;
  /** Every active operation row. */
  operations(): Promise<OperationRow[]>;
  /** Every canary row. */
  canaries(): Promise<CanaryRow[]>;
  /** Every record of one entity kind, by increasing id. */
  entities(kind: EntityKind): Promise<EntityRecord[]>;
  /** Log rows of a table matching the filter, oldest first, at most `limit`. */
  queryLogs(table: LogTable, filter: LogFilter, limit: number): Promise<LogRecord[]>;
  /** Deletes log rows created before `before` (ms epoch); returns how many. */
  pruneLogs(before: number): Promise<number>;
  /**
   * Appends log rows keeping their `id`, `createTime` and fields (for `artemis migrate`). Every id
   * must be above the highest id the table has given out, and rows come in increasing id order;
   * later ids of the table continue above them.
   * @throws StoreInputError for an id that is not above the table's highest, or a bad row.
   */
  importLogs(table: LogTable, rows: LogRecord[]): Promise<void>;
  /**
   * Calls `listener` after every write to this store by any node sharing it, and with
   * `resync: true` after a reconnect. Returns an unsubscribe function.
   */
  watch(listener: (change: StoreChange) => void): () => void;
  /** Current revision (see StoreChange). */
  revision(): Promise<number>;
  /**
   * The revision of the last batch that held entity writes (0 before any): a reader that has
   * loaded the entities at this revision can skip loading them again.
   */
  entityRevision(): Promise<number>;
  /** Every token, oldest first. */
  tokens(): Promise<TokenRow[]>;
  /**
   * Adds a token and takes a new revision (watchers on every node hear of it).
   * @throws StoreInputError when its id or name (ignoring letter case) is taken, or a field is malformed.
   */
  addToken(row: TokenRow): Promise<number>;
  /** Removes the token with `id` (taking a new revision); resolves false when there was none. */
  removeToken(id: string): Promise<boolean>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;

  // ---- one store per cluster, and whether it answers (see StoreIdentity, StoreAvailability) ----

  /**
   * The identity written into the store when it was first initialised (a random UUID), the same
   * for every node that shares the data. Known once `init()` resolved.
   * @throws StoreNotInitializedError before that.
   */
  identity(): string;
  /** Whether the store answers, as this adapter last saw it; cheap, no I/O. */
  availability(): StoreAvailability;
}

/** What {@link ManagementStore.availability} tells. */
export interface StoreAvailability {
  /** False while the store cannot be reached (connection lost, commands failing or timing out). */
  available: boolean;
  /** Epoch ms since when it is unavailable; 0 while available. */
  since: number;
  /** The last failure seen (no secrets), '' when none. */
  reason: string;
}

/** The identity of an operation row: kind, its key fields and operation, lower-cased. */
export function operationIdentity(row: OperationRow): string {
  const parts = [row.kind, row.regionId, row.serviceId, row.instanceId, row.serverId, row.zoneId, row.groupId, row.operation];
  return parts.map((p) => p.toLowerCase()).join('\u0000');
}

export function operationRow(fields: Partial<OperationRow> & Pick<OperationRow, 'kind' | 'operation'>): OperationRow {
  return {
    regionId: '',
    serviceId: '',
    instanceId: '',
    serverId: '',
    zoneId: '',
    groupId: '',
    operatorId: '',
    token: '',
    ...fields,
  };
}
