import { afterAll, describe } from 'vitest';
import { describeManagementStore } from '../../src/store/management-store.contract.js';
import { MysqlStore } from '../../src/store/mysql/mysql-store.js';
import { createTestDatabase, dropTestDatabases, mysqlServerForTests, uniqueDatabaseName } from '../helpers/mariadb.js';

const server = await mysqlServerForTests();
const created: string[] = [];

afterAll(async () => {
  if (server !== undefined) await dropTestDatabases(server, created);
});

if (server === undefined) {
  describe.skip('MysqlStore (no MariaDB reachable; see the warning above)', () => undefined);
} else {
  const serverUrl = server;
  describeManagementStore('mysql', async () => {
    const name = uniqueDatabaseName('contract');
    created.push(name);
    const url = await createTestDatabase(serverUrl, name);
    const open = async () => {
      const store = new MysqlStore(url, { pollIntervalMs: 20, pruneLogs: true });
      await store.init();
      return store;
    };
    return { store: await open(), openPeer: open, cleanup: () => dropTestDatabases(serverUrl, [name]) };
  });
}
