import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateCommand } from '../../src/cli/migrate-command.js';
import { readContents, type StoreContents } from '../../src/cli/migrate-copy.js';
import { sortedOps } from '../../src/store/contract/harness.js';
import { createStore, operationRow, type EntityWrite, type ManagementStore } from '../../src/store/index.js';
import type { RowDataPacket } from 'mysql2/promise';
import { adminConnection, createTestDatabase, dropTestDatabases, mysqlServerForTests, uniqueDatabaseName } from '../helpers/mariadb.js';
import { deleteKeysWithPrefix, redisUrlForTests, stopTestRedis, uniqueKeyPrefix } from '../helpers/redis.js';

const mysqlServer = await mysqlServerForTests();
const redisUrl = await redisUrlForTests();
const dir = mkdtempSync(join(tmpdir(), 'artemis-migrate-'));
const databases: string[] = [];
const prefix = uniqueKeyPrefix('migrate');

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (mysqlServer !== undefined) await dropTestDatabases(mysqlServer, databases);
  if (redisUrl !== undefined) await deleteKeysWithPrefix(redisUrl, prefix);
  await stopTestRedis();
});

const audit = { operation: 'release', operatorId: 'alice', token: 't-1', extensions: '{}', reason: 'blue/green' };
const put = (kind: EntityWrite['kind'], key: string, fields: Record<string, string | number | boolean | null>): EntityWrite => ({ op: 'put', kind, key, create: fields, update: {} });

