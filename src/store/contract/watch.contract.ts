import { describe, expect, it } from 'vitest';
import { StoreClosedError } from '../store-errors.js';
import { instanceOp, recorder, sortedOps, waitFor, writeLog, type StoreHarness } from './harness.js';

/** Revision and change notifications, within one store and between stores sharing data. */
export function watchCases(h: StoreHarness): void {
  describe('revision and watch', () => {
    it('grows the revision with every write batch, empty ones included', async () => {
      const r0 = await h.store.revision();
      await h.store.write({ upsert: [instanceOp()] });
      const r1 = await h.store.revision();
      await h.store.write({});
      const r2 = await h.store.revision();
      expect(r1).toBeGreaterThan(r0);
      expect(r2).toBeGreaterThan(r1);
    });

    it('calls a listener after a write with the revision it produced', async () => {
      const seen = recorder();
      h.store.watch(seen.listener);
      await h.store.write({ upsert: [instanceOp()] });
      const revision = await h.store.revision();
      await waitFor(`revision ${revision}`, () => seen.sawRevision(revision));
      expect(seen.changes.filter((c) => !c.resync).every((c) => c.revision <= revision)).toBe(true);
    });

    it('calls the listeners of another store sharing the data', async () => {
      const peer = await h.peer();
      const seen = recorder();
      peer.watch(seen.listener);
      await h.store.write({ upsert: [instanceOp()] });
      const revision = await h.store.revision();
      await waitFor(`revision ${revision} on the peer`, () => seen.sawRevision(revision));
      expect(await peer.operations()).toEqual([instanceOp()]);
      expect(await peer.revision()).toBe(revision);
    });

    it('stops calling a listener once it unsubscribes, locally and on a peer', async () => {
      const peer = await h.peer();
      const [gone, stays, peerGone, peerStays] = [recorder(), recorder(), recorder(), recorder()];
      const unsubscribe = h.store.watch(gone.listener);
      h.store.watch(stays.listener);
      const peerUnsubscribe = peer.watch(peerGone.listener);
      peer.watch(peerStays.listener);
      unsubscribe();
      unsubscribe();
      peerUnsubscribe();
      await h.store.write({ upsert: [instanceOp()] });
      const revision = await h.store.revision();
      await waitFor('the remaining listeners', () => stays.sawRevision(revision) && peerStays.sawRevision(revision));
      expect(gone.changes).toEqual([]);
      expect(peerGone.changes).toEqual([]);
    });

    it('keeps writing and notifying when a listener throws', async () => {
      const seen = recorder();
      h.store.watch(() => {
        throw new Error('listener failure');
      });
      h.store.watch(seen.listener);
      await h.store.write({ upsert: [instanceOp()] });
      const revision = await h.store.revision();
      await waitFor('the second listener', () => seen.sawRevision(revision));
    });
  });
}

/** init and close, and what a store reopened on the same data sees. */
export function lifecycleCases(h: StoreHarness): void {
  describe('lifecycle', () => {
    it('accepts init again, closes idempotently and refuses use after close', async () => {
      await h.store.init();
      await h.store.write({ upsert: [instanceOp()] });
      await Promise.all([h.store.close(), h.store.close()]);
      await h.store.close();
      await expect(h.store.operations()).rejects.toBeInstanceOf(StoreClosedError);
      await expect(h.store.write({})).rejects.toBeInstanceOf(StoreClosedError);
      await expect(h.store.init()).rejects.toBeInstanceOf(StoreClosedError);
    });

    it('shows every committed write to a store opened after close', async () => {
      await h.store.write({
        upsert: [instanceOp(), instanceOp({ instanceId: 'b' })],
        canary: [{ serviceId: 'Demo.Service', appId: 'App1', regionId: 'SHA', ips: ['10.0.0.1'] }],
      });
      await h.store.write({ remove: [instanceOp({ instanceId: 'b' })] });
      await writeLog(h.store, 'zone-operation', { zoneId: 'z1', complete: true });
      const expected = {
        operations: sortedOps(await h.store.operations()),
        canaries: await h.store.canaries(),
        logs: await h.store.queryLogs('zone-operation', {}, 10),
        revision: await h.store.revision(),
      };
      await h.store.close();
      const reopened = await h.peer();
      expect({
        operations: sortedOps(await reopened.operations()),
        canaries: await reopened.canaries(),
        logs: await reopened.queryLogs('zone-operation', {}, 10),
        revision: await reopened.revision(),
      }).toEqual(expected);
    });
  });
}
