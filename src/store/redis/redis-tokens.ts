import type { RedisClient } from './redis-connection.js';
import type { TokenRow } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { checkTokenRow, foldCase, tokenFromJson } from '../store-input.js';

/** The token keys of one prefix: id → row JSON, and case-folded name → id. */
export interface RedisTokenKeys {
  tokens: string;
  names: string;
  revision: string;
  channel: string;
}

export const redisTokenKeys = (prefix: string): RedisTokenKeys => ({
  tokens: `${prefix}tokens`,
  names: `${prefix}token-names`,
  revision: `${prefix}revision`,
  channel: `${prefix}changes`,
});

/** KEYS 1 tokens, 2 names, 3 revision; ARGV 1 id, 2 name key, 3 row JSON, 4 channel. */
const ADD_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
local revision = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[4], revision)
return revision
`;

/** KEYS as ADD_SCRIPT; ARGV 1 id, 2 name key, 3 channel. Returns 0 when the token is gone. */
const REMOVE_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
local revision = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[3], revision)
return revision
`;

export async function listTokens(client: RedisClient, keys: RedisTokenKeys): Promise<TokenRow[]> {
  const rows = (await client.hvals(keys.tokens)).map(tokenFromJson);
  return rows.sort((a, b) => a.createTime - b.createTime || a.id.localeCompare(b.id));
}

/**
 * One script call: what a write sends to Redis (so that the store can follow it with WAIT), and
 * how its reply gives the new revision (undefined when the script wrote nothing).
 */
export interface ScriptCall<R extends number | undefined = number | undefined> {
  script: string;
  keys: string[];
  args: string[];
  revision: (reply: unknown) => R;
}

/** The script call that adds a token atomically; it writes nothing when the id or name is taken (reply -1). */
export function addTokenCall(keys: RedisTokenKeys, row: TokenRow): ScriptCall {
  const checked = checkTokenRow(row);
  return {
    script: ADD_SCRIPT,
    keys: [keys.tokens, keys.names, keys.revision],
    args: [checked.id, foldCase(checked.name), JSON.stringify(checked), keys.channel],
    revision: (reply) => (Number(reply) < 0 ? undefined : Number(reply)),
  };
}

/** The revision of an added token; undefined (nothing written) means its id or name is taken. */
export function addedRevision(revision: number | undefined, row: TokenRow): number {
  if (revision === undefined) throw new StoreInputError(`A token with id ${row.id} or name ${row.name} exists.`);
  return revision;
}

/** The script call that removes the token `id` (stored as `json`); it writes nothing when the token is gone (reply 0). */
export function removeTokenCall(keys: RedisTokenKeys, id: string, json: string): ScriptCall {
  return {
    script: REMOVE_SCRIPT,
    keys: [keys.tokens, keys.names, keys.revision],
    args: [id, foldCase(tokenFromJson(json).name), keys.channel],
    revision: (reply) => (Number(reply) === 0 ? undefined : Number(reply)),
  };
}
