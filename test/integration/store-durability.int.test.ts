import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManagementStore } from '../../src/store/management-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { freePort, startRedisServer } from '../helpers/redis.js';
import { burstInstanceId } from '../helpers/store-burst.js';

/**
 * A write that a store acknowledged must survive SIGKILL of the writing process (and, for Redis
 * with an fsync-always AOF, SIGKILL of redis-server too). A child writes a burst of 1,000 batches
 * and prints each acknowledged one; it is killed after KILL_AFTER acknowledgements.
 */

const BURST = 1_000;
const KILL_AFTER = 300;
const SCRIPT = fileURLToPath(new URL('../helpers/store-burst.ts', import.meta.url));
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'artemis-durability-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface BurstResult {
  acknowledged: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the burst child, SIGKILLs it after KILL_AFTER acknowledgements, returns every number it printed. */
async function burstAndKill(args: string[], timeoutMs = 20_000): Promise<BurstResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const acknowledged: number[] = [];
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  for await (const line of createInterface({ input: child.stdout })) {
    acknowledged.push(Number(line));
    if (acknowledged.length === KILL_AFTER) child.kill('SIGKILL');
  }
  const signal = await exited;
  clearTimeout(timer);
  return { acknowledged, signal, stderr };
}

/** Which of the acknowledged writes are missing from the store (row or log), plus what it holds. */
async function missingWrites(store: ManagementStore, acknowledged: number[]) {
  const rows = new Set((await store.operations()).map((r) => r.instanceId));
  const logs = new Set((await store.queryLogs('instance-operation', { serviceId: 'burst.service' }, BURST * 2)).map((r) => r.seq));
  const missing = acknowledged.filter((i) => !rows.has(burstInstanceId(i)) || !logs.has(i));
  return { missing, rows: rows.size, logs: logs.size };
}

function expectKilledMidway(result: BurstResult): void {
  expect(result.signal, `the burst child ended by itself; stderr: ${result.stderr}`).toBe('SIGKILL');
  expect(result.acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(result.acknowledged.length).toBeLessThan(BURST);
  expect(result.acknowledged).toEqual([...Array(result.acknowledged.length).keys()]);
}

describe('durability of acknowledged writes', () => {
  it('sqlite: every acknowledged write is in the file after the writer is SIGKILLed', async () => {
    const file = join(await tempDir(), 'artemis.db');
    const result = await burstAndKill(['sqlite', file, String(BURST)]);
    expectKilledMidway(result);
    const store = new SqliteStore(file);
    cleanups.push(() => store.close());
    await store.init();
    const found = await missingWrites(store, result.acknowledged);
    console.info(`sqlite durability: ${result.acknowledged.length} acknowledged before SIGKILL; ${found.rows} rows and ${found.logs} logs on reopen`);
    expect(found.missing).toEqual([]);
    expect(found.rows).toBeLessThanOrEqual(result.acknowledged.length + 1);
  });

  it('redis: every acknowledged write is in the AOF after the writer and redis-server are SIGKILLed', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const first = await startRedisServer(dir, port);
    cleanups.push(() => first.kill());
    const result = await burstAndKill(['redis', first.url, String(BURST), 'durability:']);
    await first.kill();
    expectKilledMidway(result);
    const second = await startRedisServer(dir, port);
    cleanups.push(() => second.kill());
    const store = new RedisStore(second.url, { keyPrefix: 'durability:' });
    cleanups.push(() => store.close());
    await store.init();
    const found = await missingWrites(store, result.acknowledged);
    console.info(`redis durability: ${result.acknowledged.length} acknowledged before SIGKILL; ${found.rows} rows and ${found.logs} logs after redis-server restart`);
    expect(found.missing).toEqual([]);
    expect(found.rows).toBeLessThanOrEqual(result.acknowledged.length + 1);
  });
});
