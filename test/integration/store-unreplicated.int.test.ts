import { describe, expect, it } from 'vitest';
import { STORE_UNREPLICATED } from '../../src/management/failures.js';
import { ADMIN_HEADERS, getJson, instance, postJson } from '../helpers/node.js';
import { redisNodes } from '../helpers/redis-nodes.js';

/**
 * A management write that too few store replicas confirm: a node on the real Redis (a primary
 * with no replicas) asking for store.minReplicas = 1. Routing and instance writes reach the
 * primary but are not acknowledged: service-unavailable with the replication text and its cause.
 * The store itself still answers, so it is not counted unavailable and reads (routing, audit
 * logs) answer from it as before.
 */

const SERVICE = 'demo.unreplicated';
const AUDIT = { operation: 'release', operatorId: 'alice', token: 't-1', reason: 'replicas' };
const group = { serviceId: SERVICE, regionId: 'SHA', zoneId: 'sha-z1', name: 'blue', appId: '100001', status: 'active', description: 'blue' };
const pullout = {
  instanceKey: { regionId: 'SHA', serviceId: SERVICE, instanceId: 'a' },
  operation: 'pullout',
  operationComplete: false,
  operatorId: 'alice',
  token: 't-2',
};
const UNCONFIRMED = /reached the Redis primary, but store\.minReplicas is 1 and 0 of them confirmed it within 50 ms/;

describe('management writes too few store replicas confirm', async () => {
  const { url, start } = await redisNodes('unreplicated');

  it.skipIf(url === undefined)('answer service-unavailable with the replication text and its cause; the store stays available and reads answer', async () => {
    // the first admin token is written by a node that acknowledges writes on the primary alone
    await (await start()).stop();
    const node = await start({ 'store.minReplicas': 1, 'store.replicaTimeoutMs': 50 });
    await postJson(`${node.url}/api/registry/register.json`, { instances: [instance({ instanceId: 'a', serviceId: SERVICE })] });

    const writes = [
      await postJson(`${node.url}/api/management/group/insert-groups.json`, { groups: [group], ...AUDIT }, { headers: ADMIN_HEADERS }),
      await postJson(`${node.url}/api/management/operate-instance.json`, pullout, { headers: ADMIN_HEADERS }),
    ];
    for (const res of writes) {
      expect(res.status).toBe(200);
      expect(res.body.responseStatus).toMatchObject({ status: 'fail', errorCode: 'service-unavailable' });
      const message = res.body.responseStatus.message as string;
      expect(message.startsWith(`${STORE_UNREPLICATED} `), message).toBe(true);
      expect(message).toMatch(UNCONFIRMED);
    }

    const store = (await getJson(`${node.url}/api/status/store.json`)).body as { available: boolean; acceptsWrites: boolean };
    expect(store).toMatchObject({ available: true, acceptsWrites: true });
    // what reached the primary is what the store answers
    const groups = await postJson(`${node.url}/api/management/group/get-groups.json`, { serviceId: SERVICE });
    expect(groups.body.responseStatus.status).toBe('success');
    expect((groups.body.groups as Array<{ name: string }>).map((g) => g.name)).toEqual(['blue']);
    for (const log of ['group-logs', 'instance-operation-logs']) {
      const res = await postJson(`${node.url}/api/management/log/${log}.json`, { serviceId: SERVICE });
      expect(res.body.responseStatus.status, log).toBe('success');
      expect(res.body.logs, log).toHaveLength(1);
    }
  });
});
