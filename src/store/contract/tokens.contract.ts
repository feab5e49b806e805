import { describe, expect, it } from 'vitest';
import type { TokenRow } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { recorder, waitFor, type StoreHarness } from './harness.js';

const token = (fields: Partial<TokenRow> = {}): TokenRow => ({
  id: 'tk_0001',
  name: 'deploy-bot',
  scopes: ['operate'],
  hash: 'a'.repeat(64),
  createdBy: 'admin (tk_0000)',
  createTime: 1_700_000_000_000,
  ...fields,
});

/** API tokens: hashes kept as given, unique ids and names, revocation seen by peers. */
export function tokenCases(h: StoreHarness): void {
  describe('tokens', () => {
    it('keeps added tokens oldest first and removes them by id', async () => {
      expect(await h.store.tokens()).toEqual([]);
      await h.store.addToken(token({ id: 'tk_b', name: 'second', createTime: 2 }));
      await h.store.addToken(token({ id: 'tk_a', name: 'first', scopes: ['read', 'register'], createTime: 1 }));
      expect((await h.store.tokens()).map((t) => t.id)).toEqual(['tk_a', 'tk_b']);
      expect((await h.store.tokens())[0]).toEqual(token({ id: 'tk_a', name: 'first', scopes: ['read', 'register'], createTime: 1 }));
      expect(await h.store.removeToken('tk_a')).toBe(true);
      expect(await h.store.removeToken('tk_a')).toBe(false);
      expect((await h.store.tokens()).map((t) => t.id)).toEqual(['tk_b']);
    });

    it('refuses a taken id or name (ignoring letter case) and malformed rows, writing nothing', async () => {
      await h.store.addToken(token());
      const before = await h.store.revision();
      await expect(h.store.addToken(token({ name: 'other' }))).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.addToken(token({ id: 'tk_2', name: 'Deploy-Bot' }))).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.addToken(token({ id: 'tk_3', name: 'x', hash: 'not-hex' }))).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.addToken(token({ id: 'tk_4', name: '' }))).rejects.toBeInstanceOf(StoreInputError);
      expect(await h.store.revision()).toBe(before);
      expect(await h.store.tokens()).toHaveLength(1);
      // The name is free again once its token is removed.
      await h.store.removeToken('tk_0001');
      await h.store.addToken(token({ id: 'tk_5', name: 'DEPLOY-BOT' }));
      expect((await h.store.tokens()).map((t) => t.name)).toEqual(['DEPLOY-BOT']);
    });

    it('takes a revision per change, which a peer hears of', async () => {
      const peer = await h.peer();
      const seen = recorder();
      peer.watch(seen.listener);
      const added = await h.store.addToken(token());
      await waitFor(`revision ${added} on the peer`, () => seen.sawRevision(added));
      expect((await peer.tokens()).map((t) => t.id)).toEqual(['tk_0001']);
      const removed = await h.store.revision();
      expect(await peer.removeToken('tk_0001')).toBe(true);
      expect(await h.store.revision()).toBeGreaterThan(removed);
      expect(await h.store.tokens()).toEqual([]);
    });
  });
}
