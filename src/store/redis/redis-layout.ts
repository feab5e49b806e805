import {
  operationIdentity,
  operationRow,
  type CanaryRow,
  type EntityFields,
  type EntityKind,
  type EntityRecord,
  type LogFields,
  type LogRecord,
  type LogTable,
  type OperationKind,
  type OperationRow,
  type WriteBatch,
} from '../management-store.js';
import { canaryIdentity, checkEntityWrites, entityRecord, logRecord, storedLogFields } from '../store-input.js';

/**
 * The version of the key layout below, kept under `<prefix>schema`. The entity keys were added
 * without a bump: older builds never read them, and their absence means no records.
 */
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
  /** Hash: entity kind → last entity id given out (ids are never reused). */
  entitySeq: string;
  /** The revision of the last batch that held entity writes. */
  entityRevision: string;
  /** Layout version. */
  schema: string;
  /** The store's identity, set once by the first node that opens it. */
  storeId: string;
  /** Pub/sub channel that carries the revision after each write batch. */
  channel: string;
  /** Stream of one log table; entry ids carry the Redis server time of the write. */
  log(table: LogTable): string;
  /**
   * Hash of one entity kind: id → record JSON `{"key": …, "fields": {name: JSON text of the value}}`
   * (values kept as JSON text so that Lua merges them without re-encoding numbers).
   */
  entities(kind: EntityKind): string;
  /** Hash of one entity kind: key (exact) → id. */
  entityKeys(kind: EntityKind): string;
}

/** The keys of the store with this prefix. */
export function redisKeys(prefix: string): RedisKeys {
  return {
    operations: `${prefix}operations`,
    canaries: `${prefix}canaries`,
    revision: `${prefix}revision`,
    logSeq: `${prefix}log-seq`,
    entitySeq: `${prefix}entity-seq`,
    entityRevision: `${prefix}entity-revision`,
    schema: `${prefix}schema`,
    storeId: `${prefix}store-id`,
    channel: `${prefix}changes`,
    log: (table) => `${prefix}log:${table}`,
    entities: (kind) => `${prefix}entity:${kind}`,
    entityKeys: (kind) => `${prefix}entity-key:${kind}`,
  };
}

/**
 * Applies one batch. Redis runs a script without interleaving other commands, and the batch was
 * checked beforehand, so nothing in here can fail halfway. KEYS: 1 operations, 2 canaries,
 * 3 revision, 4 log-seq, 5 entity-seq, 6 entity-revision, then the keys named by index in the payload (each entity
 * write's `r` records hash and `x` key hash, each log's `s` stream); ARGV: 1 batch JSON, 2 channel.
 * Existing rows keep their key spelling (first writer); only operatorId/token, or regionId/ips, change.
 * Entity field values travel and are stored as JSON text, so a merge never re-encodes a number.
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
local function merge(records, id, current, update)
  local record = cjson.decode(current)
  for name, value in pairs(update) do record.fields[name] = value end
  redis.call('HSET', records, id, cjson.encode(record))
end
for _, e in ipairs(batch.entities) do
  local records, keys = KEYS[e.r], KEYS[e.x]
  if e.op == 'put' then
    local id = redis.call('HGET', keys, e.key)
    if id then
      merge(records, id, redis.call('HGET', records, id), e.update)
    else
      id = string.format('%d', redis.call('HINCRBY', KEYS[5], e.kind, 1))
      redis.call('HSET', records, id, e.record)
      redis.call('HSET', keys, e.key, id)
    end
  else
    local current = redis.call('HGET', records, e.id)
    if current and e.op == 'patch' then
      merge(records, e.id, current, e.update)
    elseif current and e.op == 'copy' then
      local value = cjson.decode(current).fields[e.from]
      if value == nil then value = 'null' end
      merge(records, e.id, current, { [e.to] = value })
    elseif current and e.op == 'delete' then
      redis.call('HDEL', keys, cjson.decode(current).key)
      redis.call('HDEL', records, e.id)
    end
  end
end
for _, l in ipairs(batch.logs) do
  local id = redis.call('HINCRBY', KEYS[4], l.table, 1)
  redis.call('XADD', KEYS[l.s], '*', 'id', id, 'f', l.fields)
end
local revision = redis.call('INCR', KEYS[3])
if #batch.entities > 0 then redis.call('SET', KEYS[6], revision) end
redis.call('PUBLISH', ARGV[2], revision)
return revision
`;

/** Entity field values as JSON text, the form the script merges and stores. */
function valueTexts(fields: EntityFields): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, JSON.stringify(value)]));
}

