import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../core/scheduler.js';
import { operationRow, type StoreChange } from '../management-store.js';
import { SqliteStore } from './sqlite-store.js';

const row = (instanceId: string) => operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo.order', instanceId, operation: 'pullout' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `probe` holds (at most 2 s). */
async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await sleep(10);
}

describe('SQLite revision poll', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  function file(): string {
    const dir = mkdtempSync(join(tmpdir(), 'artemis-poll-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'artemis.db');
  }

  async function open(path: string, options: ConstructorParameters<typeof SqliteStore>[1] = {}): Promise<SqliteStore> {
    const store = new SqliteStore(path, options);
    await store.init();
    cleanup.push(() => store.close());
    return store;
  }

  it('runs on the scheduler it is given, only while that scheduler runs', async () => {
    const path = file();
    const scheduler = new Scheduler(() => undefined);
    cleanup.push(() => scheduler.stop());
    const watched = await open(path, { pollIntervalMs: 10, scheduler });
    const writer = await open(path, { pollIntervalMs: 60_000 });
    const seen: StoreChange[] = [];
    watched.watch((c) => seen.push(c));

    const first = await writer.write({ upsert: [row('a')] });
    await sleep(60);
    expect(seen).toEqual([]);

    scheduler.start();
    await until(() => seen.length > 0);
    expect(seen).toEqual([{ revision: first, resync: false }]);

    await scheduler.stop();
    await writer.write({ upsert: [row('b')] });
    await sleep(60);
    expect(seen).toHaveLength(1);
  });

  it('runs on a scheduler of its own when given none, from init until close', async () => {
    const path = file();
    const watched = await open(path, { pollIntervalMs: 10 });
    const writer = await open(path, { pollIntervalMs: 60_000 });
    const seen: number[] = [];
    watched.watch((c) => seen.push(c.revision));
    const revision = await writer.write({ upsert: [row('a')] });
    await until(() => seen.length > 0);
    expect(seen).toEqual([revision]);
    await watched.close();
    await writer.write({ upsert: [row('b')] });
    await sleep(60);
    expect(seen).toEqual([revision]);
  });
});
