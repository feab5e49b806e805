import {
  operationIdentity,
  operationRow,
  type CanaryRow,
  type LogFields,
  type LogRecord,
  type LogTable,
  type OperationKind,
  type OperationRow,
  type WriteBatch,
} from '../management-store.js';
import { canaryIdentity, logRecord, storedLogFields } from '../store-input.js';

/** The version of the key layout below, kept under `<prefix>schema`. */
export const REDIS_SCHEMA_VERSION = 1;

/** Every key and channel of one store, all under its prefix. */
export interface RedisKeys {
  /** Hash: operation identity → operation row JSON. */
  operations: string;
  /** Hash: canary identity → canary row JSON. */
  canaries: string;
  /** Counter bumped by every write batch. */
  revision: string;
  /** Hash: log table → last log id given out. */
  logSeq: string;
  /** Layout version. */
  schema: string;
  /** Pub/sub channel that carries the revision after each write batch. */
  channel: string;
  /** Stream of one log table; entry ids carry the Redis server time of the write. */
  log(table: LogTable): string;
}

/** The keys of the store with this prefix. */
export function redisKeys(prefix: string): RedisKeys {
  return {
    operations: `${prefix}operations`,
    canaries: `${prefix}canaries`,
    revision: `${prefix}revision`,
    logSeq: `${prefix}log-seq`,
    schema: `${prefix}schema`,
    channel: `${prefix}changes`,
    log: (table) => `${prefix}log:${table}`,
  };
}

/**
 * Applies one batch. Redis runs a script without interleaving other commands, and the batch was
 * checked beforehand, so nothing in here can fail halfway. KEYS: 1 operations, 2 canaries,
 * 3 revision, 4 log-seq, then one stream per log entry; ARGV: 1 batch JSON, 2 channel.
 * Existing rows keep their key spelling (first writer); only operatorId/token, or regionId/ips, change.
 */
export const WRITE_SCRIPT = `
local batch = cjson.decode(ARGV[1])
for _, u in ipairs(batch.upsert) do
  local current = redis.call('HGET', KEYS[1], u.id)
  if current then
    local row = cjson.decode(current)
    row.operatorId = u.operatorId
    row.token = u.token
    redis.call('HSET', KEYS[1], u.id, cjson.encode(row))
  else
    redis.call('HSET', KEYS[1], u.id, u.row)
  end
end
for _, id in ipairs(batch.remove) do
  redis.call('HDEL', KEYS[1], id)
end
for _, c in ipairs(batch.canary) do
  local current = redis.call('HGET', KEYS[2], c.id)
  local row = c.row
  if current then
    local old = cjson.decode(current)
    row = '{"serviceId":' .. cjson.encode(old.serviceId) .. ',"appId":' .. cjson.encode(old.appId) ..
      ',"regionId":' .. cjson.encode(c.regionId) .. ',"ips":' .. c.ips .. '}'
  end
  redis.call('HSET', KEYS[2], c.id, row)
end
for i, l in ipairs(batch.logs) do
  local id = redis.call('HINCRBY', KEYS[4], l.table, 1)
  redis.call('XADD', KEYS[4 + i], '*', 'id', id, 'f', l.fields)
end
local revision = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[2], revision)
return revision
`;

/** A checked batch as the keys and arguments of {@link WRITE_SCRIPT}. */
export function encodeBatch(keys: RedisKeys, batch: WriteBatch): { keys: string[]; args: string[] } {
  const logs = (batch.logs ?? []).map((l) => ({ table: l.table, fields: JSON.stringify(storedLogFields(l.fields)) }));
  const payload = {
    upsert: (batch.upsert ?? []).map((row) => ({ id: operationIdentity(row), row: JSON.stringify(pick(row)), operatorId: row.operatorId, token: row.token })),
    remove: (batch.remove ?? []).map((row) => operationIdentity(row)),
    canary: (batch.canary ?? []).map((row) => ({
      id: canaryIdentity(row),
      row: JSON.stringify({ serviceId: row.serviceId, appId: row.appId, regionId: row.regionId, ips: row.ips }),
      regionId: row.regionId,
      ips: JSON.stringify(row.ips),
    })),
    logs,
  };
  return {
    keys: [keys.operations, keys.canaries, keys.revision, keys.logSeq, ...logs.map((l) => keys.log(l.table))],
    args: [JSON.stringify(payload), keys.channel],
  };
}

const OPERATION_FIELDS = ['kind', 'regionId', 'serviceId', 'instanceId', 'serverId', 'zoneId', 'groupId', 'operation', 'operatorId', 'token'] as const;

function pick(row: OperationRow): Record<string, string> {
  return Object.fromEntries(OPERATION_FIELDS.map((f) => [f, row[f]]));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** An operation row read back (Lua's JSON encoder may reorder keys or escape '/'). */
export function decodeOperation(json: string): OperationRow {
  const raw = JSON.parse(json) as Record<string, unknown>;
  return operationRow({
    ...Object.fromEntries(OPERATION_FIELDS.map((f) => [f, text(raw[f])])),
    kind: text(raw.kind) as OperationKind,
    operation: text(raw.operation),
  });
}

/** A canary row read back; Lua encodes an empty array as `{}`. */
export function decodeCanary(json: string): CanaryRow {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const ips = Array.isArray(raw.ips) ? raw.ips.filter((ip): ip is string => typeof ip === 'string') : [];
  return { serviceId: text(raw.serviceId), appId: text(raw.appId), regionId: text(raw.regionId), ips };
}

/** One stream entry (`[entryId, ['id', n, 'f', json]]`) as a log record; createTime is the entry id's time. */
export function decodeLogEntry(entryId: string, pairs: string[]): LogRecord {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) values.set(pairs[i] as string, pairs[i + 1] as string);
  const createTime = Number(entryId.slice(0, entryId.indexOf('-')));
  return logRecord(JSON.parse(values.get('f') ?? '{}') as LogFields, Number(values.get('id')), createTime);
}