/** A checked batch as the keys and arguments of {@link WRITE_SCRIPT}. */
export function encodeBatch(keys: RedisKeys, batch: WriteBatch): { keys: string[]; args: string[] } {
  const scriptKeys = [keys.operations, keys.canaries, keys.revision, keys.logSeq, keys.entitySeq, keys.entityRevision];
  const positions = new Map<string, number>();
  /** The 1-based index of `key` in KEYS, adding it on first use. */
  const keyIndex = (key: string): number => {
    let index = positions.get(key);
    if (index === undefined) {
      index = scriptKeys.push(key);
      positions.set(key, index);
    }
    return index;
  };
  const entities = checkEntityWrites(batch).map((w) => {
    const where = { kind: w.kind, r: keyIndex(keys.entities(w.kind)), x: keyIndex(keys.entityKeys(w.kind)) };
    switch (w.op) {
      case 'put':
        return { ...where, op: w.op, key: w.key, record: JSON.stringify({ key: w.key, fields: valueTexts(w.create) }), update: valueTexts(w.update) };
      case 'patch':
        return { ...where, op: w.op, id: String(w.id), update: valueTexts(w.update) };
      case 'copy':
        return { ...where, op: w.op, id: String(w.id), from: w.from, to: w.to };
      case 'delete':
        return { ...where, op: w.op, id: String(w.id) };
    }
  });
  const logs = (batch.logs ?? []).map((l) => ({ table: l.table, s: keyIndex(keys.log(l.table)), fields: JSON.stringify(storedLogFields(l.fields)) }));
  const payload = {
    upsert: (batch.upsert ?? []).map((row) => ({ id: operationIdentity(row), row: JSON.stringify(pick(row)), operatorId: row.operatorId, token: row.token })),
    remove: (batch.remove ?? []).map((row) => operationIdentity(row)),
    canary: (batch.canary ?? []).map((row) => ({
      id: canaryIdentity(row),
      row: JSON.stringify({ serviceId: row.serviceId, appId: row.appId, regionId: row.regionId, ips: row.ips }),
      regionId: row.regionId,
      ips: JSON.stringify(row.ips),
    })),
    entities,
    logs,
  };
  return { keys: scriptKeys, args: [JSON.stringify(payload), keys.channel] };
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

/** The records of one entity kind from `HGETALL <prefix>entity:<kind>`, by increasing id. */
export function decodeEntities(hash: Record<string, string>): EntityRecord[] {
  return Object.entries(hash)
    .map(([id, json]) => {
      const raw = JSON.parse(json) as { key?: unknown; fields?: unknown };
      // Lua encodes an empty table as `{}`, and a decoded empty object stays one; anything else is not ours.
      const texts = typeof raw.fields === 'object' && raw.fields !== null && !Array.isArray(raw.fields) ? (raw.fields as Record<string, unknown>) : {};
      const fields: EntityFields = {};
      for (const [name, value] of Object.entries(texts)) if (typeof value === 'string') fields[name] = JSON.parse(value) as EntityFields[string];
      return entityRecord(Number(id), text(raw.key), fields);
    })
    .sort((a, b) => a.id - b.id);
}

/**
 * Appends imported log rows: KEYS 1 stream, 2 log-seq; ARGV 1 table, 2 rows JSON. Refuses (and
 * writes nothing) when an id is not above the table's sequence or a time is below the stream's last entry.
 */
export const IMPORT_LOGS_SCRIPT = `
local rows = cjson.decode(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local lastTime = -1
if #top > 0 then lastTime = tonumber(string.match(top[1][1], '^(%d+)-')) end
for _, r in ipairs(rows) do
  if r.id <= last then return 'log id ' .. r.id .. ' is not above the last id ' .. last end
  if r.t < lastTime then return 'log id ' .. r.id .. ' is older than the newest entry' end
  last = r.id
  lastTime = r.t
end
for _, r in ipairs(rows) do
  redis.call('XADD', KEYS[1], r.t .. '-*', 'id', r.id, 'f', r.f)
end
if #rows > 0 then redis.call('HSET', KEYS[2], ARGV[1], last) end
return 'OK'
`;
