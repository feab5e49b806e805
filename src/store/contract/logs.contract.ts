import { describe, expect, it } from 'vitest';
import type { LogFields, LogRecord, ManagementStore } from '../management-store.js';
import { StoreInputError } from '../store-errors.js';
import { waitFor, writeLog, type StoreHarness } from './harness.js';

const ids = (rows: LogRecord[]) => rows.map((r) => r.id);

async function writeAll(store: ManagementStore, rows: LogFields[]): Promise<void> {
  for (const fields of rows) await writeLog(store, 'instance-operation', fields);
}

/** Audit logs: ids, filters, limit and order, pruning. */
export function logCases(h: StoreHarness): void {
  describe('logs', () => {
    it('gives ids that increase per table and sets createTime and updateTime', async () => {
      await h.store.write({
        logs: [
          { table: 'instance-operation', fields: { instanceId: 'a', complete: false, weight: 3, reason: null, id: 999 } },
          { table: 'server-operation', fields: { serverId: 's' } },
          { table: 'instance-operation', fields: { instanceId: 'b' } },
        ],
      });
      await writeLog(h.store, 'instance-operation', { instanceId: 'c' });
      const rows = await h.store.queryLogs('instance-operation', {}, 100);
      expect(rows.map((r) => r.instanceId)).toEqual(['a', 'b', 'c']);
      expect(ids(rows)[0]).not.toBe(999);
      expect(ids(rows)).toEqual([...ids(rows)].sort((a, b) => a - b));
      expect(new Set(ids(rows)).size).toBe(3);
      for (const r of rows) {
        expect(Number.isInteger(r.createTime) && r.createTime > 0).toBe(true);
        expect(r.updateTime).toBe(r.createTime);
      }
      expect(rows[0]).toMatchObject({ instanceId: 'a', complete: false, weight: 3, reason: null });
      expect(await h.store.queryLogs('server-operation', {}, 100)).toHaveLength(1);
    });

    it('combines filters with AND and compares strings ignoring case', async () => {
      await writeAll(h.store, [
        { serviceId: 'Svc.A', operation: 'pullout', operatorId: 'alice', reason: 'Ärger' },
        { serviceId: 'svc.a', operation: 'pullin', operatorId: 'bob', reason: 'other' },
        { serviceId: 'svc.b', operation: 'PullOut', operatorId: 'ALICE', reason: 'ärger' },
      ]);
      const count = async (filter: Record<string, string>) => (await h.store.queryLogs('instance-operation', filter, 100)).length;
      expect(await count({})).toBe(3);
      expect(await count({ serviceId: 'SVC.A' })).toBe(2);
      expect(await count({ serviceId: 'svc.A', operation: 'PULLOUT' })).toBe(1);
      expect(await count({ operatorId: 'Alice', operation: 'pullout' })).toBe(2);
      expect(await count({ reason: 'ÄRGER' })).toBe(2);
      expect(await count({ reason: 'ärger', serviceId: 'svc.b' })).toBe(1);
      expect(await count({ serviceId: 'svc' })).toBe(0);
      expect(await count({ absentField: 'x' })).toBe(0);
    });

    it('compares numbers and booleans exactly and never across types', async () => {
      await writeAll(h.store, [
        { tag: 'a', complete: true, weight: 5 },
        { tag: 'b', complete: false, weight: 6 },
        { tag: 'c', complete: 'true', weight: '5' },
        { tag: 'd', complete: 1, weight: 5.5 },
        { tag: 'e', complete: null },
      ]);
      const tags = async (filter: Record<string, string | number | boolean | null>) =>
        (await h.store.queryLogs('instance-operation', filter, 100)).map((r) => r.tag);
      expect(await tags({ complete: true })).toEqual(['a']);
      expect(await tags({ complete: false })).toEqual(['b']);
      expect(await tags({ complete: 'TRUE' })).toEqual(['c']);
      expect(await tags({ weight: 5 })).toEqual(['a']);
      expect(await tags({ weight: 5.5 })).toEqual(['d']);
      expect(await tags({ weight: '5' })).toEqual(['c']);
      expect(await tags({ complete: null })).toEqual(['e']);
      expect(await tags({ complete: true, weight: 6 })).toEqual([]);
    });

    it('returns the oldest matching rows first, at most limit', async () => {
      await writeAll(h.store, ['x', 'y', 'x', 'x', 'y', 'x'].map((k, i) => ({ instanceId: k, n: i })));
      const first = await h.store.queryLogs('instance-operation', { instanceId: 'X' }, 3);
      expect(first.map((r) => r.n)).toEqual([0, 2, 3]);
      expect((await h.store.queryLogs('instance-operation', {}, 2)).map((r) => r.n)).toEqual([0, 1]);
      expect(await h.store.queryLogs('instance-operation', {}, 0)).toEqual([]);
    });

    it('refuses an unknown table, a bad filter or a bad limit', async () => {
      await expect(h.store.queryLogs('nope' as 'group', {}, 10)).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.queryLogs('group', { "x'y": 'z' }, 10)).rejects.toBeInstanceOf(StoreInputError);
      await expect(h.store.queryLogs('group', {}, -1)).rejects.toBeInstanceOf(StoreInputError);
    });

    it('imports rows keeping their ids, times and fields, gives later ids above them and refuses ids not above', async () => {
      await writeLog(h.store, 'group', { n: 0 });
      const [own] = await h.store.queryLogs('group', {}, 10);
      const base = own!.createTime;
      const rows: LogRecord[] = [
        { id: own!.id + 5, createTime: base + 1_234, updateTime: base + 1_234, name: 'imported', weight: 3, complete: false, reason: null },
        { id: own!.id + 9, createTime: base + 2_001, updateTime: base + 2_001, name: 'second' },
      ];
      await h.store.importLogs('group', rows);
      expect(await h.store.queryLogs('group', {}, 10)).toEqual([own, ...rows]);
      expect(await h.store.queryLogs('group', { name: 'IMPORTED' }, 10)).toEqual([rows[0]]);
      await expect(h.store.importLogs('group', [{ id: own!.id + 9, createTime: base + 3_000, updateTime: base + 3_000 }])).rejects.toBeInstanceOf(StoreInputError);
      await writeLog(h.store, 'group', { n: 1 });
      const all = await h.store.queryLogs('group', {}, 10);
      expect(all).toHaveLength(4);
      expect(all[3]!.id).toBeGreaterThan(own!.id + 9);
    });

    it('prunes rows created before a time, in every table, and never reuses ids', async () => {
      await writeLog(h.store, 'group', { n: 0 });
      await writeLog(h.store, 'instance-operation', { n: 0 });
      // Write until a row carries a later time than the first, whichever clock the store uses.
      await waitFor('a later createTime', async () => {
        await writeLog(h.store, 'instance-operation', { n: 1 });
        const rows = await h.store.queryLogs('instance-operation', {}, 10_000);
        return rows[rows.length - 1]!.createTime > rows[0]!.createTime;
      });
      const before = await h.store.queryLogs('instance-operation', {}, 10_000);
      const cutoff = before[before.length - 1]!.createTime;
      const groupRows = await h.store.queryLogs('group', {}, 10);
      const expected = [...before, ...groupRows].filter((r) => r.createTime < cutoff).length;
      expect(await h.store.pruneLogs(cutoff)).toBe(expected);
      const after = await h.store.queryLogs('instance-operation', {}, 10_000);
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((r) => r.createTime >= cutoff)).toBe(true);
      expect(await h.store.pruneLogs(0)).toBe(0);
      await h.store.pruneLogs(Number.MAX_SAFE_INTEGER);
      await writeLog(h.store, 'instance-operation', { n: 2 });
      const [fresh] = await h.store.queryLogs('instance-operation', {}, 10);
      expect(fresh!.id).toBeGreaterThan(Math.max(...ids(before)));
    });
  });
}
