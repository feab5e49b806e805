import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { describeManagementStore } from '../../src/store/management-store.contract.js';
import { operationRow } from '../../src/store/management-store.js';
import { logQuery } from '../../src/store/sqlite/sqlite-logs.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/sqlite-schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreInputError, StoreNotInitializedError, StoreSchemaError } from '../../src/store/store-errors.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'artemis-store-'));
}

describeManagementStore('sqlite', async () => {
  const dir = await tempDir();
  const open = async () => {
    const store = new SqliteStore(join(dir, 'artemis.db'));
    await store.init();
    return store;
  };
  return { store: await open(), openPeer: open, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('SqliteStore (sqlite only)', () => {
  let dir: string;
  const stores: SqliteStore[] = [];
  const open = async (file = join(dir, 'artemis.db')) => {
    const store = new SqliteStore(file);
    stores.push(store);
    await store.init();
    return store;
  };

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the schema with a version row, in WAL mode', async () => {
    await open(join(dir, 'nested', 'artemis.db'));
    const db = new Database(join(dir, 'nested', 'artemis.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('migrates a file of schema version 1 (before entity records) and keeps its data', async () => {
    const first = await open();
    await first.write({ upsert: [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 's', instanceId: 'i', operation: 'pullout' })] });
    await first.close();
    const db = new Database(join(dir, 'artemis.db'));
    db.exec('DROP TABLE entity; DROP TABLE entity_seq; DROP TABLE store_identity; DROP TABLE token; UPDATE schema_version SET version = 1');
    db.close();

    const store = await open();
    expect(await store.operations()).toHaveLength(1);
    await store.write({ entities: [{ op: 'put', kind: 'group', key: 'g', create: { name: 'g' }, update: {} }] });
    expect(await store.entities('group')).toEqual([{ id: 1, key: 'g', fields: { name: 'g' } }]);
    const check = new Database(join(dir, 'artemis.db'), { readonly: true });
    try {
      expect(check.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    } finally {
      check.close();
    }
  });

  it('refuses a file written by a newer schema', async () => {
    await (await open()).close();
    const db = new Database(join(dir, 'artemis.db'));
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    db.close();
    await expect(new SqliteStore(join(dir, 'artemis.db')).init()).rejects.toBeInstanceOf(StoreSchemaError);
  });

  it('uses an index for key-field filters and for pruning by createTime', async () => {
    await (await open()).close();
    const db = new Database(join(dir, 'artemis.db'), { readonly: true });
    try {
      const plan = (sql: string, params: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      const byService = logQuery('instance-operation', [['serviceId', 'Svc'], ['complete', true]], 10);
      expect(plan(byService.sql, byService.params)).toMatch(/USING INDEX log_service/);
      const byInstance = logQuery('instance-operation', [['instanceId', 'i']], 10);
      expect(plan(byInstance.sql, byInstance.params)).toMatch(/USING INDEX log_instance/);
      expect(plan('DELETE FROM log WHERE create_time < ?', [1])).toMatch(/USING (COVERING )?INDEX log_create_time/);
    } finally {
      db.close();
    }
  });

  it('works in memory and refuses use before init', async () => {
    const store = new SqliteStore(':memory:');
    stores.push(store);
    await expect(store.operations()).rejects.toBeInstanceOf(StoreNotInitializedError);
    await store.init();
    await store.write({ logs: [{ table: 'group', fields: { name: 'g' } }] });
    expect(await store.queryLogs('group', { name: 'G' }, 10)).toHaveLength(1);
  });

  it('gives distinct revisions to interleaved writes of two stores on one file', async () => {
    const [a, b] = [await open(), await open()];
    for (let i = 0; i < 20; i++) await (i % 2 === 0 ? a : b).write({ logs: [{ table: 'group', fields: { i } }] });
    expect(await a.revision()).toBe(20);
    expect((await b.queryLogs('group', {}, 100)).map((r) => r.i)).toEqual([...Array(20).keys()]);
  });
});

describe('createStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens SQLite at <dataDir>/artemis.db when no URL is set, and at a sqlite: path when given', async () => {
    const byDefault = createStore({ dataDir: join(dir, 'data') });
    const byUrl = createStore({ url: `sqlite:${join(dir, 'other.db')}`, dataDir: dir });
    try {
      await Promise.all([byDefault.init(), byUrl.init()]);
      expect(existsSync(join(dir, 'data', 'artemis.db'))).toBe(true);
      expect(existsSync(join(dir, 'other.db'))).toBe(true);
      expect([byDefault.kind, byUrl.kind]).toEqual(['sqlite', 'sqlite']);
    } finally {
      await Promise.all([byDefault.close(), byUrl.close()]);
    }
  });

  it('picks Redis for redis:// and rediss:// without connecting, and refuses other schemes', async () => {
    for (const url of ['redis://127.0.0.1:1', 'rediss://user:secret@example.invalid:6380/2']) {
      const store = createStore({ url, dataDir: dir, keyPrefix: 'x:' });
      expect(store.kind).toBe('redis');
      await store.close();
    }
    expect(() => createStore({ url: 'postgres://localhost/db', dataDir: dir })).toThrow(StoreInputError);
    expect(() => createStore({ url: 'sqlite:', dataDir: dir })).toThrow(StoreInputError);
  });
});
