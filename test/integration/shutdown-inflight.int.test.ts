import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNode } from '../../src/app.js';
import { operationRow, type OperationRow } from '../../src/store/management-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { TEST_CLUSTER_KEY } from '../helpers/cluster.js';
import { tempDataDir, testConfig } from '../helpers/node.js';
import { waitFor } from '../helpers/wait.js';

/** A gate that a test opens once; everything waiting on it continues then. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** The node's SQLite store whose reads of operation rows wait at a gate while `slow` is set; it records when it is closed. */
class SlowReadStore extends SqliteStore {
  slow = false;
  readonly reads = gate();
  readWaiting = false;
  readonly events: string[] = [];
  /** What the test sees at the moment the node closes the store. */
  atClose: { refreshApplied: boolean; antiEntropyAnswered: boolean; antiEntropyRoundDone: boolean } | undefined;
  onClose: () => typeof this.atClose = () => undefined;

  override async operations(): Promise<OperationRow[]> {
    if (this.slow) {
      this.readWaiting = true;
      await this.reads.wait;
      this.events.push('refresh read released');
    }
    return super.operations();
  }

  override async close(): Promise<void> {
    this.atClose ??= this.onClose();
    this.events.push('store closed');
    return super.close();
  }
}

/** A static peer that answers status and start-up copy at once, and holds every digest request until released. */
async function slowPeer(): Promise<{ url: string; server: Server; digestWaiting: () => boolean; release(): void; answered: () => boolean }> {
  const held = gate();
  let waiting = false;
  let answered = false;
  const reply = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const success = { status: 'success' };
      if (path.endsWith('/api/status/node.json')) {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const node = { url, zone: { metadata: null, regionId: 'SHA', zoneId: 'sha-z1' } };
        reply(res, { nodeStatus: { allowDiscoveryFromOtherZone: false, allowRegistryFromOtherZone: false, canServiceDiscovery: true, canServiceRegistry: true, node, status: 'up' }, responseStatus: success });
      } else if (path.endsWith('/api/replication/registry/services.json')) {
        reply(res, { responseStatus: success, services: [] });
      } else if (path.endsWith('/api/replication/registry/digest.json')) {
        const { root } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { root: string };
        waiting = true;
        void held.wait.then(() => {
          answered = true;
          // the same root: nothing differs, the round ends with this answer
          reply(res, { responseStatus: success, root, digests: {} });
        });
      } else {
        reply(res, { responseStatus: success });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, digestWaiting: () => waiting, release: () => held.open(), answered: () => answered };
}

describe('shutdown with background work in flight', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('closes the store only after a running management refresh and anti-entropy round have finished', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    cleanup.push(() => void process.off('unhandledRejection', onRejection));

    const peer = await slowPeer();
    cleanup.push(() => {
      peer.server.closeAllConnections();
      return new Promise<void>((resolve) => peer.server.close(() => resolve()));
    });
    const dataDir = tempDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const file = join(dataDir, 'artemis.db');
    const store = new SlowReadStore(file, { pollIntervalMs: 20 });
    const config = testConfig({
      dataDir,
      'cluster.peers': [peer.url],
      'cluster.key': TEST_CLUSTER_KEY,
      'cluster.joinTimeoutMs': 2_000,
      'replication.antiEntropyIntervalMs': 50,
      'replication.timeoutMs': 10_000,
      'http.shutdownTimeoutMs': 8_000,
    });
    const node = createNode(config, { store });
    cleanup.push(() => {
      peer.release();
      store.reads.open();
      return node.stop();
    });
    await node.start();
    const exchanges = async () => {
      const metric = await node.metrics.registry.getSingleMetric('artemis_anti_entropy_exchanges_total')?.get();
      return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
    };

    // another process writes to the shared file; the node's revision poll starts a refresh that waits in the store
    store.slow = true;
    const other = new SqliteStore(file);
    await other.init();
    cleanup.push(() => other.close());
    await other.write({ upsert: [operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo.order', instanceId: 'i-1', operation: 'pullout' })] });
    await waitFor(() => store.readWaiting, { message: 'the management refresh to wait in the store' });
    // an anti-entropy round waits for the slow peer's digest answer
    await waitFor(() => peer.digestWaiting(), { message: 'the anti-entropy round to wait for the peer' });
    const exchangesBefore = await exchanges();
    let roundDone = false;
    store.onClose = () => ({
      refreshApplied: node.management.service.state.instances.size === 1,
      antiEntropyAnswered: peer.answered(),
      antiEntropyRoundDone: roundDone,
    });

    const stopped = node.stop();
    // both finish a while after the stop began
    await new Promise((r) => setTimeout(r, 300));
    expect(store.events).not.toContain('store closed');
    peer.release();
    await waitFor(async () => (await exchanges()) > exchangesBefore, { message: 'the anti-entropy round to finish', timeoutMs: 5_000 });
    roundDone = true;
    store.reads.open();
    await stopped;

    expect(store.atClose).toEqual({ refreshApplied: true, antiEntropyAnswered: true, antiEntropyRoundDone: true });
    expect(store.events).toEqual(['refresh read released', 'store closed']);
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
  });
});
