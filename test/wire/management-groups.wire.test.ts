import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import { request } from '../helpers/http.js';
import { ADMIN_HEADERS, inProcessManagedNode, instance } from '../helpers/node.js';

const SUCCESS = { errorCode: 'success', message: '', status: 'success' };
const G = '/api/management/group';
const AUDIT = { operation: 'release', operatorId: 'alice', token: 't-1', reason: 'blue/green' };

async function call(node: ArtemisNode, path: string, body: unknown): Promise<any> {
  const res = await request(node, path, { method: 'POST', headers: { 'content-type': 'application/json', ...ADMIN_HEADERS }, body: JSON.stringify(body) });
  return JSON.parse(await res.text()) as unknown;
}

const group = (name: string, extra: Record<string, unknown> = {}) => ({
  serviceId: 'demo.order',
  regionId: 'SHA',
  zoneId: 'sha-z1',
  name,
  appId: '100001',
  status: 'active',
  ...extra,
});

const lookup = async (node: ArtemisNode): Promise<any> =>
  (await call(node, '/api/discovery/lookup.json', { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' })).services[0];

describe('groups, route rules and weighted routing (management spec section 6)', () => {
  let node: ArtemisNode;
  beforeEach(async () => {
    node = await inProcessManagedNode();
    await call(node, '/api/registry/register.json', {
      instances: [
        instance({ instanceId: 'blue-1', groupId: 'blue' }),
        instance({ instanceId: 'blue-2', groupId: 'Blue', ip: '10.1.2.9' }),
        instance({ instanceId: 'green-1', groupId: 'green' }),
        instance({ instanceId: 'plain-1' }),
      ],
    });
  });
  afterEach(async () => {
    await node.stop();
  });

  it('create-route-rule publishes the rule with default weights until a release publishes the pending ones', async () => {
    const created = await call(node, `${G}/create-route-rule.json`, {
      routeRule: { serviceId: 'demo.order', name: 'release-2024', status: 'active', strategy: 'weighted-round-robin', description: 'blue/green' },
      groups: [
        { ...group('blue'), weight: 90 },
        { ...group('green'), weight: 10 },
      ],
      ...AUDIT,
    });
    expect(created).toEqual({ responseStatus: SUCCESS });

    const rules = (await call(node, `${G}/get-route-rules.json`, { serviceId: 'DEMO.ORDER' })).routeRules;
    expect(rules).toEqual([{ description: 'blue/green', name: 'release-2024', routeRuleId: 1, serviceId: 'demo.order', status: 'active', strategy: 'weighted-round-robin' }]);
    const groups = (await call(node, `${G}/get-groups.json`, { serviceId: 'demo.order' })).groups;
    expect(groups.map((g: { groupKey: string; groupId: number }) => [g.groupId, g.groupKey])).toEqual([
      [1, 'demo.order/sha/sha-z1/blue'],
      [2, 'demo.order/sha/sha-z1/green'],
    ]);
    const links = (await call(node, `${G}/get-route-rule-groups.json`, { routeRuleId: 1 })).routeRuleGroups;
    expect(links).toEqual([
      { groupId: 1, routeRuleGroupId: 1, routeRuleId: 1, unreleasedWeight: 90, weight: null },
      { groupId: 2, routeRuleGroupId: 2, routeRuleId: 1, unreleasedWeight: 10, weight: null },
    ]);

    // not released yet: published with the default weight 5
    let service = await lookup(node);
    expect(service.routeRules).toEqual([
      {
        groups: [
          { groupKey: 'demo.order/sha/sha-z1/blue', instanceIds: [], instances: null, metadata: null, weight: 5 },
          { groupKey: 'demo.order/sha/sha-z1/green', instanceIds: [], instances: null, metadata: null, weight: 5 },
        ],
        routeId: 'release-2024',
        strategy: 'weighted-round-robin',
      },
    ]);

    const release = await call(node, `${G}/release-route-rule-groups.json`, {
      routeRuleGroups: [
        { routeRuleId: 1, groupId: 1 },
        { routeRuleId: 1, groupId: 2 },
      ],
      ...AUDIT,
    });
    expect(release).toEqual({ responseStatus: SUCCESS });
    service = await lookup(node);
    expect(service.routeRules[0].groups.map((g: { weight: number }) => g.weight)).toEqual([90, 10]);

    // a new pending weight changes nothing until released again
    await call(node, `${G}/update-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 1, groupId: 1, unreleasedWeight: 20000 }], ...AUDIT });
    expect((await lookup(node)).routeRules[0].groups[0].weight).toBe(90);
    await call(node, `${G}/release-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 1, groupId: 1 }], ...AUDIT });
    expect((await lookup(node)).routeRules[0].groups[0].weight).toBe(10_000);

    const logs = (await call(node, '/api/management/log/route-rule-group-logs.json', { routeRuleId: 1 })).logs;
    expect(logs.map((l: { weight: number | null }) => l.weight)).toEqual([90, 10, null, null, 20000, null]);
    expect((await call(node, '/api/management/log/route-rule-logs.json', { name: 'release-2024' })).logs).toHaveLength(1);
    expect((await call(node, '/api/management/log/group-logs.json', { serviceId: 'demo.order' })).logs).toHaveLength(2);
  });

  it('an inactive rule or group is not published; tags and logical members are', async () => {
    await call(node, `${G}/insert-groups.json`, { groups: [group('blue'), group('green', { status: 'inactive' })], ...AUDIT });
    await call(node, `${G}/insert-route-rules.json`, { routeRules: [{ serviceId: 'demo.order', name: 'r1', status: 'active', strategy: 'close-by-visit' }], ...AUDIT });
    await call(node, `${G}/insert-route-rule-groups.json`, {
      routeRuleGroups: [
        { routeRuleId: 1, groupId: 1, unreleasedWeight: 3 },
        { routeRuleId: 1, groupId: 2, unreleasedWeight: 4 },
      ],
      ...AUDIT,
    });
    expect(await call(node, `${G}/insert-group-tags.json`, { groupTagsList: [{ groupId: 1, tags: { owner: 'team-a', blank: ' ' } }] })).toEqual({ responseStatus: SUCCESS });
    await call(node, `${G}/insert-group-instances.json`, { groupInstances: [{ groupId: 1, instanceId: 'plain-1' }], ...AUDIT });

    const rule = (await lookup(node)).routeRules[0];
    expect(rule).toEqual({
      groups: [{ groupKey: 'demo.order/sha/sha-z1/blue', instanceIds: ['plain-1'], instances: null, metadata: { owner: 'team-a' }, weight: 5 }],
      routeId: 'r1',
      strategy: 'close-by-visit',
    });
    expect((await call(node, `${G}/get-group-tags.json`, { groupId: 1 })).groupTags).toEqual({ groupId: 1, tags: { owner: 'team-a' } });
    expect((await call(node, `${G}/get-group-instances.json`, { groupId: 1 })).groupInstances).toEqual([{ groupId: 1, id: 1, instanceId: 'plain-1' }]);

    // deactivating the rule removes it; insert never changes an existing rule, update does
    await call(node, `${G}/insert-route-rules.json`, { routeRules: [{ serviceId: 'demo.order', name: 'R1', status: 'inactive', strategy: 'x' }], ...AUDIT });
    expect((await lookup(node)).routeRules).toHaveLength(1);
    await call(node, `${G}/update-route-rules.json`, { routeRules: [{ serviceId: 'demo.order', name: 'R1', status: 'inactive', strategy: 'x' }], ...AUDIT });
    expect((await lookup(node)).routeRules).toEqual([]);
    expect((await call(node, `${G}/get-all-route-rules.json`, {})).routeRules).toEqual([
      { description: null, name: 'r1', routeRuleId: 1, serviceId: 'demo.order', status: 'inactive', strategy: 'x' },
    ]);

    // management service.json lists every group of the service
    const view = await call(node, '/api/management/service.json', { serviceId: 'demo.order' });
    expect(view.groups.map((g: { groupKey: string }) => g.groupKey)).toEqual(['demo.order/sha/sha-z1/blue', 'demo.order/sha/sha-z1/green']);
  });

  it('a group pull-out hides its physical members from discovery and a pull-in brings them back', async () => {
    await call(node, `${G}/insert-groups.json`, { groups: [group('blue')], ...AUDIT });
    const out = await call(node, `${G}/operate-group-operations.json`, { groupOperationsList: [{ groupId: 1, operations: ['pullout'] }], operationComplete: false, ...AUDIT });
    expect(out).toEqual({ responseStatus: SUCCESS });
    const ids = async () => ((await lookup(node)).instances as Array<{ instanceId: string }>).map((i) => i.instanceId).sort();
    expect(await ids()).toEqual(['green-1', 'plain-1']);
    expect((await call(node, `${G}/get-group-operations.json`, { groupId: 1 })).groupOperations).toEqual({ groupId: 1, operations: ['pullout'] });
    const down = await call(node, '/api/management/instance-down.json', { instance: instance({ instanceId: 'blue-2', groupId: 'BLUE' }) });
    expect(down.down).toBe(true);

    await call(node, `${G}/operate-group-operations.json`, { groupOperationsList: [{ groupId: 1, operations: ['pullout'] }], operationComplete: true, ...AUDIT });
    expect(await ids()).toEqual(['blue-1', 'blue-2', 'green-1', 'plain-1']);
    expect((await call(node, `${G}/get-all-group-operations.json`, {})).allGroupOperations).toEqual([]);
    const logs = (await call(node, '/api/management/log/group-operation-logs.json', { groupId: 1 })).logs;
    expect(logs.map((l: { operation: string; complete: boolean }) => [l.operation, l.complete])).toEqual([
      ['pullout', false],
      ['pullout', true],
    ]);

    // by coordinates: the group is created when missing, and the label is the audit operation
    const single = await call(node, `${G}/operate-group-operation.json`, { ...group('green'), ...AUDIT, operation: 'pullout', operationComplete: false });
    expect(single).toEqual({ responseStatus: SUCCESS });
    expect(await ids()).toEqual(['blue-1', 'blue-2', 'plain-1']);
  });

  it('logical service instances are published as up and hidden by an instance pull-out', async () => {
    const si = {
      serviceId: 'demo.order',
      instanceId: 'logic-1',
      ip: '10.9.9.9',
      machineName: 'host-l',
      metadata: { idc: 'jq' },
      port: 80,
      protocol: 'http',
      regionId: 'SHA',
      zoneId: 'sha-z1',
      healthCheckUrl: 'http://10.9.9.9/health',
      url: 'http://10.9.9.9/',
      groupId: 'blue',
    };
    expect(await call(node, `${G}/insert-service-instances.json`, { serviceInstances: [si], ...AUDIT })).toEqual({ responseStatus: SUCCESS });
    const logic = (await lookup(node)).logicInstances;
    expect(logic).toEqual([
      { groupId: 'blue', healthCheckUrl: 'http://10.9.9.9/health', instanceId: 'logic-1', ip: '10.9.9.9', machineName: 'host-l', metadata: { idc: 'jq' }, port: 80, protocol: 'http', regionId: 'SHA', serviceId: 'demo.order', status: 'up', url: 'http://10.9.9.9/', zoneId: 'sha-z1' },
    ]);
    expect((await call(node, `${G}/get-service-instances.json`, { instanceId: 'LOGIC-1' })).serviceInstances[0]).toMatchObject({ id: 1, metadata: { idc: 'jq' }, port: 80 });
    await call(node, '/api/management/operate-instance.json', { instanceKey: { regionId: 'SHA', serviceId: 'demo.order', instanceId: 'logic-1' }, operation: 'pullout', operatorId: 'alice', token: 't' });
    expect((await lookup(node)).logicInstances).toEqual([]);
    expect(await call(node, `${G}/delete-service-instances.json`, { serviceInstanceIds: [1], ...AUDIT })).toEqual({ responseStatus: SUCCESS });
    expect((await call(node, `${G}/get-service-instances.json`, {})).serviceInstances).toEqual([]);
    expect((await call(node, '/api/management/log/service-instance-logs.json', {})).logs).toHaveLength(2);
  });

  it('the canary rule carries its member instances; canary IPs join an existing canary rule', async () => {
    await call(node, `${G}/create-route-rule.json`, {
      routeRule: { serviceId: 'demo.order', name: 'canary-route-rule', status: 'active', strategy: 'weighted-round-robin' },
      groups: [{ ...group('blue'), weight: 1 }],
      ...AUDIT,
    });
    await call(node, '/api/management/canary/update-canary-ips.json', { serviceId: 'demo.order', appId: '100001', canaryIps: ['plain-1'], operation: 'canary', operatorId: 'alice', token: 't' });
    const [rule] = (await lookup(node)).routeRules;
    expect(rule.routeId).toBe('canary-route-rule');
    expect(rule.groups.map((g: { groupKey: string; instances: Array<{ instanceId: string }> }) => [g.groupKey, g.instances.map((i) => i.instanceId)])).toEqual([
      ['demo.order/sha/sha-z1/blue', ['blue-1', 'blue-2']],
      ['demo.order/sha/canary/100001', ['plain-1']],
    ]);
  });

  it('refuses bad input whole, with the endpoint failure text, and writes nothing', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      [`${G}/insert-groups.json`, { groups: [group('a'), group('b', { zoneId: ' ' })], ...AUDIT }, /^insert groups failed\. groups\[1\]\.zoneId is null or empty$/],
      [`${G}/insert-groups.json`, { groups: [group('a')], ...AUDIT, extensions: null }, /^insert groups failed\. extensions is null or empty/],
      [`${G}/insert-groups.json`, { groups: [], ...AUDIT }, /^insert groups failed\. groups is null or empty$/],
      [`${G}/insert-groups.json`, { groups: [group('a', { name: 'x'.repeat(5000) })], ...AUDIT }, /limits\.maxFieldLength/],
      [`${G}/insert-groups.json`, { groups: Array.from({ length: 1001 }, (_, i) => group(`g${i}`)), ...AUDIT }, /management\.maxRoutingBatch/],
      [`${G}/create-route-rule.json`, { routeRule: { serviceId: 'demo.order', name: 'r', status: 'active', strategy: 's' }, groups: [{ ...group('a'), serviceId: 'other' , weight: 1 }], ...AUDIT }, /^create route-rule failed\. groups\[0\]\.serviceId/],
      [`${G}/create-route-rule.json`, { routeRule: { serviceId: 'demo.order', name: 'r', status: 'active', strategy: 's' }, groups: [group('a')], ...AUDIT }, /groups\[0\]\.weight is null/],
      [`${G}/insert-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 1 }], ...AUDIT }, /needs routeRuleId and groupId/],
      [`${G}/insert-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 'x', groupId: 1 }], ...AUDIT }, /routeRuleId/],
      [`${G}/delete-groups.json`, { groupIds: [], ...AUDIT }, /^delete group failed\. groupIds is null or empty$/],
      [`${G}/insert-group-tags.json`, { groupTagsList: [{ groupId: 1, tags: { a: '' } }] }, /^insert group tag failed\./],
      [`${G}/delete-group-tags.json`, {}, /^delete group-tags failed\./],
      [`${G}/insert-service-instances.json`, { serviceInstances: [{ serviceId: 'demo.order', instanceId: 'x' }], ...AUDIT }, /^insert service instances failed\. serviceInstances\[0\]\.url is null or empty$/],
    ];
    for (const [path, body, message] of cases) {
      const answer = await call(node, path, body);
      expect(answer.responseStatus.errorCode, path).toBe('bad-request');
      expect(answer.responseStatus.message, path).toMatch(message);
    }
    // A blank audit token is the reference's bad-request only with management auth off: with it on,
    // the token field holds the name and id of the token that authorised the call.
    const open = await inProcessManagedNode({ 'security.managementAuth': false });
    try {
      const blank = await call(open, `${G}/insert-groups.json`, { groups: [group('a')], ...AUDIT, token: '' });
      expect(blank.responseStatus.errorCode).toBe('bad-request');
      expect(blank.responseStatus.message).toMatch(/^insert groups failed\. token is null or empty/);
    } finally {
      await open.stop();
    }
    expect((await call(node, `${G}/get-groups.json`, {})).groups).toEqual([]);
    expect((await call(node, `${G}/get-route-rules.json`, {})).routeRules).toEqual([]);
    expect((await call(node, '/api/management/log/group-logs.json', {})).logs).toEqual([]);
  });

  it('group writes need the node up; the three store-reading queries are rate limited', async () => {
    node.state.markDown();
    expect((await call(node, `${G}/insert-groups.json`, { groups: [group('a')], ...AUDIT })).responseStatus.errorCode).toBe('service-unavailable');
    node.state.markUp();
    let last: any;
    for (let i = 0; i < 31; i++) last = await call(node, `${G}/get-groups.json`, {});
    expect(last).toEqual({ groups: null, responseStatus: { errorCode: 'rate-limited', message: 'Request is rate limited.', status: 'fail' } });
    expect((await call(node, `${G}/get-route-rules.json`, {})).responseStatus.status).toBe('success');
  });

  it('edge cases: null ids, inactive canary rule, int ranges, numeric log filters, odd tag names, id list limit, store failure', async () => {
    await call(node, `${G}/insert-route-rules.json`, { routeRules: [{ serviceId: 'demo.order', name: 'r1', status: 'active', strategy: 's' }, { serviceId: 'demo.order', name: 'r2', status: 'active', strategy: 's' }], ...AUDIT });
    expect(await call(node, `${G}/delete-route-rules.json`, { routeRuleIds: [null, 2, 99], ...AUDIT })).toEqual({ responseStatus: SUCCESS });
    expect((await call(node, `${G}/get-all-route-rules.json`, {})).routeRules.map((r: { name: string }) => r.name)).toEqual(['r1']);
    expect((await call(node, '/api/management/log/route-rule-logs.json', { name: 'r2' })).logs).toHaveLength(2);

    // an inactive canary rule keeps the canary IPs unpublished
    await call(node, '/api/management/canary/update-canary-ips.json', { serviceId: 'demo.order', appId: 'app', canaryIps: ['plain-1'], operation: 'c', operatorId: 'alice', token: 't' });
    expect((await lookup(node)).routeRules.map((r: { routeId: string }) => r.routeId)).toEqual(['canary-route-rule']);
    await call(node, `${G}/insert-route-rules.json`, { routeRules: [{ serviceId: 'demo.order', name: 'canary-route-rule', status: 'inactive', strategy: 's' }], ...AUDIT });
    expect((await lookup(node)).routeRules).toEqual([]);

    const port = await call(node, `${G}/insert-service-instances.json`, {
      serviceInstances: [{ serviceId: 'demo.order', instanceId: 'l', ip: 'i', machineName: 'm', metadata: { a: 'b' }, port: 9_999_999_999, protocol: 'http', regionId: 'SHA', zoneId: 'z', healthCheckUrl: 'h', url: 'u', groupId: 'g' }],
      ...AUDIT,
    });
    expect(port.responseStatus.message).toMatch(/^insert service instances failed\. .*port.*32-bit/);
    const weight = await call(node, `${G}/insert-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 1, groupId: 1, unreleasedWeight: 3_000_000_000 }], ...AUDIT });
    expect(weight.responseStatus.errorCode).toBe('bad-request');

    await call(node, `${G}/insert-route-rule-groups.json`, { routeRuleGroups: [{ routeRuleId: 1, groupId: 1, unreleasedWeight: 7 }], ...AUDIT });
    await call(node, `${G}/delete-route-rule-groups.json`, { routeRuleGroupIds: [1], ...AUDIT });
    const linkLogs = (await call(node, '/api/management/log/route-rule-group-logs.json', { routeRuleId: '1', groupId: '1' })).logs;
    expect(linkLogs.map((l: { weight: number }) => l.weight)).toEqual([7, 7]);

    await call(node, `${G}/insert-group-tags.json`, JSON.parse('{"groupTagsList":[{"groupId":1,"tags":{"__proto__":"p","n":5,"ok":true}}]}'));
    expect((await call(node, `${G}/get-group-tags.json`, { groupId: 1 })).groupTags).toEqual(JSON.parse('{"groupId":1,"tags":{"__proto__":"p","n":"5","ok":"true"}}'));

    const many = await call(node, `${G}/delete-groups.json`, { groupIds: Array.from({ length: 1001 }, (_, i) => i + 1), ...AUDIT });
    expect(many.responseStatus.message).toContain('management.maxRoutingBatch');

    await node.management.stop();
    expect((await call(node, `${G}/get-groups.json`, {})).responseStatus).toEqual({ errorCode: 'internal-service-error', message: 'get groups failed.', status: 'fail' });
  });
});
