import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeInstance } from '../core/wire/instance.js';
import * as W from '../core/wire/management.js';
import type { RegistryRepository } from '../registry/registry-repository.js';
import { createStore, operationRow, type LogValue, type ManagementStore } from '../store/index.js';
import { queryLogs } from './management-logs.js';
import { ManagementReads } from './management-reads.js';
import { ManagementState } from './management-state.js';

/** The answer is exactly what the wire schema describes: same keys, same order, same values (JSON text equal). */
function conforms(schema: z.ZodType, answer: unknown): void {
  expect(JSON.stringify(schema.parse(answer))).toBe(JSON.stringify(answer));
}

const state = new ManagementState([
  operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'Demo.Order', instanceId: 'I1', operation: 'pullout', operatorId: 'alice' }),
  operationRow({ kind: 'instance', regionId: 'SHA', serviceId: 'demo.order', instanceId: 'i1', operation: 'deploy', operatorId: 'bob' }),
  operationRow({ kind: 'server', regionId: 'SHA', serverId: '10.0.0.9', operation: 'pullout' }),
  operationRow({ kind: 'zone', regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z1', operation: 'pullout' }),
]);
const reads = new ManagementReads(() => state, {} as RegistryRepository, () => 0);

describe('management answers match the wire schemas of core/wire/management.ts', () => {
  it('operation reads, the "all" views and the down checks', () => {
    const instanceKey = { regionId: 'sha', serviceId: 'DEMO.ORDER', instanceId: 'i1' };
    const serverKey = { regionId: 'SHA', serverId: '10.0.0.9' };
    const zoneKey = { regionId: 'SHA', serviceId: 'demo.order', zoneId: 'SHA-Z1' };
    conforms(W.InstanceOperationsResponseSchema, reads.instanceOperations({ instanceKey }));
    expect(reads.instanceOperations({ instanceKey })).toMatchObject({ operations: { instanceKey: { instanceId: 'I1' }, operations: ['deploy', 'pullout'] } });
    conforms(W.InstanceOperationsResponseSchema, reads.instanceOperations({ instanceKey: { ...instanceKey, instanceId: 'nope' } }));
    conforms(W.AllInstanceOperationsResponseSchema, reads.allInstanceOperations(null));
    conforms(W.ServerOperationsResponseSchema, reads.serverOperations({ serverKey }));
    conforms(W.AllServerOperationsResponseSchema, reads.allServerOperations('SHA'));
    conforms(W.DownResponseSchema, reads.serverDown({ serverKey }));
    conforms(W.DownResponseSchema, reads.instanceDown({ instance: makeInstance({ regionId: 'SHA', serviceId: 'demo.order', instanceId: 'x', zoneId: 'sha-z1' }) }));
    conforms(W.ZoneOperationsResponseSchema, reads.zoneOperations({ zoneKey }));
    conforms(W.AllZoneOperationsResponseSchema, reads.allZoneOperations());
    conforms(W.ZoneOperationsListResponseSchema, reads.zoneOperationsList({ serviceId: 'DEMO.order' }));
    conforms(W.DownResponseSchema, reads.isZoneDown({ zoneKey }));
  });

  describe('logs', () => {
    let store: ManagementStore;
    beforeEach(async () => {
      store = createStore({ url: 'sqlite::memory:', dataDir: '' });
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it('rows of every log, with the fields its row schema lists', async () => {
      /** A value of the type each documented field carries. */
      const sample = (f: string): LogValue =>
        f === 'complete' ? false : f === 'weight' || f === 'port' || f === 'groupId' || f === 'routeRuleId' ? 7 : f === 'metadata' ? '{}' : `${f}-1`;
      await store.write({
        logs: W.LOG_ENDPOINTS.map(({ table, fields }) => ({ table, fields: Object.fromEntries<LogValue>(fields.map((f) => [f, sample(f)])) })),
      });
      for (const { path, table, filters, fields: documented } of W.LOG_ENDPOINTS) {
        const answer = await queryLogs(store, table, filters, {}, 10);
        expect(W.LogsResponseSchema.parse(answer)).toEqual(answer);
        conforms(W.envelope('', { logs: W.logRecordSchema(documented, '').array() }), answer);
        expect(answer.logs, path).toHaveLength(1);
        const [row] = answer.logs;
        expect(Object.keys(row!).sort(), path).toEqual(['id', 'createTime', 'updateTime', ...documented].sort());
        for (const f of documented) expect(row![f], `${path} ${f}`).toEqual(sample(f));
      }
    });
  });
});
