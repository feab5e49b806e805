import { describe, expect, it } from 'vitest';
import type { StoreHarness } from './harness.js';

/** The store identity (one per store, shared by every node on its data) and availability. */
export function identityCases(h: StoreHarness): void {
  describe('identity and availability', () => {
    it('has an identity once initialised, the same for every store opened on the same data, before and after a reopen', async () => {
      const id = h.store.identity();
      expect(id).toMatch(/^[0-9a-f-]{32,36}$/);
      const peer = await h.peer();
      expect(peer.identity()).toBe(id);
      await h.store.write({});
      await h.store.close();
      const reopened = await h.peer();
      expect(reopened.identity()).toBe(id);
    });

    it('is available once initialised and after a successful read', async () => {
      expect(h.store.availability()).toMatchObject({ available: true, since: 0 });
      await h.store.operations();
      expect(h.store.availability().available).toBe(true);
    });
  });
}
