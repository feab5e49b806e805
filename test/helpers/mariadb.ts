import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';

/** Where tests look for MariaDB/MySQL first (MYSQL_URL overrides it); our machines run one there. */
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306';

/** A connection to the server (no database selected) for set-up and clean-up. */
export async function adminConnection(serverUrl: string, database?: string): Promise<Connection> {
  const u = new URL(serverUrl);
  return createConnection({
    host: u.hostname,
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
    connectTimeout: 2_000,
    charset: 'utf8mb4',
    dateStrings: true,
    ...(database === undefined ? {} : { database }),
  });
}

/**
 * The MariaDB/MySQL server for this test file: `MYSQL_URL` (default mysql://root@127.0.0.1:3306)
 * if it answers; else, under CI, an error (CI must not pass without it), and elsewhere
 * `undefined` with a message, so that the caller skips its MySQL tests.
 */
export async function mysqlServerForTests(): Promise<string | undefined> {
  const url = (process.env.MYSQL_URL ?? DEFAULT_MYSQL_URL).replace(/\/+$/, '');
  try {
    const conn = await adminConnection(url);
    await conn.query('SELECT 1');
    await conn.end();
    return url;
  } catch (err) {
    const why = `${url} does not answer (${(err as Error).message}); set MYSQL_URL or start MariaDB.`;
    if (process.env.CI) throw new Error(`MariaDB is required under CI: ${why}`);
    console.warn(`Skipping the MySQL tests: ${why}`);
    return undefined;
  }
}

/** A database name that no other run or test uses. */
export function uniqueDatabaseName(label = 'run'): string {
  return `artemis_test_${label.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(6).toString('hex')}`;
}

/** Creates an empty database and returns the store URL for it. */
export async function createTestDatabase(serverUrl: string, name: string): Promise<string> {
  const conn = await adminConnection(serverUrl);
  try {
    await conn.query(`CREATE DATABASE \`${name}\` DEFAULT CHARACTER SET utf8`);
  } finally {
    await conn.end();
  }
  return `${serverUrl}/${name}`;
}

/** Drops the databases (missing ones are fine). */
export async function dropTestDatabases(serverUrl: string, names: Iterable<string>): Promise<void> {
  const conn = await adminConnection(serverUrl);
  try {
    for (const name of names) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}
