import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeManagementStore } from '../../src/store/management-store.contract.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { startRedisCluster } from '../helpers/redis-cluster.js';

/**
 * The Redis store on a Redis Cluster (three masters of real redis-server processes, joined by
 * `redis-cli --cluster create`): the whole contract suite, every key in one hash slot.
 */

const dir = mkdtempSync(join(tmpdir(), 'artemis-redis-cluster-'));
const cluster = await startRedisCluster(dir, 3);
let count = 0;

afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(keyPrefix: string): Promise<RedisStore> {
  const store = new RedisStore(cluster.url, { keyPrefix, connectTimeoutMs: 5_000 });
  await store.init();
  return store;
}

describeManagementStore('redis cluster', async () => {
  const keyPrefix = `artemis-cluster-test:${++count}:`;
  return { store: await open(keyPrefix), openPeer: () => open(keyPrefix), cleanup: () => Promise.resolve() };
});

describe('RedisStore on a Redis Cluster', () => {
  it('makes the key prefix a hash tag, so that one batch script touches one slot', async () => {
    const store = await open('plain:');
    try {
      expect(store.keyPrefix).toBe('{plain:}');
      await store.write({ logs: [{ table: 'group', fields: { name: 'g' } }], canary: [{ serviceId: 's', appId: 'a', regionId: 'r', ips: ['10.0.0.1'] }] });
      expect(await store.canaries()).toEqual([{ serviceId: 's', appId: 'a', regionId: 'r', ips: ['10.0.0.1'] }]);
    } finally {
      await store.close();
    }
    const tagged = await open('{mine}:x:');
    try {
      expect(tagged.keyPrefix).toBe('{mine}:x:');
    } finally {
      await tagged.close();
    }
  });
});
