import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { copyRegistryFromPeers, mergeCopies } from './startup-sync.js';

const inst = (instanceId: string) => ({ serviceId: 'demo', instanceId, regionId: 'SHA', url: `http://x/${instanceId}` });

/** A peer answering services.json with `ids` after `delayMs` (or HTTP 500 when `ids` is null). */
async function peer(ids: string[] | null, delayMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    setTimeout(() => {
      if (ids === null) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ responseStatus: { status: 'success' }, services: [{ serviceId: 'demo', instances: ids.map(inst) }] }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('start-up copy', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function copy(peers: Array<[string[] | null, number]>, timeoutMs = 2_000) {
    const urls: string[] = [];
    for (const [ids, delay] of peers) {
      const p = await peer(ids, delay);
      servers.push(p.server);
      urls.push(p.url);
    }
    const applied: string[] = [];
    const result = await copyRegistryFromPeers({
      peers: urls,
      regionId: 'SHA',
      timeoutMs,
      logger: silentLogger,
      apply: (copy) => applied.push(...copy.instances.map((c) => (c.instance as { instanceId: string }).instanceId)),
    });
    return { result, applied, urls };
  }

  it('copies the union of the first answer and those within the grace, so a peer that is behind cannot leave the node short', async () => {
    const { result, applied, urls } = await copy([
      [['a', 'b'], 0],
      [['a', 'b', 'c'], 30],
    ]);
    expect(result).toEqual({ peer: urls[0], instances: 3 });
    expect([...new Set(applied)].sort()).toEqual(['a', 'b', 'c']);
  });

  it('does not wait past the grace for a slow peer, and ignores a failing one', async () => {
    const started = Date.now();
    const { result, applied, urls } = await copy([
      [null, 0],
      [['a'], 0],
      [['a', 'late'], 1_500],
    ]);
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(result).toEqual({ peer: urls[1], instances: 1 });
    expect(applied).toEqual(['a']);
  });

  it('starts empty when no peer answers in time', async () => {
    const { result, applied } = await copy([[null, 0]], 300);
    expect(result).toEqual({ peer: null, instances: 0 });
    expect(applied).toEqual([]);
  });
});

describe('merging the peers’ copies', () => {
  const answer = (peer: string, rows: Array<[string, [number, number] | null]>, tombstones: Array<[string, number]> = [], rate: number | null = 2) => ({
    peer,
    services: [{ serviceId: 'demo', instances: rows.map(([id]) => inst(id)) }],
    leaseState: {
      services: [rows.map(([, state]) => state)],
      tombstones: tombstones.map(([id, stamp]) => ({ instance: inst(id), stamp })),
      renewalRates: { instance: rate },
    },
  });

  it('keeps the latest registration and its most recent renewal; a tombstone removes what it ended on any peer', () => {
    const copy = mergeCopies([
      answer('a', [['x', [10, 4_000]], ['y', [20, 100]], ['gone', null]], [['gone', 30]]),
      answer('b', [['x', [10, 1_500]], ['y', [25, 9_000]], ['gone', [30, 200]], ['later', [50, 0]]], [['later', 40]], 3),
    ]);
    const byId = Object.fromEntries(copy.instances.map((c) => [(c.instance as { instanceId: string }).instanceId, [c.stamp, c.renewedAgoMs]]));
    expect(byId).toEqual({ x: [10, 1_500], y: [25, 9_000], later: [50, 0] });
    expect(copy.tombstones.map((t) => [(t.instance as { instanceId: string }).instanceId, t.stamp]).sort()).toEqual([['gone', 30], ['later', 40]]);
    expect(copy.renewalRates).toEqual({ instance: 3 });
  });

  it('takes a Java peer’s answer (no lease state) as unstamped copies', () => {
    const copy = mergeCopies([{ peer: 'java', services: [{ serviceId: 'demo', instances: [inst('j')] }], leaseState: null }]);
    expect(copy.instances).toEqual([{ instance: inst('j') }]);
    expect(copy.renewalRates).toEqual({});
  });
});