/** Every kind of record, as the management layer writes them, plus ids left by deleted records and one record no Java row can hold. */
async function writeFixture(store: ManagementStore): Promise<void> {
  const group = (name: string) => ({ serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', name, appId: '100001', description: null, status: 'active', deleted: false });
  await store.write({
    upsert: [
      operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.0.0.1:8080', operation: 'pullout', operatorId: 'alice', token: 't-1' }),
      operationRow({ kind: 'server', regionId: 'SHA', serverId: '10.0.0.9', operation: 'pullout', operatorId: 'bob', token: 't-2' }),
      operationRow({ kind: 'zone', regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z2', operation: 'pullout', operatorId: 'carol', token: 't-3' }),
      operationRow({ kind: 'group', groupId: '3', operation: 'pullout', operatorId: 'dave', token: 't-4' }),
    ],
    canary: [{ serviceId: 'demo.order', appId: '100001', regionId: 'SHA', ips: ['10.0.0.7', '10.0.0.8'] }],
    entities: [
      put('group', 'demo.order/sha/sha-z1/blue', group('blue')),
      put('group', 'demo.order/sha/sha-z1/gone', group('gone')),
      put('group', 'demo.order/sha/sha-z1/green', { ...group('green'), description: 'the new release' }),
      put('route-rule', 'demo.order\u0000release-2024', { serviceId: 'demo.order', name: 'release-2024', description: null, status: 'active', strategy: 'weighted-round-robin', deleted: false }),
      put('route-rule-group', '1:1', { routeRuleId: 1, groupId: 1, weight: 80, unreleasedWeight: 70 }),
      put('route-rule-group', '1:3', { routeRuleId: 1, groupId: 3, weight: null, unreleasedWeight: 30 }),
      put('group-tag', '1\u0000env', { groupId: 1, tag: 'env', value: 'prod' }),
      put('group-instance', '3\u000010.0.0.5:8080', { groupId: 3, instanceId: '10.0.0.5:8080' }),
      put('service-instance', 'demo.order\u0000logic-1', {
        serviceId: 'demo.order', instanceId: 'logic-1', ip: '10.0.0.6', machineName: 'm6', metadata: '{"k":"v"}', port: 8080, protocol: 'http',
        regionId: 'SHA', zoneId: 'sha-z1', healthCheckUrl: 'http://10.0.0.6/health', url: 'http://10.0.0.6:8080', description: null, groupId: 'green',
      }),
      put('route-rule', 'odd', { note: 'Grüße 🚀', weight: 0.25 }),
    ],
  });
  await store.write({ entities: [{ op: 'delete', kind: 'group', id: 2 }, { op: 'patch', kind: 'group', id: 3, update: { status: 'inactive' } }] });
  await store.write({
    logs: [
      { table: 'instance-operation', fields: { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.0.0.1:8080', operation: 'pullout', operatorId: 'alice', token: 't-1', extensions: '{}', complete: false } },
      { table: 'server-operation', fields: { regionId: 'SHA', serverId: '10.0.0.9', operation: 'pullout', operatorId: 'bob', token: 't-2', extensions: '{}', complete: false } },
      { table: 'zone-operation', fields: { regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z2', operation: 'pullout', operatorId: 'carol', token: 't-3', complete: false } },
      { table: 'group-operation', fields: { groupId: 3, operation: 'pullout', complete: false, operatorId: 'dave', token: 't-4', extensions: '{}', reason: 'canary' } },
      { table: 'group', fields: { serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', name: 'blue', appId: '100001', status: 'active', ...audit } },
      { table: 'route-rule', fields: { serviceId: 'demo.order', name: 'release-2024', status: 'active', ...audit, complete: false } },
      { table: 'route-rule-group', fields: { routeRuleId: 1, groupId: 1, weight: 70, ...audit } },
      { table: 'group-instance', fields: { groupId: 0, instanceId: '10.0.0.7', operation: 'canary', operatorId: 'erin', token: 't-5', reason: '' } },
      {
        table: 'service-instance',
        fields: {
          serviceId: 'demo.order', instanceId: 'logic-1', ip: '10.0.0.6', machineName: 'm6', metadata: '{"k":"v"}', port: 8080, protocol: 'http', regionId: 'SHA',
          zoneId: 'sha-z1', healthCheckUrl: 'http://10.0.0.6/health', url: 'http://10.0.0.6:8080', groupId: 'green', operation: 'add', operatorId: 'frank', token: 't-6',
        },
      },
      { table: 'instance-operation', fields: { instanceId: '10.0.0.1:8080', complete: true, note: 'a field no Java column holds' } },
    ],
  });
}

/** A store's whole contents; operations and canaries in a stable order (stores list them in their own). */
async function contentsOf(url: string, keyPrefix?: string): Promise<StoreContents> {
  const store = createStore({ url, dataDir: dir, keyPrefix });
  await store.init();
  try {
    const c = await readContents(store);
    return { ...c, operations: sortedOps(c.operations), canaries: [...c.canaries].sort((x, y) => x.appId.localeCompare(y.appId)) };
  } finally {
    await store.close();
  }
}

async function migrate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await migrateCommand(args, { out: (t) => void (out += t), err: (t) => void (err += t) }, false);
  return { code, out, err };
}

describe.skipIf(mysqlServer === undefined || redisUrl === undefined)('artemis migrate', () => {
  it('round-trips every kind of record SQLite → MySQL → Redis → SQLite unchanged, and a second run changes nothing', async () => {
    const first = `sqlite:${join(dir, 'first.db')}`;
    const last = `sqlite:${join(dir, 'last.db')}`;
    const name = uniqueDatabaseName('migrate');
    databases.push(name);
    const mysql = await createTestDatabase(mysqlServer!, name);
    const source = createStore({ url: first, dataDir: dir });
    await source.init();
    await writeFixture(source);
    await source.close();
    const original = await contentsOf(first);
    expect(original.entities.group.map((g) => g.id)).toEqual([1, 3]);

    const dry = await migrate(['--from', first, '--to', mysql, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('would copy: operations 4, canaries 1, entities group 2');
    expect((await contentsOf(mysql)).operations).toEqual([]);

    const hops: Array<[string, string, string[]]> = [
      [first, mysql, []],
      [mysql, `${redisUrl!}`, ['--to-key-prefix', prefix]],
      [`${redisUrl!}`, last, ['--from-key-prefix', prefix]],
    ];
    for (const [from, to, extra] of hops) {
      const run = await migrate(['--from', from, '--to', to, ...extra]);
      expect(run.err).not.toContain('failed');
      expect(run.out).toContain('verified: both stores hold the same');
      expect(run.code).toBe(0);
    }
    // In MySQL the records are Java rows; only the one no Java row can hold is in the side table.
    const sql = await adminConnection(mysqlServer!, name);
    try {
      const [groups] = await sql.query<RowDataPacket[]>('SELECT ID, NAME, STATUS FROM service_group ORDER BY ID');
      expect(groups.map((g): unknown[] => [g.ID, g.NAME, g.STATUS])).toEqual([[1, 'blue', 'active'], [3, 'green', 'inactive']]);
      const [side] = await sql.query<RowDataPacket[]>('SELECT kind, id, entity_key FROM artemis_entity');
      expect(side.map((r): unknown[] => [r.kind, r.id, r.entity_key])).toEqual([['route-rule', 2, 'odd']]);
      const [ops] = await sql.query<RowDataPacket[]>('SELECT GROUP_ID, OPERATION FROM service_group_operation');
      expect(ops.map((r): unknown[] => [r.GROUP_ID, r.OPERATION])).toEqual([[3, 'pullout']]);
    } finally {
      await sql.end();
    }
    const final = await contentsOf(last);
    expect(final).toEqual(original);
    expect(await contentsOf(mysql)).toEqual(original);
    expect(await contentsOf(redisUrl!, prefix)).toEqual(original);

    for (const [from, to, extra] of hops) {
      const again = await migrate(['--from', from, '--to', to, ...extra]);
      expect(again.out).toContain('to copy: nothing');
      expect(again.code).toBe(0);
    }
    expect(await contentsOf(last)).toEqual(original);
  });

  it('reports differences with exit code 1, and usage errors with 2', async () => {
    const a = `sqlite:${join(dir, 'a.db')}`;
    const b = `sqlite:${join(dir, 'b.db')}`;
    const store = createStore({ url: a, dataDir: dir });
    await store.init();
    await store.write({ upsert: [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 's', instanceId: 'i', operation: 'pullout' })] });
    await store.close();
    const other = createStore({ url: b, dataDir: dir });
    await other.init();
    await other.write({ upsert: [operationRow({ kind: 'server', regionId: 'SHA', serverId: '10.0.0.1', operation: 'pullout' })] });
    await other.close();
    const verify = await migrate(['--from', a, '--to', b, '--verify-only']);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain('verification found 2 differences');
    expect(verify.out).toContain('missing in the target');
    expect(verify.out).toContain('only in the target');
    expect((await migrate(['--from', a])).code).toBe(2);
    expect((await migrate(['--from', a, '--to', 'ftp://x'])).code).toBe(1);
  });
});
