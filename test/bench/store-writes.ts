/**
 * Latency of management writes per store: sequential pull-outs, each one batch as
 * operate-instance writes it (the operation row plus its instance_log row), against SQLite,
 * Redis and MySQL in the same run.
 *
 *   npm run bench:store -- [--count 1000] [--warmup 50] [--redis redis://127.0.0.1:6379] [--mysql mysql://root@127.0.0.1:3306]
 *
 * SQLite is a file in a temporary directory (WAL, synchronous=FULL), Redis gets a unique key
 * prefix, MySQL a database created for the run; all are removed afterwards. A store that cannot
 * be reached is reported and skipped.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStore, operationRow, type ManagementStore, type WriteBatch } from '../../src/store/index.js';
import { createTestDatabase, dropTestDatabases } from '../helpers/mariadb.js';
import { deleteKeysWithPrefix } from '../helpers/redis.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '50' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    mysql: { type: 'string', default: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306' },
  },
});
const COUNT = Number(values.count);
const WARMUP = Number(values.warmup);

function pullOut(i: number): WriteBatch {
  const row = operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'bench.service', instanceId: `10.0.${i >> 8}.${i & 255}:8080`, operation: 'pullout', operatorId: 'bench', token: `t-${i}` });
  const { kind: _kind, serverId: _s, zoneId: _z, groupId: _g, ...fields } = row;
  return { upsert: [row], logs: [{ table: 'instance-operation', fields: { ...fields, extensions: '{}', complete: false } }] };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(name: string, open: () => Promise<ManagementStore>, cleanup: () => Promise<void>) {
  let store: ManagementStore | undefined;
  try {
    store = await open();
    for (let i = 0; i < WARMUP; i++) await store.write(pullOut(1_000_000 + i));
    const times: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const started = process.hrtime.bigint();
      await store.write(pullOut(i));
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const total = times.reduce((a, b) => a + b, 0);
    return { store: name, p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1]!, perSecond: (COUNT / total) * 1000 };
  } catch (err) {
    console.error(`${name}: skipped (${(err as Error).message})`);
    return undefined;
  } finally {
    await store?.close();
    await cleanup().catch(() => undefined);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'artemis-bench-store-'));
const prefix = `artemis-bench:${randomUUID()}:`;
const database = `artemis_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const results = [
  await measure(
    'sqlite',
    async () => {
      const s = createStore({ url: `sqlite:${join(dir, 'bench.db')}`, dataDir: dir });
      await s.init();
      return s;
    },
    () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  ),
  await measure(
    'redis',
    async () => {
      const s = createStore({ url: values.redis, dataDir: dir, keyPrefix: prefix });
      await s.init();
      return s;
    },
    async () => void (await deleteKeysWithPrefix(values.redis, prefix)),
  ),
  await measure(
    'mysql',
    async () => {
      const url = await createTestDatabase(values.mysql, database);
      const s = createStore({ url, dataDir: dir });
      await s.init();
      return s;
    },
    () => dropTestDatabases(values.mysql, [database]),
  ),
].filter((r) => r !== undefined);

console.log(`\n${COUNT} sequential pull-outs per store (after ${WARMUP} warm-up writes), ms per write:\n`);
console.log('| store | P50 | P99 | max | writes/s |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.store} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${Math.round(r.perSecond)} |`);
