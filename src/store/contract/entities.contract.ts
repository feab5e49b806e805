import { describe, expect, it } from 'vitest';
import { ENTITY_KINDS, type EntityFields, type EntityKind, type EntityRecord, type EntityWrite, type ManagementStore, type WriteBatch } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { MAX_ENTITY_KEY_LENGTH } from '../store-input.js';
import { instanceOp, recorder, sortedOps, waitFor, type StoreHarness } from './harness.js';

const put = (kind: EntityKind, key: string, create: EntityFields, update: EntityFields = {}): EntityWrite => ({ op: 'put', kind, key, create, update });
const patch = (kind: EntityKind, id: number, update: EntityFields): EntityWrite => ({ op: 'patch', kind, id, update });
const remove = (kind: EntityKind, id: number): EntityWrite => ({ op: 'delete', kind, id });
const record = (id: number, key: string, fields: EntityFields): EntityRecord => ({ id, key, fields });

/** Every entity record of every kind, by kind. */
async function allEntities(store: ManagementStore): Promise<Record<string, EntityRecord[]>> {
  const out: Record<string, EntityRecord[]> = {};
  for (const kind of ENTITY_KINDS) out[kind] = await store.entities(kind);
  return out;
}

/** Everything a store holds that a batch could have changed. */
async function snapshot(store: ManagementStore) {
  return {
    operations: sortedOps(await store.operations()),
    canaries: await store.canaries(),
    entities: await allEntities(store),
    logs: await store.queryLogs('group', {}, 1_000),
    revision: await store.revision(),
  };
}

