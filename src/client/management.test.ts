import { describe, expect, it } from 'vitest';
import { ArtemisClientError } from './errors.js';
import { ManagementCallError, ManagementClient } from './management.js';
import { FakeFetch, json, rs } from './test-fakes.js';

function client(fake: FakeFetch) {
  return new ManagementClient({ urls: ['http://a'], fetch: fake.fetch, retryAttempts: 1, retryDelayMs: 1, requestTimeoutMs: 500, random: () => 0 });
}

describe('ManagementClient', () => {
  it('posts each call to its management path and resolves with the answer', async () => {
    const fake = new FakeFetch();
    const groups = [{ appId: '1', description: null, groupId: 7, groupKey: 'demo/sha/z/blue', metadata: null, name: 'blue', regionId: 'SHA', serviceId: 'demo', status: 'active', zoneId: 'z' }];
    fake.respond = (c) => (c.url.endsWith('/group/get-all-groups.json') ? json({ groups, responseStatus: rs() }) : json({ responseStatus: rs() }));
    const m = client(fake);
    expect(await m.getAllGroups()).toEqual({ groups, responseStatus: rs() });
    await m.operateInstance({ instanceKey: { regionId: 'SHA', serviceId: 'demo', instanceId: 'i1' }, operation: 'pullout', operatorId: 'alice' });
    await m.releaseRouteRuleGroups({ routeRuleGroups: [{ routeRuleId: 1, groupId: 7 }], operation: 'release', operatorId: 'alice', token: 't' });
    await m.logs('group-operation-logs', { groupId: 7 });
    await m.allInstanceOperations();
    expect(fake.calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', 'http://a/api/management/group/get-all-groups.json', {}],
      ['POST', 'http://a/api/management/operate-instance.json', { instanceKey: { regionId: 'SHA', serviceId: 'demo', instanceId: 'i1' }, operation: 'pullout', operatorId: 'alice' }],
      ['POST', 'http://a/api/management/group/release-route-rule-groups.json', { routeRuleGroups: [{ routeRuleId: 1, groupId: 7 }], operation: 'release', operatorId: 'alice', token: 't' }],
      ['POST', 'http://a/api/management/log/group-operation-logs.json', { groupId: 7 }],
      ['POST', 'http://a/api/management/all-instance-operations.json', {}],
    ]);
    m.close();
  });

  it('rejects an answer other than success with the status and the whole body', async () => {
    const fake = new FakeFetch();
    fake.respond = () => json({ responseStatus: rs('bad-request', 'fail', 'operatorId is null or empty') });
    const m = client(fake);
    const err = await m.operateServer({ serverKey: { regionId: 'SHA', serverId: '10.0.0.1' }, operation: 'pullout', operatorId: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManagementCallError);
    const e = err as ManagementCallError;
    expect([e.code, e.path, e.node, e.message]).toEqual(['bad-request', '/api/management/operate-server.json', 'http://a', 'http://a: bad-request: operatorId is null or empty']);
    expect(e.body).toEqual({ responseStatus: rs('bad-request', 'fail', 'operatorId is null or empty') });
    m.close();
  });

  it('passes on transport failures, an HTTP 404 with its status', async () => {
    const fake = new FakeFetch();
    fake.respond = () => json({}, 404);
    const m = client(fake);
    const err = await m.getAllRouteRules().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtemisClientError);
    expect(err).not.toBeInstanceOf(ManagementCallError);
    expect((err as ArtemisClientError).httpStatus).toBe(404);
    m.close();
  });
});
