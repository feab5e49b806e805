import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/** Where tests look for Redis first (REDIS_URL overrides it); our machines run one there. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const IMAGE = 'redis:7-alpine';

interface Stoppable {
  stop(): Promise<unknown>;
}

let container: Stoppable | undefined;

/** A client for test set-up and clean-up that fails fast instead of retrying. */
export function testRedisClient(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

async function answersPing(url: string): Promise<boolean> {
  const client = testRedisClient(url);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 10_000);
    });
    const found = await Promise.race([getContainerRuntimeClient().then(() => true), timeout]);
    clearTimeout(timer);
    return found;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<string> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const started = await new RedisContainer(IMAGE).start();
  container = started;
  return started.getConnectionUrl();
}

/**
 * The Redis for this test file: `REDIS_URL` (default redis://127.0.0.1:6379) if it answers PING;
 * else a testcontainers Redis if a Docker engine is reachable (stop it with {@link stopTestRedis});
 * else, under CI, an error (CI must not pass without Redis), and elsewhere `undefined` with a
 * message, so that the caller skips its Redis tests.
 */
export async function redisUrlForTests(): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (await answersPing(url)) return url;
  if (await dockerReachable()) return startContainer();
  const why = `${url} does not answer PING and no Docker engine is reachable; set REDIS_URL or start redis-server.`;
  if (process.env.CI) throw new Error(`Redis is required under CI: ${why}`);
  console.warn(`Skipping the Redis tests: ${why}`);
  return undefined;
}

/** Stops the container {@link redisUrlForTests} started, if any. */
export async function stopTestRedis(): Promise<void> {
  const started = container;
  container = undefined;
  await started?.stop();
}

/** A key prefix that no other run or test uses. */
export function uniqueKeyPrefix(label = 'run'): string {
  return `artemis-test:${label}:${randomUUID()}:`;
}

/** Deletes every key that starts with `prefix` (SCAN + UNLINK); returns how many. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const client = testRedisClient(url);
  let deleted = 0;
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) deleted += await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A redis-server child process of a test. */
export interface RedisServerProcess {
  url: string;
  child: ChildProcess;
  /** Ends it with SIGKILL (a crash: nothing is flushed) and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` (from PATH) on `port` with an fsync-always AOF in `dir` and no RDB
 * snapshots, and waits until it answers PING (which it does only after loading the AOF).
 */
export async function startRedisServer(dir: string, port: number, timeoutMs = 10_000): Promise<RedisServerProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--dir', dir, '--logfile', join(dir, 'redis.log')];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const exitedEarly = new Error('redis-server exited');
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw exitedEarly;
        return answersPing(url);
      },
      { timeoutMs, intervalMs: 50, message: `redis-server on port ${port}` },
    );
  } catch {
    await kill();
    throw new Error(`redis-server on port ${port} did not come up; see ${join(dir, 'redis.log')}`);
  }
  return { url, child, kill };
}
