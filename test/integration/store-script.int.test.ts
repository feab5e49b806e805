import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisClient } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The highly available store of cluster/start.sh, run for real from cluster/store.sh on spare
 * loopback ports: a primary, two replicas and three sentinels; after a failover, stop notes the
 * promoted server and the next start makes it primary again, so the writes made after the
 * failover survive a restart.
 */

const root = join(import.meta.dirname, '../..');
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

/** Whether `port` can be bound on the loopback address right now. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A first port of three consecutive free ones (store.sh uses a port and the two after it). */
async function threeFreePorts(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await Promise.all([base, base + 1, base + 2].map(free))).every(Boolean)) return base;
  }
  throw new Error('no three consecutive free ports');
}

async function redis(port: number, ...args: string[]): Promise<unknown> {
  const c = testRedisClient(`redis://127.0.0.1:${port}`);
  try {
    await c.connect();
    return await c.call(args[0] as string, ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

describe.skipIf(!hasRedis)('cluster/store.sh', () => {
  let dir = '';
  let redisPort = 0;
  let sentinelPort = 0;
  /** Runs a store.sh function the way start.sh and stop.sh do. */
  const run = (fn: 'start_sentinel_store' | 'stop_store') => {
    const script = [
      'set -euo pipefail',
      `host=127.0.0.1 redis_port=${redisPort} data_root=${join(dir, 'data')} run_dir=${join(dir, 'run')}`,
      `sentinel_ports=(${sentinelPort} ${sentinelPort + 1} ${sentinelPort + 2})`,
      'mkdir -p "$run_dir"',
      `source ${join(root, 'cluster/store.sh')}`,
      fn,
    ].join('\n');
    const res = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(res.status, `${fn}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };
  const primaryOf = async (sentinel: number) => Number(((await redis(sentinel, 'SENTINEL', 'get-master-addr-by-name', 'artemis')) as string[])[1]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'artemis-store-sh-'));
    redisPort = await threeFreePorts();
    sentinelPort = await threeFreePorts();
  });

  afterAll(() => {
    if (dir === '') return;
    run('stop_store');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the primary again that a failover promoted, with the writes made after it', { timeout: 90_000 }, async () => {
    const sentinels = [sentinelPort, sentinelPort + 1, sentinelPort + 2];
    expect(run('start_sentinel_store')).toContain(`Redis primary 127.0.0.1:${redisPort}, replicas ${redisPort + 1} ${redisPort + 2}`);
    for (const s of sentinels) expect(await primaryOf(s)).toBe(redisPort);

    await waitFor(async () => (await redis(sentinelPort, 'SENTINEL', 'failover', 'artemis').catch(() => undefined)) === 'OK' || undefined, { message: 'a failover to start', timeoutMs: 20_000, intervalMs: 200 });
    const promoted = await waitFor(async () => ((await primaryOf(sentinelPort)) === redisPort ? undefined : primaryOf(sentinelPort)), { message: 'a replica to be promoted', timeoutMs: 20_000, intervalMs: 200 });
    await waitFor(async () => (((await redis(promoted, 'ROLE')) as unknown[])[0] === 'master' ? true : undefined), { message: 'the promoted server to take writes', timeoutMs: 20_000, intervalMs: 200 });
    expect(await redis(promoted, 'SET', 'after-failover', 'kept')).toBe('OK');
    await waitFor(async () => (Number(await redis(promoted, 'WAIT', '2', '500')) === 2 ? true : undefined), { message: 'both replicas to have the write', timeoutMs: 20_000, intervalMs: 200 });

    const stopped = run('stop_store');
    expect(stopped.match(/stopped sentinel/g)).toHaveLength(3);
    expect(stopped.match(/stopped redis-server/g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'data/redis/primary-port'), 'utf8').trim()).toBe(String(promoted));

    const others = [redisPort, redisPort + 1, redisPort + 2].filter((p) => p !== promoted);
    expect(run('start_sentinel_store')).toContain(`Redis primary 127.0.0.1:${promoted}, replicas ${others.join(' ')}`);
    for (const s of sentinels) expect(await primaryOf(s)).toBe(promoted);
    for (const p of [promoted, ...others]) expect(await redis(p, 'GET', 'after-failover')).toBe('kept');
    for (const p of others) expect(((await redis(p, 'ROLE')) as unknown[])[0]).toBe('slave');
  });
});
