import { StoreInputError } from '../store-errors.js';

/** Tuning of a {@link MysqlStore}; each can also be given as a query parameter of the store URL. */
export interface MysqlTuning {
  /**
   * How often, while anyone watches, the tables are polled for writes of other nodes (Java ones included).
   * @defaultValue 1000
   */
  pollIntervalMs: number;
  /**
   * Connections in the pool.
   * @defaultValue 10
   */
  connectionLimit: number;
  /**
   * Time allowed to open one connection.
   * @defaultValue 5000
   */
  connectTimeoutMs: number;
  /**
   * Whether `pruneLogs` deletes anything. Off by default: the Java registry never deletes its logs,
   * and a shared database may hold years of them that nobody asked this node to delete.
   * @defaultValue false
   */
  pruneLogs: boolean;
}

export const MYSQL_DEFAULTS: MysqlTuning = { pollIntervalMs: 1_000, connectionLimit: 10, connectTimeoutMs: 5_000, pruneLogs: false };

/** Bounds of the numeric tuning values, as documented in README. */
const BOUNDS: Record<'pollIntervalMs' | 'connectionLimit' | 'connectTimeoutMs', [number, number]> = {
  pollIntervalMs: [10, 600_000],
  connectionLimit: [1, 1_000],
  connectTimeoutMs: [100, 600_000],
};

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  tuning: MysqlTuning;
}

/**
 * Reads `mysql://user:pass@host:port/db?pollIntervalMs=1000&connectionLimit=10&connectTimeoutMs=5000&pruneLogs=false`.
 * @throws StoreInputError naming the part that is wrong.
 */
export function parseMysqlUrl(url: string, overrides: Partial<MysqlTuning> = {}): MysqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreInputError('store.url is not a valid mysql:// URL; expected mysql://user:pass@host:port/database.');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new StoreInputError('A mysql:// store URL needs a database name, as in mysql://root@127.0.0.1:3306/artemisdb.');
  const tuning: MysqlTuning = { ...MYSQL_DEFAULTS, ...overrides };
  for (const [name, value] of parsed.searchParams) {
    if (name === 'pruneLogs') {
      if (value !== 'true' && value !== 'false') throw new StoreInputError(`mysql:// store URL: pruneLogs must be true or false, got ${JSON.stringify(value)}.`);
      tuning.pruneLogs = value === 'true';
      continue;
    }
    if (!Object.hasOwn(BOUNDS, name)) {
      throw new StoreInputError(`mysql:// store URL: unknown parameter ${name}; known: ${[...Object.keys(BOUNDS), 'pruneLogs'].join(', ')}.`);
    }
    const key = name as keyof typeof BOUNDS;
    const n = Number(value);
    const [min, max] = BOUNDS[key];
    if (!Number.isInteger(n) || n < min || n > max) throw new StoreInputError(`mysql:// store URL: ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    tuning[key] = n;
  }
  return {
    host: parsed.hostname === '' ? '127.0.0.1' : parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database,
    tuning,
  };
}

