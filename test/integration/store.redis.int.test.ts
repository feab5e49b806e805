import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import type { StoreChange } from '../../src/store/management-store.js';
import { describeManagementStore } from '../../src/store/management-store.contract.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { StoreReplicationError, StoreSchemaError, StoreUnavailableError } from '../../src/store/store-errors.js';
import { deleteKeysWithPrefix, redisUrlForTests, stopTestRedis, testRedisClient, uniqueKeyPrefix } from '../helpers/redis.js';

const url = await redisUrlForTests();
const runPrefix = uniqueKeyPrefix('store');
let testCount = 0;

afterAll(async () => {
  if (url !== undefined) await deleteKeysWithPrefix(url, runPrefix);
  await stopTestRedis();
});

async function openStore(redisUrl: string, keyPrefix: string): Promise<RedisStore> {
  const store = new RedisStore(redisUrl, { keyPrefix, connectTimeoutMs: 3_000 });
  await store.init();
  return store;
}

/** A TCP server on a free loopback port that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('RedisStore without a server', () => {
  it('fails init with StoreUnavailableError when nothing listens', async () => {
    const silent = await silentServer();
    await silent.close();
    const store = new RedisStore(`redis://127.0.0.1:${silent.port}`, { connectTimeoutMs: 1_000 });
    const started = Date.now();
    await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    await store.close();
  });

  it('fails init within connectTimeoutMs when the server never answers', async () => {
    const silent = await silentServer();
    const store = new RedisStore(`redis://127.0.0.1:${silent.port}`, { connectTimeoutMs: 500 });
    try {
      const started = Date.now();
      await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await store.close();
      await silent.close();
    }
  });
});

if (url === undefined) {
  describe.skip('RedisStore (no Redis reachable; see the warning above)', () => {
    it('needs Redis', () => undefined);
  });
} else {
  const redisUrl = url;

  describeManagementStore('redis', async () => {
    const keyPrefix = `${runPrefix}${++testCount}:`;
    const open = () => openStore(redisUrl, keyPrefix);
    return { store: await open(), openPeer: open, cleanup: async () => void (await deleteKeysWithPrefix(redisUrl, keyPrefix)) };
  });

  describe('RedisStore (redis only)', () => {
    const prefix = () => `${runPrefix}only-${++testCount}:`;

    it('tells listeners to resync after its subscriber connection was dropped', async () => {
      const keyPrefix = prefix();
      const [store, peer] = [await openStore(redisUrl, keyPrefix), await openStore(redisUrl, keyPrefix)];
      const admin = testRedisClient(redisUrl);
      try {
        const changes: StoreChange[] = [];
        store.watch((c) => changes.push(c));
        await admin.connect();
        const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
        const line = list.split('\n').find((l) => l.includes(` name=${keyPrefix}subscriber `));
        const id = /^id=(\d+)/.exec(line ?? '')?.[1];
        expect(id).toBeDefined();
        await admin.call('CLIENT', 'KILL', 'ID', id!);
        await waitFor(() => changes.some((c) => c.resync), { message: 'a resync' });
        await peer.write({ logs: [{ table: 'group', fields: { after: 'reconnect' } }] });
        const revision = await peer.revision();
        await waitFor(() => changes.some((c) => !c.resync && c.revision === revision), { message: 'the change after resubscribing' });
      } finally {
        admin.disconnect();
        await Promise.all([store.close(), peer.close()]);
        await deleteKeysWithPrefix(redisUrl, keyPrefix);
      }
    });

    it('fails a write that fewer than minReplicas replicas confirm within replicaTimeoutMs, with the reason', async () => {
      const keyPrefix = prefix();
      const store = new RedisStore(redisUrl, { keyPrefix, minReplicas: 5, replicaTimeoutMs: 50 });
      await store.init();
      try {
        const failure = await store.write({ upsert: [{ kind: 'group', regionId: '', serviceId: '', instanceId: '', serverId: '', zoneId: '', groupId: 'g', operation: 'o', operatorId: 'a', token: 't' }] }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(StoreReplicationError);
        expect((failure as Error).message).toMatch(/store\.minReplicas is 5 and \d of them confirmed it within 50 ms/);
        // the primary has it: the write is unacknowledged, not undone
        expect(await store.operations()).toHaveLength(1);
        expect(store.availability().available).toBe(true);
      } finally {
        await store.close();
        await deleteKeysWithPrefix(redisUrl, keyPrefix);
      }
    });

    it('acknowledges token writes, as every management write, only once minReplicas replicas have them', async () => {
      const keyPrefix = prefix();
      const store = new RedisStore(redisUrl, { keyPrefix, minReplicas: 5, replicaTimeoutMs: 50 });
      await store.init();
      try {
        const row = { id: 'tk_replicas01', name: 'ci', scopes: ['read'], hash: 'a'.repeat(64), createdBy: 'bootstrap', createTime: 1 };
        const added = await store.addToken(row).catch((e: unknown) => e);
        expect(added).toBeInstanceOf(StoreReplicationError);
        expect((added as Error).message).toMatch(/token write \(revision \d+\) reached the Redis primary, but store\.minReplicas is 5 and \d of them confirmed it within 50 ms/);
        expect((await store.tokens()).map((t) => t.id)).toEqual([row.id]);
        // a name that is taken is refused by the script itself, before any WAIT
        await expect(store.addToken({ ...row, id: 'tk_replicas02' })).rejects.toThrow(/exists/);
        await expect(store.removeToken(row.id)).rejects.toBeInstanceOf(StoreReplicationError);
        expect(await store.tokens()).toEqual([]);
        // removing a token that is not there writes nothing and waits for no replica
        expect(await store.removeToken(row.id)).toBe(false);
        expect(store.availability().available).toBe(true);
      } finally {
        await store.close();
        await deleteKeysWithPrefix(redisUrl, keyPrefix);
      }
    });

    it('refuses keys written with another layout version', async () => {
      const keyPrefix = prefix();
      const admin = testRedisClient(redisUrl);
      try {
        await admin.connect();
        await admin.set(`${keyPrefix}schema`, '99');
        const store = new RedisStore(redisUrl, { keyPrefix });
        await expect(store.init()).rejects.toBeInstanceOf(StoreSchemaError);
        await store.close();
      } finally {
        admin.disconnect();
        await deleteKeysWithPrefix(redisUrl, keyPrefix);
      }
    });

    it('keeps every key under its prefix', async () => {
      const keyPrefix = prefix();
      const store = await openStore(redisUrl, keyPrefix);
      try {
        await store.write({
          upsert: [{ kind: 'group', regionId: '', serviceId: '', instanceId: '', serverId: '', zoneId: '', groupId: 'g', operation: 'o', operatorId: 'a', token: 't' }],
          canary: [{ serviceId: 's', appId: 'a', regionId: 'r', ips: [] }],
          logs: [{ table: 'route-rule', fields: { name: 'n' } }],
        });
        const suffixes = ['canaries', 'log-seq', 'log:route-rule', 'operations', 'revision', 'schema', 'store-id'];
        expect(await deleteKeysWithPrefix(redisUrl, keyPrefix)).toBe(suffixes.length);
      } finally {
        await store.close();
      }
    });
  });
}
