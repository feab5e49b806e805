import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKeys } from '../../src/management/routing/routing-records.js';
import { JAVA_KEYS } from '../../src/store/mysql/mysql-rows.js';
import { JAVA_TABLES, javaDdl } from '../../src/store/mysql/mysql-schema.js';
import { MysqlStore } from '../../src/store/mysql/mysql-store.js';
import { StoreSchemaError } from '../../src/store/store-errors.js';
import { adminConnection, createTestDatabase, dropTestDatabases, mysqlServerForTests, uniqueDatabaseName } from '../helpers/mariadb.js';
import { instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';

const server = await mysqlServerForTests();
const created: string[] = [];
const POLL_MS = 200;

afterAll(async () => {
  if (server !== undefined) await dropTestDatabases(server, created);
});

async function freshDatabase(label: string): Promise<{ name: string; url: string }> {
  const name = uniqueDatabaseName(label);
  created.push(name);
  return { name, url: await createTestDatabase(server!, name) };
}

async function rows(sql: Connection, query: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await sql.query<RowDataPacket[]>(query, params);
  return result;
}

const KEY = { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' };
const lookupBody = { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' };

async function lookup(url: string): Promise<any> {
  return (await postJson(`${url}/api/discovery/lookup.json`, lookupBody)).body.services[0];
}

/** Polls `what` until `ok`; returns the value and how long it took. */
async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await what();
    if (ok(value) || Date.now() - started > timeoutMs) return { value, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(server === undefined)('MySQL store on the Java schema', () => {
  it('creates the 20 Java tables in an empty database, as the DDL describes them', async () => {
    const db = await freshDatabase('ddl');
    const store = new MysqlStore(db.url);
    await store.init();
    expect(store.createdJavaTables).toBe(true);
    await store.close();
    const sql = await adminConnection(server!, db.name);
    try {
      const tables = (await rows(sql, 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()')).map((r) => String(r.t));
      expect(JAVA_TABLES.every((t) => tables.includes(t.name))).toBe(true);
      expect(tables.filter((t) => !t.startsWith('artemis_')).sort()).toEqual(JAVA_TABLES.map((t) => t.name).sort());
      const columns = await rows(sql, "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS ct, IS_NULLABLE AS n, COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'service_group' ORDER BY ORDINAL_POSITION");
      expect(columns.map((c): unknown[] => [c.c, c.ct, c.n])).toEqual([
        ['ID', 'bigint(20)', 'NO'],
        ['SERVICE_ID', 'varchar(255)', 'NO'],
        ['REGION_ID', 'varchar(255)', 'NO'],
        ['ZONE_ID', 'varchar(255)', 'NO'],
        ['NAME', 'varchar(255)', 'NO'],
        ['APP_ID', 'varchar(255)', 'NO'],
        ['DESCRIPTION', 'varchar(1024)', 'YES'],
        ['STATUS', 'varchar(255)', 'NO'],
        ['DELETED', 'tinyint(1)', 'YES'],
        ['type', 'varchar(64)', 'NO'],
        ['CREATE_TIME', 'datetime', 'NO'],
        ['DataChange_LastTime', 'timestamp', 'NO'],
      ]);
      const keys = await rows(sql, "SELECT INDEX_NAME AS i, NON_UNIQUE AS nu FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'instance' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME");
      expect(keys.map((k): unknown[] => [k.i, Number(k.nu)])).toEqual([['DataChange_LastTime', 1], ['INSTANCE_ID', 0], ['PRIMARY', 0]]);
    } finally {
      await sql.end();
    }
  });

  it('refuses an incompatible Java schema, naming every difference, and changes nothing', async () => {
    const db = await freshDatabase('bad');
    const sql = await adminConnection(server!, db.name);
    try {
      for (const ddl of javaDdl()) await sql.query(ddl);
      await sql.query('ALTER TABLE instance MODIFY TOKEN int(11) NOT NULL DEFAULT 0');
      await sql.query('ALTER TABLE service_group DROP INDEX SERVICE_REGION_ZONE_GROUP');
      await sql.query('DROP TABLE service_zone_log');
      const store = new MysqlStore(db.url);
      const failure = await store.init().then(() => undefined, (err: unknown) => err);
      await store.close();
      expect(failure).toBeInstanceOf(StoreSchemaError);
      const message = (failure as Error).message;
      expect(message).toContain('column instance.TOKEN is int(11), expected varchar(255)');
      expect(message).toContain('table service_group has no unique key on (SERVICE_ID, REGION_ID, ZONE_ID, NAME)');
      expect(message).toContain('table service_zone_log is missing');
      const tables = (await rows(sql, 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()')).map((r) => String(r.t));
      expect(tables.filter((t) => t.startsWith('artemis_'))).toEqual([]);
      expect(tables).not.toContain('service_zone_log');
      const [token] = await rows(sql, "SELECT COLUMN_TYPE AS ct FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'instance' AND COLUMN_NAME = 'TOKEN'");
      expect(token!.ct).toBe('int(11)');
    } finally {
      await sql.end();
    }
  });

  it('derives the keys of Java rows as the management layer keys its records', () => {
    const g = { serviceId: ' Demo.Order ', regionId: 'SHA', zoneId: '', name: 'Blue' };
    expect(JAVA_KEYS.group(g)).toBe(recordKeys.group(g));
    expect(JAVA_KEYS['route-rule']({ serviceId: 'Demo.Order', name: ' R1 ' })).toBe(recordKeys.routeRule({ serviceId: 'Demo.Order', name: ' R1 ' }));
    expect(JAVA_KEYS['route-rule-group']({ routeRuleId: 3, groupId: 7 })).toBe(recordKeys.routeRuleGroup(3, 7));
    expect(JAVA_KEYS['group-tag']({ groupId: 3, tag: 'Env' })).toBe(recordKeys.groupTag(3, 'Env'));
    expect(JAVA_KEYS['group-instance']({ groupId: 3, instanceId: 'I-1' })).toBe(recordKeys.groupInstance(3, 'I-1'));
    expect(JAVA_KEYS['service-instance']({ serviceId: 'S', instanceId: 'I-1' })).toBe(recordKeys.serviceInstance('S', 'I-1'));
  });

  it('takes one revision for a Java write however many of our stores watch, and marks routing changes for reload', async () => {
    const db = await freshDatabase('feed');
    const open = async () => {
      const s = new MysqlStore(db.url, { pollIntervalMs: 20 });
      await s.init();
      return s;
    };
    const stores = [await open(), await open(), await open()];
    const sql = await adminConnection(server!, db.name);
    try {
      const seen = stores.map(() => [] as number[]);
      stores.forEach((s, i) => s.watch((c) => seen[i]!.push(c.revision)));
      const before = await stores[0]!.revision();
      await sql.query("INSERT INTO server (region_id, server_id, operation, operator_id, token) VALUES ('SHA', '10.0.0.9', 'pullout', 'java-ops', 't')");
      const after = before + 1;
      await until(() => Promise.resolve(seen.every((r) => r.includes(after))), (ok) => ok, 5_000);
      // Give every poller a few more rounds: none may take another revision for the same write.
      await new Promise((r) => setTimeout(r, 200));
      expect(await stores[1]!.revision()).toBe(after);
      expect(seen.every((r) => r.includes(after))).toBe(true);
      expect(await stores[2]!.entityRevision()).toBe(0);
      expect((await stores[2]!.operations()).map((o) => [o.kind, o.serverId, o.operatorId])).toEqual([['server', '10.0.0.9', 'java-ops']]);

      await sql.query("INSERT INTO service_group_tag (group_id, tag, value) VALUES (7, 'env', 'prod')");
      await until(() => stores[0]!.entityRevision(), (r) => r > 0, 5_000);
      expect(await stores[0]!.entityRevision()).toBe(await stores[0]!.revision());
      expect(await stores[1]!.entities('group-tag')).toEqual([{ id: 1, key: '7\u0000env', fields: { groupId: 7, tag: 'env', value: 'prod' } }]);
    } finally {
      await sql.end();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  describe('a node beside Java writers', () => {
    let node: RunningNode;
    let sql: Connection;
    beforeAll(async () => {
      const db = await freshDatabase('java');
      // The database as a Java installation leaves it: the Java tables exist before any node of ours starts.
      sql = await adminConnection(server!, db.name);
      for (const ddl of javaDdl()) await sql.query(ddl);
      // Management auth off: the audit token is stored as the caller gave it, as Java nodes do
      // (with it on, the TOKEN column holds the name and id of the authorising token instead).
      node = await startTestNode({ 'store.url': `${db.url}?pollIntervalMs=${POLL_MS}`, 'security.managementAuth': false });
      await postJson(`${node.url}/api/registry/register.json`, { instances: [instance()] });
    });
    afterAll(async () => {
      await node?.stop();
      await sql?.end();
    });

    it('hides an instance within the poll interval after a Java node pulls it out by SQL, and shows it again after the pull-in', async () => {
      expect((await lookup(node.url)).instances.map((i: { instanceId: string }) => i.instanceId)).toEqual([KEY.instanceId]);
      // What the Java InstanceDao and InstanceLogDao execute for operate-instance (pull-out).
      await sql.query(
        'INSERT INTO instance (region_id, service_id, instance_id, operation, operator_id, token) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON DUPLICATE KEY UPDATE operator_id = VALUES(operator_id), token = VALUES(token)',
        [KEY.regionId, KEY.serviceId, KEY.instanceId, 'pullout', 'java-ops', 'ticket-1'],
      );
      await sql.query(
        'INSERT INTO instance_log (region_id, service_id, instance_id, operation, operator_id, token, extensions, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [KEY.regionId, KEY.serviceId, KEY.instanceId, 'pullout', 'java-ops', 'ticket-1', '{}', 0],
      );
      const hidden = await until(() => lookup(node.url), (s) => s.instances.length === 0, 5_000);
      console.log(`Java pull-out by SQL hidden in discovery after ${hidden.ms} ms (poll interval ${POLL_MS} ms)`);
      expect(hidden.value.instances).toEqual([]);
      expect(hidden.ms).toBeLessThan(POLL_MS * 2 + 500);

      const ops = (await postJson(`${node.url}/api/management/instance-operations.json`, { instanceKey: KEY })).body;
      expect(ops.operations).toEqual({ instanceKey: KEY, operations: ['pullout'] });
      const logs = (await postJson(`${node.url}/api/management/log/instance-operation-logs.json`, { instanceId: KEY.instanceId })).body.logs;
      expect(logs).toMatchObject([{ complete: false, extensions: '{}', operation: 'pullout', operatorId: 'java-ops', regionId: 'SHA', serviceId: 'demo.order', token: 'ticket-1' }]);
      expect(logs[0].createTime).toBeGreaterThan(Date.now() - 60_000);

      await sql.query('DELETE FROM instance WHERE region_id = ? AND service_id = ? AND instance_id = ? AND operation = ?', [KEY.regionId, KEY.serviceId, KEY.instanceId, 'pullout']);
      const shown = await until(() => lookup(node.url), (s) => s.instances.length === 1, 5_000);
      expect(shown.value.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual([KEY.instanceId]);
      expect(shown.ms).toBeLessThan(POLL_MS * 2 + 500);
    });

    it('writes pull-outs and their logs as the Java DAOs read them, DataChange_LastTime included', async () => {
      const operate = (complete: boolean, token: string) => ({ instanceKey: KEY, operation: 'pullout', operationComplete: complete, operatorId: 'alice', token });
      expect((await postJson(`${node.url}/api/management/operate-instance.json`, operate(false, 't-1'))).body.responseStatus.status).toBe('success');
      const [first] = await rows(sql, 'SELECT *, UNIX_TIMESTAMP(DataChange_LastTime) AS lt FROM instance');
      expect(first).toMatchObject({ INSTANCE_ID: KEY.instanceId, SERVICE_ID: KEY.serviceId, REGION_ID: KEY.regionId, OPERATION: 'pullout', OPERATOR_ID: 'alice', TOKEN: 't-1' });
      // DataChange_LastTime has whole seconds: let one pass before the update.
      await new Promise((r) => setTimeout(r, 1_100));
      await postJson(`${node.url}/api/management/operate-instance.json`, operate(false, 't-2'));
      const again = await rows(sql, 'SELECT *, UNIX_TIMESTAMP(DataChange_LastTime) AS lt FROM instance');
      expect(again).toHaveLength(1);
      expect(again[0]).toMatchObject({ ID: first!.ID, OPERATOR_ID: 'alice', TOKEN: 't-2' });
      expect(Number(again[0]!.lt)).toBeGreaterThan(Number(first!.lt));
      await postJson(`${node.url}/api/management/operate-instance.json`, operate(true, 't-3'));
      expect(await rows(sql, 'SELECT * FROM instance')).toEqual([]);
      const logs = await rows(sql, "SELECT INSTANCE_ID, SERVICE_ID, REGION_ID, OPERATION, OPERATOR_ID, TOKEN, COMPLETE, EXTENSIONS FROM instance_log WHERE OPERATOR_ID = 'alice' ORDER BY ID");
      expect(logs.map((l) => ({ ...l }))).toEqual(
        ['t-1', 't-2', 't-3'].map((token, i) => ({
          INSTANCE_ID: KEY.instanceId, SERVICE_ID: KEY.serviceId, REGION_ID: KEY.regionId, OPERATION: 'pullout', OPERATOR_ID: 'alice', TOKEN: token, COMPLETE: i === 2 ? 1 : 0, EXTENSIONS: '{}',
        })),
      );
      // Every log the management layer writes is a plain Java row: nothing needed the side table.
      expect(await rows(sql, 'SELECT * FROM artemis_log_extra')).toEqual([]);
    });

    it('writes route rules, groups and weights as Java rows, and sees a weight a Java node publishes', async () => {
      const G = '/api/management/group';
      const audit = { operation: 'release', operatorId: 'alice', token: 't-1', reason: 'blue/green' };
      const group = (name: string) => ({ serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', name, appId: '100001', status: 'active' });
      const createRule = {
        routeRule: { serviceId: 'demo.order', name: 'release-2024', status: 'active', strategy: 'weighted-round-robin' },
        groups: [{ ...group('blue'), weight: 80 }, { ...group('green'), weight: 20 }],
        ...audit,
      };
      expect((await postJson(`${node.url}${G}/create-route-rule.json`, createRule)).body.responseStatus.status).toBe('success');
      const [rule] = await rows(sql, 'SELECT * FROM service_route_rule');
      expect(rule).toMatchObject({ SERVICE_ID: 'demo.order', NAME: 'release-2024', STATUS: 'active', strategy: 'weighted-round-robin', DELETED: 0, DESCRIPTION: null });
      const groups = await rows(sql, 'SELECT ID, SERVICE_ID, REGION_ID, ZONE_ID, NAME, APP_ID, STATUS, DELETED, type FROM service_group ORDER BY ID');
      expect(groups.map((g): unknown[] => [g.NAME, g.APP_ID, g.STATUS, g.DELETED, g.type])).toEqual([['blue', '100001', 'active', 0, 'physical'], ['green', '100001', 'active', 0, 'physical']]);
      const links = await rows(sql, 'SELECT ROUTE_RULE_ID, GROUP_ID, WEIGHT, UNRELEASED_WEIGHT FROM service_route_rule_group ORDER BY ID');
      expect(links.map((l) => ({ ...l }))).toEqual([
        { ROUTE_RULE_ID: rule!.ID, GROUP_ID: groups[0]!.ID, WEIGHT: null, UNRELEASED_WEIGHT: 80 },
        { ROUTE_RULE_ID: rule!.ID, GROUP_ID: groups[1]!.ID, WEIGHT: null, UNRELEASED_WEIGHT: 20 },
      ]);
      const ruleLogs = await rows(sql, 'SELECT SERVICE_ID, NAME, STATUS, OPERATION, OPERATOR_ID, TOKEN, REASON FROM service_route_rule_log');
      expect(ruleLogs.map((l) => ({ ...l }))).toEqual([{ SERVICE_ID: 'demo.order', NAME: 'release-2024', STATUS: 'active', OPERATION: 'release', OPERATOR_ID: 'alice', TOKEN: 't-1', REASON: 'blue/green' }]);
      expect(await rows(sql, 'SELECT * FROM artemis_entity')).toEqual([]);

      // A Java node releases the weights (RouteRuleGroupDao: WEIGHT = UNRELEASED_WEIGHT by pair).
      await sql.query('UPDATE service_route_rule_group SET WEIGHT = UNRELEASED_WEIGHT WHERE ROUTE_RULE_ID = ?', [rule!.ID]);
      const weights = (s: any): number[] => ((s.routeRules?.[0]?.groups ?? []) as Array<{ weight: number }>).map((g) => g.weight);
      const released = await until(() => lookup(node.url), (s) => weights(s).join() === '80,20', 5_000);
      expect(weights(released.value)).toEqual([80, 20]);
      expect(released.ms).toBeLessThan(POLL_MS * 2 + 500);
    });
  });
});
