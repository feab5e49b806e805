import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import { operationRow } from '../../src/store/management-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { request } from '../helpers/http.js';
import { ADMIN_HEADERS, inProcessManagedNode, tempDataDir } from '../helpers/node.js';

const pullOut = (instanceId: string) => ({ instanceKey: { regionId: 'SHA', serviceId: 'demo.order', instanceId }, operation: 'pullout', operatorId: 'alice', token: 't' });

describe('a node applies its own management writes in memory', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(): Promise<{ node: ArtemisNode; store: SqliteStore; peer: SqliteStore }> {
    const dataDir = tempDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const store = new SqliteStore(join(dataDir, 'artemis.db'));
    const node = await inProcessManagedNode({ dataDir }, { store });
    cleanup.push(() => node.stop());
    // another process sharing the file, whose writes this node learns of only by polling
    const peer = new SqliteStore(join(dataDir, 'artemis.db'), { pollIntervalMs: 60_000 });
    await peer.init();
    cleanup.push(() => peer.close());
    return { node, store, peer };
  }

  const post = async (node: ArtemisNode, path: string, body: unknown) =>
    (await request(node, path, { method: 'POST', headers: { 'content-type': 'application/json', ...ADMIN_HEADERS }, body: JSON.stringify(body) })).json() as Promise<{ allInstanceOperations: Array<{ instanceKey: { instanceId: string } }> }>;
  const pulledOut = async (node: ArtemisNode) => (await post(node, '/api/management/all-instance-operations.json', {})).allInstanceOperations.map((o) => o.instanceKey.instanceId).sort();

  it('shows its own writes at once without reading the store again', async () => {
    const { node, store, peer } = await setup();
    const reads = vi.spyOn(store, 'operations');
    for (const id of ['a', 'b', 'c']) await post(node, '/api/management/operate-instance.json', pullOut(id));
    expect(await pulledOut(node)).toEqual(['a', 'b', 'c']);
    await post(node, '/api/management/operate-instance.json', { ...pullOut('b'), operationComplete: true });
    expect(await pulledOut(node)).toEqual(['a', 'c']);
    await new Promise((r) => setImmediate(r));
    expect(reads).not.toHaveBeenCalled();
    expect((await peer.operations()).map((r) => r.instanceId).sort()).toEqual(['a', 'c']);
  });

  it('reloads instead when another writer came in between, so its write is not skipped', async () => {
    const { node, peer } = await setup();
    await post(node, '/api/management/operate-instance.json', pullOut('mine-1'));
    await peer.write({ upsert: [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo.order', instanceId: 'theirs', operation: 'pullout' })] });
    await post(node, '/api/management/operate-instance.json', pullOut('mine-2'));
    expect(await pulledOut(node)).toEqual(['mine-1', 'mine-2', 'theirs']);
  });
});
