import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, instance, postJson, startTestNode, type RunningNode } from '../helpers/node.js';
import { lookupIds, waitForIds } from '../helpers/wait.js';

/**
 * The peer replication write endpoints on one node (spec 3.4), spoken to as a Java peer would:
 * unsigned, from an address in cluster.trustedAddresses.
 */

const SUCCESS = '{"failedInstances":null,"responseStatus":{"errorCode":"success","message":"","status":"success"}}';
const r1 = instance({ instanceId: 'r1', ip: '10.0.0.1', url: 'http://10.0.0.1/r' });
const r2 = instance({ instanceId: 'r2', ip: '10.0.0.2', url: 'http://10.0.0.2/r', zoneId: 'sha-z9' });

describe('replication write endpoints', () => {
  let n: RunningNode;
  const rep = (op: string) => `${n.url}/api/replication/registry/${op}.json`;

  beforeAll(async () => {
    n = await startTestNode({
      'cluster.trustedAddresses': ['127.0.0.1'],
      'registry.allowFromOtherZone': false,
      'registry.lease.sweepIntervalMs': 20,
      'discovery.coalesceMs': 0,
      'rateLimit.replication.limits': { 'get-services': 1_000 },
    });
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('registers gzip bodies from any zone of the region and answers exact success JSON', async () => {
    const res = await postJson(rep('register'), { instances: [r1, r2] }, { gzip: true });
    expect(res.status).toBe(200);
    expect(res.text).toBe(SUCCESS);
    await waitForIds(n.url, ['r1', 'r2']);
  });

  it('refuses other regions per instance with no-permission', async () => {
    const foreign = instance({ instanceId: 'f1', regionId: 'FRA' });
    const res = await postJson(rep('register'), { instances: [foreign, r1] });
    expect(res.body).toEqual({
      failedInstances: [
        {
          errorCode: 'no-permission',
          errorMessage: 'fra/sha-z1/demo.order/f1: regionId is not the same as the registry node. regionId: FRA, registry node.regionId: SHA',
          instance: foreign,
        },
      ],
      responseStatus: { errorCode: 'partial_fail', message: '', status: 'partial_fail' },
    });
  });

  it('answers a heartbeat for an unknown instance by registering it', async () => {
    const h = instance({ instanceId: 'h1', ip: '10.0.0.5', url: 'http://10.0.0.5/h' });
    const res = await postJson(rep('heartbeat'), { instances: [h] });
    expect(res.text).toBe(SUCCESS);
    await waitForIds(n.url, ['h1', 'r1', 'r2']);
    expect((await postJson(rep('heartbeat'), { instances: [h] })).text).toBe(SUCCESS);
  });

  it('unregisters, and is reachable without .json', async () => {
    const res = await postJson(`${n.url}/api/replication/registry/unregister`, { instances: [instance({ instanceId: 'h1' })] });
    expect(res.text).toBe(SUCCESS);
    await waitForIds(n.url, ['r1', 'r2']);
  });

  it('rejects a bad body like the client endpoints', async () => {
    const res = await postJson(rep('register'), { instances: [] });
    expect(res.body.responseStatus).toEqual({ errorCode: 'bad-request', message: 'request.instances is null or empty.', status: 'fail' });
  });

  it('has no node gate: a node marked down still accepts replicated writes, not client ones', async () => {
    n.node.state.markDown();
    try {
      const client = await postJson(`${n.url}/api/registry/register.json`, { instances: [r1] });
      expect(client.body.responseStatus.errorCode).toBe('service-unavailable');
      const r3 = instance({ instanceId: 'r3', ip: '10.0.0.3', url: 'http://10.0.0.3/r' });
      expect((await postJson(rep('register'), { instances: [r3] })).text).toBe(SUCCESS);
    } finally {
      n.node.state.markUp();
    }
    await waitForIds(n.url, ['r1', 'r2', 'r3']);
  });

  it('is idempotent: replaying one batch twice changes nothing', async () => {
    const copy = async () => (await getJson(`${n.url}/api/replication/registry/services.json?regionId=SHA`)).text;
    const batch = { instances: [r1, r2] };
    for (const op of ['register', 'heartbeat', 'unregister'] as const) {
      expect((await postJson(rep(op), batch)).text).toBe(SUCCESS);
      await new Promise((r) => setTimeout(r, 80));
      const first = await copy();
      const ids = await lookupIds(n.url);
      expect((await postJson(rep(op), batch)).text).toBe(SUCCESS);
      await new Promise((r) => setTimeout(r, 80));
      expect(await copy()).toBe(first);
      expect(await lookupIds(n.url)).toEqual(ids);
    }
  });

  it('does not forward replicated writes', async () => {
    const values = (await n.node.metrics.registry.getSingleMetric('artemis_replication_batch_size')?.get())?.values ?? [];
    expect(values.every((v) => v.value === 0)).toBe(true);
  });
});