/** Entity records: ids from a per-kind counter, put by key, patch and delete by id, atomic with the rest of a batch. */
export function entityCases(h: StoreHarness): void {
  describe('entities', () => {
    it('creates records with ids 1, 2, … per kind and lists them by increasing id', async () => {
      await h.store.write({ entities: [put('group', 'b', { name: 'B' }), put('group', 'a', { name: 'A' })] });
      await h.store.write({ entities: [put('group', 'c', { name: 'C' })] });
      expect(await h.store.entities('group')).toEqual([record(1, 'b', { name: 'B' }), record(2, 'a', { name: 'A' }), record(3, 'c', { name: 'C' })]);
      expect(await h.store.entities('route-rule')).toEqual([]);
    });

    it('keeps every value type exactly', async () => {
      const fields: EntityFields = {
        text: 'Grüße 🚀 "quoted" \\ / \n\t\u0000 end',
        empty: '',
        numeric: '5',
        int: 42,
        zero: 0,
        negative: -17,
        big: Number.MAX_SAFE_INTEGER,
        tiny: 5e-324,
        huge: 1.7976931348623157e308,
        fraction: 0.1 + 0.2,
        yes: true,
        no: false,
        nothing: null,
      };
      await h.store.write({ entities: [put('route-rule', 'r', fields)] });
      expect(await h.store.entities('route-rule')).toEqual([record(1, 'r', fields)]);
      // A merge must not re-encode the values already stored.
      await h.store.write({ entities: [put('route-rule', 'r', {}, { added: 1 / 3 })] });
      expect(await h.store.entities('route-rule')).toEqual([record(1, 'r', { ...fields, added: 1 / 3 })]);
      await h.store.write({ entities: [put('route-rule', 'empty', {})] });
      expect((await h.store.entities('route-rule'))[1]).toEqual(record(2, 'empty', {}));
    });

    it('merges update into the record with the same key and keeps its id; create is then unused', async () => {
      await h.store.write({ entities: [put('group', 'g1', { name: 'G1', status: 1, note: 'x' }), put('group', 'g2', { name: 'G2' })] });
      await h.store.write({ entities: [put('group', 'g1', { name: 'ignored', other: true }, { status: 0, note: null, extra: 'e' })] });
      expect(await h.store.entities('group')).toEqual([record(1, 'g1', { name: 'G1', status: 0, note: null, extra: 'e' }), record(2, 'g2', { name: 'G2' })]);
    });

    it('compares keys exactly', async () => {
      const keys = ['key', 'Key', 'key ', 'kéy', 'ke\u0000y', '𝒦ey', 'k'.repeat(MAX_ENTITY_KEY_LENGTH)];
      await h.store.write({ entities: keys.map((key, i) => put('group', key, { i })) });
      await h.store.write({ entities: keys.map((key) => put('group', key, {}, { seen: true })) });
      expect(await h.store.entities('group')).toEqual(keys.map((key, i) => record(i + 1, key, { i, seen: true })));
    });

    it('patches and deletes by id, and does nothing for an id without a record', async () => {
      await h.store.write({ entities: [put('group', 'a', { n: 1 }), put('group', 'b', { n: 2 }), put('group', 'c', { n: 3 })] });
      await h.store.write({ entities: [patch('group', 2, { n: 20, label: 'two' }), remove('group', 3), patch('group', 99, { n: 0 }), remove('group', 98)] });
      expect(await h.store.entities('group')).toEqual([record(1, 'a', { n: 1 }), record(2, 'b', { n: 20, label: 'two' })]);
      await h.store.write({ entities: [patch('group', 3, { n: 0 }), remove('group', 3), patch('route-rule', 1, { n: 0 }), remove('route-rule', 1)] });
      expect(await allEntities(h.store)).toMatchObject({ group: [record(1, 'a', { n: 1 }), record(2, 'b', { n: 20, label: 'two' })], 'route-rule': [] });
    });

    it('copies one field into another at write time, null when absent, nothing for an id without a record', async () => {
      await h.store.write({ entities: [put('route-rule-group', 'l', { pending: 90, weight: null, big: 12_345_678_901_234 })] });
      await h.store.write({
        entities: [
          patch('route-rule-group', 1, { pending: 20 }),
          { op: 'copy', kind: 'route-rule-group', id: 1, from: 'pending', to: 'weight' },
          { op: 'copy', kind: 'route-rule-group', id: 1, from: 'big', to: 'big2' },
          { op: 'copy', kind: 'route-rule-group', id: 1, from: 'missing', to: 'gone' },
          { op: 'copy', kind: 'route-rule-group', id: 7, from: 'pending', to: 'weight' },
        ],
      });
      expect(await h.store.entities('route-rule-group')).toEqual([
        record(1, 'l', { big: 12_345_678_901_234, big2: 12_345_678_901_234, gone: null, pending: 20, weight: 20 }),
      ]);
    });

    it('tells the revision of the last batch with entity writes', async () => {
      expect(await h.store.entityRevision()).toBe(0);
      await h.store.write({ upsert: [instanceOp()] });
      expect(await h.store.entityRevision()).toBe(0);
      await h.store.write({ entities: [put('group', 'g', { n: 1 })] });
      const marked = await h.store.revision();
      expect(await h.store.entityRevision()).toBe(marked);
      await h.store.write({ logs: [{ table: 'group', fields: { a: 1 } }] });
      expect(await h.store.revision()).toBe(marked + 1);
      expect(await (await h.peer()).entityRevision()).toBe(marked);
      await expect(h.store.write({ entities: [put('group', '', {})] })).rejects.toBeInstanceOf(StoreInputError);
      expect(await h.store.entityRevision()).toBe(marked);
    });

    it('never reuses an id, and frees the key of a deleted record', async () => {
      await h.store.write({ entities: [put('group', 'a', {}), put('group', 'b', {})] });
      await h.store.write({ entities: [remove('group', 2), remove('group', 1)] });
      expect(await h.store.entities('group')).toEqual([]);
      await h.store.write({ entities: [put('group', 'b', { again: true }, { merged: true })] });
      expect(await h.store.entities('group')).toEqual([record(3, 'b', { again: true })]);
    });

    it('applies the writes of a batch in order', async () => {
      await h.store.write({
        entities: [
          put('group', 'a', { v: 1 }), // creates 1
          put('group', 'a', { v: 0 }, { v: 2, w: 'x' }), // merges into 1
          patch('group', 1, { w: 'y' }),
          put('group', 'b', { v: 3 }), // creates 2
          remove('group', 2),
          put('group', 'b', { v: 4 }), // creates 3
          patch('group', 2, { v: 5 }), // gone: nothing
        ],
      });
      expect(await h.store.entities('group')).toEqual([record(1, 'a', { v: 2, w: 'y' }), record(3, 'b', { v: 4 })]);
      const [created] = await h.store.entities('group');
      await h.store.write({ entities: [patch('group', created!.id, { v: 6 }), remove('group', 3), put('group', 'b', { v: 7 })] });
      expect(await h.store.entities('group')).toEqual([record(1, 'a', { v: 6, w: 'y' }), record(4, 'b', { v: 7 })]);
    });

    it('keeps kinds apart: same key, separate records, separate ids', async () => {
      await h.store.write({ entities: [put('group', 'x', { a: 1 }), put('group', 'y', { a: 2 }), put('group-tag', 'y', { b: 1 })] });
      await h.store.write({ entities: [remove('group-tag', 2), patch('group-tag', 1, { b: 2 }), put('service-instance', 'x', {})] });
      const all = await allEntities(h.store);
      expect(all.group).toEqual([record(1, 'x', { a: 1 }), record(2, 'y', { a: 2 })]);
      expect(all['group-tag']).toEqual([record(1, 'y', { b: 2 })]);
      expect(all['service-instance']).toEqual([record(1, 'x', {})]);
      expect(all['route-rule']).toEqual([]);
    });

    it('accepts every kind the port names and refuses to list an unknown one', async () => {
      await h.store.write({ entities: ENTITY_KINDS.map((kind) => put(kind, 'k', { kind })) });
      for (const kind of ENTITY_KINDS) expect(await h.store.entities(kind)).toEqual([record(1, 'k', { kind })]);
      await expect(h.store.entities('groups' as EntityKind)).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.entities(undefined as unknown as EntityKind)).rejects.toBeInstanceOf(StoreInputError);
    });

    it('grows the revision and notifies watchers for a batch of entity writes only', async () => {
      const seen = recorder();
      h.store.watch(seen.listener);
      const before = await h.store.revision();
      await h.store.write({ entities: [put('group', 'g', {})] });
      const after = await h.store.revision();
      expect(after).toBeGreaterThan(before);
      await waitFor(`revision ${after}`, () => seen.sawRevision(after));
    });

    it('shows entity writes to another store sharing the data and notifies its watchers', async () => {
      const peer = await h.peer();
      const seen = recorder();
      peer.watch(seen.listener);
      await h.store.write({ entities: [put('route-rule', 'r1', { strategy: 'weighted', weight: 0.5 })] });
      const revision = await h.store.revision();
      await waitFor(`revision ${revision} on the peer`, () => seen.sawRevision(revision));
      expect(await peer.entities('route-rule')).toEqual([record(1, 'r1', { strategy: 'weighted', weight: 0.5 })]);
      await peer.write({ entities: [put('route-rule', 'r1', {}, { weight: 1 }), put('route-rule', 'r2', {})] });
      expect(await h.store.entities('route-rule')).toEqual([record(1, 'r1', { strategy: 'weighted', weight: 1 }), record(2, 'r2', {})]);
    });

    describe('refuses a batch with an invalid entity write and writes nothing of it', () => {
      const seed = async () => {
        await h.store.write({
          upsert: [instanceOp()],
          entities: [put('group', 'g1', { name: 'G1' }), put('route-rule', 'r1', {})],
          logs: [{ table: 'group', fields: { seed: true } }],
        });
        return snapshot(h.store);
      };
      /** A batch that would change everything, whose last entity write is `bad`. */
      const batchWith = (bad: unknown): WriteBatch => ({
        upsert: [instanceOp({ instanceId: 'new' }), instanceOp({ token: 'changed' })],
        canary: [{ serviceId: 'S', appId: 'A', regionId: 'R', ips: ['10.0.0.1'] }],
        entities: [put('group', 'g1', {}, { name: 'changed' }), put('group', 'g2', {}), patch('route-rule', 1, { x: 1 }), remove('group', 1), bad as EntityWrite],
        logs: [{ table: 'group', fields: { failed: true } }],
      });
      const cases: Array<[string, unknown]> = [
        ['an unknown kind', { op: 'put', kind: 'groups', key: 'k', create: {}, update: {} }],
        ['a missing kind', { op: 'delete', id: 1 }],
        ['an unknown op', { op: 'upsert', kind: 'group', key: 'k', create: {}, update: {} }],
        ['an empty key', put('group', '', {})],
        [`a key over ${MAX_ENTITY_KEY_LENGTH} characters`, put('group', 'k'.repeat(MAX_ENTITY_KEY_LENGTH + 1), {})],
        ['a key that is not a string', { op: 'put', kind: 'group', key: 7, create: {}, update: {} }],
        ['a key with a lone surrogate', put('group', 'k\uD800', {})],
        ['an object value', put('group', 'k', { nested: {} as unknown as string })],
        ['an array value', patch('group', 1, { list: [] as unknown as string })],
        ['NaN', put('group', 'k', {}, { n: Number.NaN })],
        ['Infinity', patch('group', 1, { n: Number.POSITIVE_INFINITY })],
        ['undefined', put('group', 'k', { u: undefined as unknown as null })],
        ['a bad field name', put('group', 'k', { 'a.b': 1 })],
        ['__proto__ as a field name', put('group', 'k', JSON.parse('{"__proto__": 1}') as EntityFields)],
        ['missing update', { op: 'put', kind: 'group', key: 'k', create: {} }],
        ['fields that are not an object', { op: 'patch', kind: 'group', id: 1, update: 'x' }],
        ['a fractional id', patch('group', 1.5, {})],
        ['id 0', remove('group', 0)],
        ['a negative id', remove('group', -1)],
        ['an unsafe id', remove('group', 2 ** 53)],
        ['a string id', { op: 'delete', kind: 'group', id: '1' }],
        ['a write that is not an object', null],
      ];
      for (const [what, bad] of cases) {
        it(`with ${what}`, async () => {
          const before = await seed();
          await expect(h.store.write(batchWith(bad))).rejects.toBeInstanceOf(StoreInputError);
          expect(await snapshot(h.store)).toEqual(before);
          // The failed batch gave out no ids.
          await h.store.write({ entities: [put('group', 'next', {})] });
          expect((await h.store.entities('group')).map((r) => r.id)).toEqual([1, 2]);
        });
      }

      it('with entities that are not an array', async () => {
        const before = await seed();
        const batch = { ...batchWith(put('group', 'fine', {})), entities: { op: 'delete', kind: 'group', id: 1 } as unknown as EntityWrite[] };
        await expect(h.store.write(batch)).rejects.toBeInstanceOf(StoreInputError);
        expect(await snapshot(h.store)).toEqual(before);
      });
    });
  });
}
