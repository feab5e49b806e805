/**
 * Child process of the durability test: opens a store and writes a burst of management batches
 * (one upsert and one log each), printing each batch's number as soon as its write resolves.
 * stdout is a pipe, which Node writes synchronously on Linux, so a printed number has left this
 * process before the next write starts.
 *
 * Usage: node --import tsx test/helpers/store-burst.ts sqlite <file> <count>
 *        node --import tsx test/helpers/store-burst.ts redis <url> <count> <keyPrefix>
 */
import { operationRow, type ManagementStore } from '../../src/store/management-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** The row and log the burst writes as number `i`, for the test to look for. */
export function burstInstanceId(i: number): string {
  return `burst-${i}`;
}

async function main(args: string[]): Promise<void> {
  const [kind, target, countText, keyPrefix] = args;
  if ((kind !== 'sqlite' && kind !== 'redis') || target === undefined) throw new Error('usage: store-burst.ts sqlite|redis <target> <count> [keyPrefix]');
  const store: ManagementStore = kind === 'redis' ? new RedisStore(target, { keyPrefix }) : new SqliteStore(target);
  await store.init();
  const count = Number(countText ?? 1_000);
  for (let i = 0; i < count; i++) {
    const instanceId = burstInstanceId(i);
    await store.write({
      upsert: [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'burst.service', instanceId, operation: 'pullout', operatorId: 'burst', token: String(i) })],
      logs: [{ table: 'instance-operation', fields: { regionId: 'SHA', serviceId: 'burst.service', instanceId, operation: 'pullout', seq: i } }],
    });
    process.stdout.write(`${i}\n`);
  }
  await store.close();
}

if (process.argv[1]?.endsWith('store-burst.ts')) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
