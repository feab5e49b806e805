import { describe, expect, it } from 'vitest';
import { Scheduler } from '../core/scheduler.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Logger } from '../telemetry/logger.js';
import { NodeMetrics } from '../telemetry/metrics.js';
import type { MemberStore } from '../web/api/store-status.js';
import { StoreHealth } from './store-health.js';

function recordingLogger(lines: Array<[string, string]>): Logger {
  const log = (level: string) => (_: object, msg: string) => void lines.push([level, msg]);
  const logger = { fatal: log('fatal'), error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), trace: log('trace'), flush: () => undefined, child: () => logger };
  return logger;
}

/** A health check over a fresh in-memory store; `members` gets that store's identity. */
async function health(members: MemberStore[] | ((own: string) => MemberStore[]), nodeLocal: boolean) {
  const store = new SqliteStore(':memory:');
  await store.init();
  const list = typeof members === 'function' ? members(store.identity()) : members;
  const lines: Array<[string, string]> = [];
  const metrics = new NodeMetrics({ version: 'test' });
  const h = new StoreHealth({ store, members: () => list, nodeLocal, logger: recordingLogger(lines), metrics, scheduler: new Scheduler(() => undefined), checkIntervalMs: 1_000 });
  return { h, store, lines, metrics };
}

describe('StoreHealth', () => {
  it('is ready and takes writes while every live peer announces this store, or none', async () => {
    const { h, store } = await health((own) => [{ nodeId: 'n2', url: 'http://n2', storeId: own }, { nodeId: 'j1', url: 'http://java', storeId: '' }], false);
    expect(h.peersOnOtherStore()).toEqual([]);
    expect(h.notReadyReason()).toBeNull();
    expect(h.status()).toMatchObject({ kind: 'sqlite', storeId: store.identity(), available: true, acceptsWrites: true, notReadyReason: null, nodeLocal: false });
    expect(h.status().peers.map((p) => p.sameStore)).toEqual([true, false]);
    await store.close();
    // a closed store has no identity to compare: nothing to report
    expect(h.identity()).toBe('');
  });

  it('names the peers on another store as the reason; store.nodeLocal keeps the report but not the block', async () => {
    const other = [{ nodeId: 'n2', url: 'http://n2', storeId: 'other-store' }];
    const { h, lines, metrics } = await health(other, false);
    expect(h.writeBlockers()).toEqual(['n2 at http://n2 uses store other-store']);
    expect(h.notReadyReason()).toMatch(/^management store [0-9a-f-]{36} differs from the peers': n2 at http:\/\/n2 uses store other-store/);
    expect(h.status()).toMatchObject({ acceptsWrites: false, peers: [{ nodeId: 'n2', sameStore: false }] });
    expect(await metrics.text()).toMatch(/^artemis_store_peers_on_other_store 1$/m);
    await h.check();
    await h.check();
    expect(lines).toEqual([['warn', 'peers use another management store: not ready, management writes refused']]);

    const local = await health(other, true);
    expect(local.h.writeBlockers()).toEqual([]);
    expect(local.h.notReadyReason()).toBeNull();
    expect(local.h.status()).toMatchObject({ nodeLocal: true, acceptsWrites: true, peers: [{ sameStore: false }] });
  });

  it('compares with no peer until it is told the members, then with the ones it is told', async () => {
    const store = new SqliteStore(':memory:');
    await store.init();
    const h = new StoreHealth({ store, nodeLocal: false, logger: recordingLogger([]), metrics: new NodeMetrics({ version: 'test' }), scheduler: new Scheduler(() => undefined), checkIntervalMs: 1_000 });
    expect(h.status().peers).toEqual([]);
    h.watchPeers(() => [{ nodeId: 'n2', url: 'http://n2', storeId: 'other-store' }]);
    expect(h.writeBlockers()).toEqual(['n2 at http://n2 uses store other-store']);
    await store.close();
  });
});
