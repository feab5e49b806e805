import { describe, expect, it } from 'vitest';
import { operationRow, type CanaryRow, type LogFields, type WriteBatch } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { instanceOp, sortedOps, type StoreHarness } from './harness.js';

/** Operation rows: upsert, remove, identity ignoring letter case. */
export function operationCases(h: StoreHarness): void {
  describe('operations', () => {
    it('stores upserted rows as written', async () => {
      const rows = [instanceOp(), operationRow({ kind: 'server', regionId: 'SHA', serverId: '10.0.0.1', operation: 'pullout', operatorId: 'bob', token: 't' })];
      await h.store.write({ upsert: rows });
      expect(sortedOps(await h.store.operations())).toEqual(sortedOps(rows));
    });

    it('keeps the first spelling of an identity and updates only operatorId and token', async () => {
      await h.store.write({ upsert: [instanceOp()] });
      const again = instanceOp({ regionId: 'sha', serviceId: 'DEMO.SERVICE', instanceId: '10.0.0.1:8080', operation: 'PULLOUT', operatorId: 'bob', token: 't-2' });
      await h.store.write({ upsert: [again] });
      expect(await h.store.operations()).toEqual([instanceOp({ operatorId: 'bob', token: 't-2' })]);
    });

    it('tells identities apart by kind, key fields and operation', async () => {
      const rows = [
        instanceOp(),
        instanceOp({ operation: 'pullout-2' }),
        instanceOp({ instanceId: '10.0.0.2:8080' }),
        operationRow({ kind: 'zone', regionId: 'SHA', serviceId: 'Demo.Service', zoneId: 'z1', operation: 'pullout' }),
        operationRow({ kind: 'group', groupId: 'g1', operation: 'pullout' }),
      ];
      await h.store.write({ upsert: rows });
      await h.store.write({ upsert: rows.map((r) => ({ ...r, token: 'again' })) });
      expect(await h.store.operations()).toHaveLength(rows.length);
    });

    it('folds non-ASCII letters as String.prototype.toLowerCase does', async () => {
      await h.store.write({ upsert: [instanceOp({ serviceId: 'Ärger.Service' })] });
      await h.store.write({ upsert: [instanceOp({ serviceId: 'äRGER.service', token: 'x' })] });
      const rows = await h.store.operations();
      expect(rows.map((r) => [r.serviceId, r.token])).toEqual([['Ärger.Service', 'x']]);
    });

    it('removes by identity ignoring case; removing nothing is not an error', async () => {
      await h.store.write({ upsert: [instanceOp(), instanceOp({ instanceId: 'other' })] });
      await h.store.write({ remove: [instanceOp({ serviceId: 'demo.service', operatorId: 'someone-else' }), instanceOp({ instanceId: 'absent' })] });
      expect((await h.store.operations()).map((r) => r.instanceId)).toEqual(['other']);
      await h.store.write({ remove: [instanceOp({ instanceId: 'absent' })] });
      expect(await h.store.operations()).toHaveLength(1);
    });
  });
}

const canary = (fields: Partial<CanaryRow> = {}): CanaryRow => ({ serviceId: 'Demo.Service', appId: 'App1', regionId: 'SHA', ips: ['10.0.0.1', '10.0.0.2'], ...fields });

/** Canary rows: one IP set per (serviceId, appId), replaced whole. */
export function canaryCases(h: StoreHarness): void {
  describe('canaries', () => {
    it('replaces the IP set of (serviceId, appId) ignoring case, keeping the first spelling', async () => {
      await h.store.write({ canary: [canary(), canary({ appId: 'App2', ips: ['10.0.0.9'] })] });
      await h.store.write({ canary: [canary({ serviceId: 'demo.service', appId: 'APP1', ips: ['10.0.0.3'] })] });
      const rows = [...(await h.store.canaries())].sort((a, b) => a.appId.localeCompare(b.appId));
      expect(rows).toEqual([canary({ ips: ['10.0.0.3'] }), canary({ appId: 'App2', ips: ['10.0.0.9'] })]);
    });

    it('keeps an emptied IP set as an empty list', async () => {
      await h.store.write({ canary: [canary()] });
      await h.store.write({ canary: [canary({ ips: [] })] });
      expect(await h.store.canaries()).toEqual([canary({ ips: [] })]);
    });
  });
}

/** Everything a store holds that a batch could have changed. */
async function snapshot(h: StoreHarness) {
  const store = h.store;
  return {
    operations: sortedOps(await store.operations()),
    canaries: await store.canaries(),
    logs: await store.queryLogs('instance-operation', {}, 1_000),
    revision: await store.revision(),
  };
}

function batchThatFailsAt(last: { table: string; fields: LogFields }): WriteBatch {
  return {
    upsert: [instanceOp({ instanceId: 'new' }), instanceOp({ token: 'changed' })],
    remove: [instanceOp({ instanceId: 'kept' })],
    canary: [canary({ ips: ['changed'] })],
    logs: [{ table: 'instance-operation', fields: { instanceId: 'new' } }, last as { table: 'group'; fields: LogFields }],
  };
}

/** A batch is applied whole or not at all. */
export function atomicityCases(h: StoreHarness): void {
  describe('atomic batches', () => {
    const seed = async () => {
      await h.store.write({
        upsert: [instanceOp(), instanceOp({ instanceId: 'kept' })],
        canary: [canary()],
        logs: [{ table: 'instance-operation', fields: { instanceId: 'seed' } }],
      });
      return snapshot(h);
    };

    it('leaves nothing of a batch whose last log names an unknown table', async () => {
      const before = await seed();
      await expect(h.store.write(batchThatFailsAt({ table: 'no-such-table', fields: {} }))).rejects.toBeInstanceOf(StoreInputError);
      expect(await snapshot(h)).toEqual(before);
    });

    it('leaves nothing of a batch whose last log has a value of the wrong type', async () => {
      const before = await seed();
      const bad = { table: 'group', fields: { ok: 'yes', nested: {} as unknown as string } };
      await expect(h.store.write(batchThatFailsAt(bad))).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.write(batchThatFailsAt({ table: 'group', fields: { n: Number.NaN } }))).rejects.toBeInstanceOf(StoreInputError);
      expect(await snapshot(h)).toEqual(before);
    });

    it('leaves nothing of a batch that throws while it is being applied', async () => {
      const before = await seed();
      const throwing = Object.defineProperty({ table: 'group' }, 'fields', {
        enumerable: true,
        get: () => {
          throw new Error('boom while reading the batch');
        },
      }) as { table: string; fields: LogFields };
      await expect(h.store.write(batchThatFailsAt(throwing))).rejects.toThrow('boom while reading the batch');
      expect(await snapshot(h)).toEqual(before);
    });
  });
}
