import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtemisNode } from '../../src/app.js';
import { request } from '../helpers/http.js';
import { ADMIN_HEADERS, inProcessManagedNode, instance } from '../helpers/node.js';

const SUCCESS = '{"errorCode":"success","message":"","status":"success"}';
const OK = `{"responseStatus":${SUCCESS}}`;

async function post(node: ArtemisNode, path: string, body: unknown) {
  const res = await request(node, path, { method: 'POST', headers: { 'content-type': 'application/json', ...ADMIN_HEADERS }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}
const json = async (node: ArtemisNode, path: string, body: unknown): Promise<any> => JSON.parse((await post(node, path, body)).text) as unknown;

const KEY = { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' };
const pullOut = (extra: Record<string, unknown> = {}) => ({ instanceKey: KEY, operation: 'pullout', operationComplete: false, operatorId: 'alice', token: 't-1', ...extra });

describe('management wire format', () => {
  let node: ArtemisNode;
  beforeEach(async () => {
    node = await inProcessManagedNode();
    await post(node, '/api/registry/register.json', { instances: [instance(), instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4' })] });
  });
  afterEach(async () => {
    await node.stop();
  });

  it('operate-instance answers a bare status and instance-operations shows the label', async () => {
    expect((await post(node, '/api/management/operate-instance.json', pullOut())).text).toBe(OK);
    expect((await post(node, '/api/management/instance-operations.json', { InstanceKey: { regionid: 'sha', SERVICEID: 'Demo.Order', instanceId: '10.1.2.3:8080' } })).text).toBe(
      `{"operations":{"instanceKey":{"instanceId":"10.1.2.3:8080","regionId":"SHA","serviceId":"demo.order"},"operations":["pullout"]},"responseStatus":${SUCCESS}}`,
    );
    expect((await post(node, '/api/management/instance-down.json', { instance: instance() })).text).toBe(`{"down":true,"responseStatus":${SUCCESS}}`);
    expect((await post(node, '/api/management/all-instance-operations.json', { regionId: 'sha' })).text).toBe(`{"allInstanceOperations":[],"responseStatus":${SUCCESS}}`);
    expect((await json(node, '/api/management/all-instance-operations.json', {})).allInstanceOperations).toHaveLength(1);
  });

  it('validates operate-instance fields in the reference order with its messages', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ instanceKey: { ...KEY, regionId: ' ' } }, 'regionId is null or empty'],
      [{ instanceKey: { ...KEY, serviceId: null } }, 'serviceId is null or empty'],
      [{ instanceKey: { ...KEY, instanceId: '' } }, 'instanceId is null or empty'],
      [{ operation: '' }, 'operation is null or empty'],
      [{ operatorId: null }, 'operatorId is null or empty'],
      [{ instanceKey: null }, 'request.instanceKey is null'],
    ];
    for (const [extra, message] of cases) {
      const res = await post(node, '/api/management/operate-instance.json', pullOut(extra));
      expect(res.text).toBe(`{"responseStatus":{"errorCode":"bad-request","message":"${message}","status":"fail"}}`);
    }
    expect((await json(node, '/api/management/all-instance-operations.json', {})).allInstanceOperations).toEqual([]);
  });

  it('refuses writes unless the node is up, with the reference text', async () => {
    node.state.markDown();
    const body = await json(node, '/api/management/operate-instance.json', pullOut());
    expect(body.responseStatus.errorCode).toBe('service-unavailable');
    expect(body.responseStatus.message).toMatch(/^Serivce is not in up state\. Current status: \{ node: sha\/sha-z1\/.*, status: down, canServiceRegistry: false, canServiceDiscovery: false \}$/);
  });

  it('hides a pulled-out instance from discovery and shows it as down in management views', async () => {
    await post(node, '/api/management/operate-instance.json', pullOut());
    node.discovery.flush();
    const lookup = await json(node, '/api/discovery/lookup.json', { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' });
    expect(lookup.services[0].instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['10.1.2.4:8080']);
    expect(lookup.services[0].logicInstances).toEqual([]);
    expect(lookup.services[0].routeRules).toEqual([]);
    const view = await json(node, '/api/management/service.json', { serviceId: 'demo.order' });
    const statuses = Object.fromEntries(view.service.instances.map((i: { instanceId: string; status: string }) => [i.instanceId, i.status]));
    expect(statuses).toEqual({ '10.1.2.3:8080': 'down', '10.1.2.4:8080': 'up' });
    expect(Object.keys(view.service.instances[0].metadata).sort()).toEqual(['creationTime', 'renewalTime', 'ttl']);
    expect(view.groups).toEqual([]);
    await post(node, '/api/management/operate-instance.json', pullOut({ operationComplete: true }));
    node.discovery.flush();
    const again = await json(node, '/api/discovery/lookup.json', { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' });
    expect(again.services[0].instances).toHaveLength(2);
  });

  it('server operations take down every instance on the ip', async () => {
    const op = { serverKey: { regionId: 'SHA', serverId: '10.1.2.4' }, operation: 'maintenance', operationComplete: false, operatorId: 'bob', token: 'x' };
    expect((await post(node, '/api/management/operate-server.json', op)).text).toBe(OK);
    expect((await post(node, '/api/management/server-down.json', { serverKey: { regionId: 'sha', serverId: '10.1.2.4' } })).text).toBe(`{"down":true,"responseStatus":${SUCCESS}}`);
    expect((await post(node, '/api/management/server-operations.json', { serverKey: { regionId: 'SHA', serverId: '10.1.2.4' } })).text).toBe(
      `{"operations":{"operations":["maintenance"],"serverKey":{"regionId":"SHA","serverId":"10.1.2.4"}},"responseStatus":${SUCCESS}}`,
    );
    expect((await post(node, '/api/management/server-down.json', {})).text).toBe('{"responseStatus":{"errorCode":"bad-request","message":"request.serverKey null","status":"fail"}}');
    node.discovery.flush();
    const svc = await json(node, '/api/discovery/service.json', { discoveryConfig: { serviceId: 'demo.order' }, regionId: 'SHA', zoneId: 'sha-z1' });
    expect(svc.service.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual(['10.1.2.3:8080']);
  });

  it('answers the remaining views: all-server-operations (GET and POST), services.json, get-zone-operations', async () => {
    const op = { serverKey: { regionId: 'SHA', serverId: '10.1.2.4' }, operation: 'maintenance', operationComplete: false, operatorId: 'bob', token: 'x' };
    await post(node, '/api/management/operate-server.json', op);
    const all = `{"allServerOperations":[{"operations":["maintenance"],"serverKey":{"regionId":"SHA","serverId":"10.1.2.4"}}],"responseStatus":${SUCCESS}}`;
    expect((await post(node, '/api/management/all-server-operations.json', { regionId: 'SHA' })).text).toBe(all);
    expect(await (await request(node, '/api/management/all-server-operations.json?regionId=SHA')).text()).toBe(all);
    expect((await json(node, '/api/management/all-server-operations.json', { regionId: 'NYC' })).allServerOperations).toEqual([]);
    const services = await json(node, '/api/management/services.json', { regionId: 'ignored' });
    expect(services.services.map((s: { serviceId: string }) => s.serviceId)).toEqual(['demo.order']);
    expect(services.services[0].instances.map((i: { status: string }) => i.status).sort()).toEqual(['down', 'up']);
    expect(typeof services.version).toBe('number');
    expect((await post(node, '/api/management/zone/get-zone-operations.json', { zoneKey: { regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z1' } })).text).toBe(
      `{"operations":null,"responseStatus":${SUCCESS}}`,
    );
    expect((await json(node, '/api/management/zone/get-zone-operations.json', {})).responseStatus.message).toBe('request.zoneKey is null');
  });

  it('zone operations are validated whole and take down a service in a zone', async () => {
    const bad = { zoneOperationsList: [{ zoneKey: { regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z1' }, operations: ['drill'] }, { zoneKey: { regionId: 'SHA', serviceId: '', zoneId: 'z' }, operations: ['drill'] }], operationComplete: false, operatorId: 'a', token: 't' };
    expect((await json(node, '/api/management/zone/operate-zone-operations.json', bad)).responseStatus.errorCode).toBe('bad-request');
    expect((await json(node, '/api/management/zone/get-all-zone-operations.json', {})).allZoneOperations).toEqual([]);
    const good = { ...bad, zoneOperationsList: [bad.zoneOperationsList[0]] };
    expect((await post(node, '/api/management/zone/operate-zone-operations.json', good)).text).toBe(OK);
    expect((await post(node, '/api/management/zone/is-zone-down.json', { zoneKey: { regionId: 'sha', serviceId: 'DEMO.ORDER', zoneId: 'SHA-Z1' } })).text).toBe(`{"down":true,"responseStatus":${SUCCESS}}`);
    expect((await json(node, '/api/management/zone/get-zone-operations-list.json', { serviceId: 'demo.order' })).zoneOperationsList).toEqual([
      { operations: ['drill'], zoneKey: { regionId: 'SHA', serviceId: 'demo.order', zoneId: 'sha-z1' } },
    ]);
    expect((await json(node, '/api/management/instance-down.json', { instance: instance() })).down).toBe(true);
  });

  it('writes audit logs that the log endpoints filter', async () => {
    await post(node, '/api/management/operate-instance.json', pullOut());
    await post(node, '/api/management/operate-instance.json', pullOut({ operationComplete: true }));
    const all = await json(node, '/api/management/log/instance-operation-logs.json', {});
    expect(all.logs.map((l: { complete: boolean }) => l.complete)).toEqual([false, true]);
    expect(Object.keys(all.logs[0])).toEqual(['complete', 'createTime', 'extensions', 'id', 'instanceId', 'operation', 'operatorId', 'regionId', 'serviceId', 'token', 'updateTime']);
    const completed = await json(node, '/api/management/log/instance-operation-logs.json', { complete: true, operatorId: 'ALICE' });
    expect(completed.logs).toHaveLength(1);
    for (const path of ['server-operation-logs', 'group-operation-logs', 'group-logs', 'route-rule-logs', 'route-rule-group-logs', 'zone-operation-logs', 'group-instance-logs', 'service-instance-logs']) {
      expect((await post(node, `/api/management/log/${path}.json`, {})).text).toBe(`{"logs":[],"responseStatus":${SUCCESS}}`);
    }
  });

  it('canary IPs become the canary route rule of the service', async () => {
    const req = { serviceId: 'demo.order', appId: '100001', canaryIps: ['10.1.2.4:8080', '10.1.2.4:8080'], operation: 'update-canary-ips', operatorId: 'alice', token: 't' };
    expect((await post(node, '/api/management/canary/update-canary-ips.json', req)).text).toBe(OK);
    node.discovery.flush();
    const svc = await json(node, '/api/discovery/lookup.json', { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' });
    expect(svc.services[0].routeRules).toEqual([
      {
        groups: [{ groupKey: 'demo.order/sha/canary/100001', instanceIds: ['10.1.2.4:8080'], instances: [instance({ instanceId: '10.1.2.4:8080', ip: '10.1.2.4' })], metadata: null, weight: 5 }],
        routeId: 'canary-route-rule',
        strategy: 'weighted-round-robin',
      },
    ]);
    // A blank audit token fails as in the reference only with management auth off (with it on, the
    // token field holds the name and id of the token that authorised the call).
    const open = await inProcessManagedNode({ 'security.managementAuth': false });
    try {
      const noAudit = await json(open, '/api/management/canary/update-canary-ips.json', { ...req, token: '' });
      expect(noAudit.responseStatus).toEqual({ errorCode: 'internal-service-error', message: 'update canary ips', status: 'fail' });
    } finally {
      await open.stop();
    }
    const tooMany = await json(node, '/api/management/canary/update-canary-ips.json', { ...req, canaryIps: Array.from({ length: 10_000 }, (_, i) => `10.9.${i >> 8}.${i & 255}`) });
    expect(tooMany.responseStatus.errorCode).toBe('bad-request');
    expect(tooMany.responseStatus.message).toContain('limits.maxCanaryIps');
    const logs = await json(node, '/api/management/log/group-instance-logs.json', {});
    expect(logs.logs).toHaveLength(1);
    expect(logs.logs[0]).toMatchObject({ groupId: 0, instanceId: '10.1.2.4:8080', operation: 'update-canary-ips', operatorId: 'alice' });
  });

  it('answers bad input with bad-request and writes nothing', async () => {
    expect((await post(node, '/api/management/operate-instance.json', 'nope')).status).toBe(400);
    expect((await post(node, '/api/management/operate-instance.json', { instanceKey: 'x', operation: 'p', operatorId: 'a' })).status).toBe(400);
    const huge = await json(node, '/api/management/operate-instance.json', pullOut({ operation: 'x'.repeat(1_000_000) }));
    expect(huge.responseStatus.errorCode).toBe('bad-request');
    expect(huge.responseStatus.message).toContain('limits.maxFieldLength');
    expect((await json(node, '/api/management/log/instance-operation-logs.json', {})).logs).toEqual([]);
    expect((await json(node, '/api/management/all-instance-operations.json', {})).allInstanceOperations).toEqual([]);
  });
});
