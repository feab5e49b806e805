import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, instance, postJson, startTestNode, tempDataDir, type RunningNode } from '../helpers/node.js';
import { redisNodes } from '../helpers/redis-nodes.js';
import { waitFor } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

const G = '/api/management/group';
const AUDIT = { operation: 'release', operatorId: 'alice', token: 't-1', reason: 'blue/green' };
const group = (name: string) => ({ serviceId: 'demo.order', regionId: 'SHA', zoneId: 'sha-z1', name, appId: '100001', status: 'active' });
const createRule = {
  routeRule: { serviceId: 'demo.order', name: 'release-2024', status: 'active', strategy: 'weighted-round-robin' },
  groups: [
    { ...group('blue'), weight: 80 },
    { ...group('green'), weight: 20 },
  ],
  ...AUDIT,
};
const release = { routeRuleGroups: [{ routeRuleId: 1, groupId: 1 }, { routeRuleId: 1, groupId: 2 }], ...AUDIT };

async function lookup(url: string): Promise<any> {
  const res = await postJson(`${url}/api/discovery/lookup.json`, { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' });
  return (res.body as { services: unknown[] }).services[0];
}

const weights = (service: any): number[] => ((service.routeRules?.[0]?.groups ?? []) as Array<{ weight: number }>).map((g) => g.weight);
const ids = (service: any): string[] => (service.instances as Array<{ instanceId: string }>).map((i) => i.instanceId).sort();

/** Reads frames until one of the given type arrives (heartbeat of the server's pushes may interleave). */
async function nextOfType(socket: TestSocket, type: string): Promise<any> {
  for (;;) {
    const change = await socket.next();
    if (change.changeType === type) return change;
  }
}

describe('route rules and group pull-outs over HTTP and WebSocket (SQLite)', () => {
  const dataDir = tempDataDir();
  const nodes: RunningNode[] = [];
  const sockets: TestSocket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.stop();
  });

  it('a released weight and a group pull-out reach subscribers as reload, and both survive a restart', async () => {
    const a = await startTestNode({ dataDir });
    nodes.push(a);
    await postJson(`${a.url}/api/registry/register.json`, {
      instances: [instance({ instanceId: 'blue-1', groupId: 'blue' }), instance({ instanceId: 'green-1', groupId: 'green' })],
    });
    const sub = await TestSocket.open(wsUrl(a.url, '/ws/discovery/instance-change'));
    sockets.push(sub);
    sub.send({ serviceId: 'demo.order' });
    await new Promise((r) => setTimeout(r, 20));

    expect((await postJson(`${a.url}${G}/create-route-rule.json`, createRule, { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    const first = await nextOfType(sub, 'reload');
    expect([first.instance.serviceId, first.instance.instanceId]).toEqual(['demo.order', 'reload']);
    expect(weights(await lookup(a.url))).toEqual([5, 5]);

    await postJson(`${a.url}${G}/release-route-rule-groups.json`, release, { headers: ADMIN_HEADERS });
    await nextOfType(sub, 'reload');
    expect(weights(await lookup(a.url))).toEqual([80, 20]);

    await postJson(`${a.url}${G}/operate-group-operations.json`, { groupOperationsList: [{ groupId: 2, operations: ['pullout'] }], ...AUDIT }, { headers: ADMIN_HEADERS });
    await nextOfType(sub, 'reload');
    expect(ids(await lookup(a.url))).toEqual(['blue-1']);

    await a.stop();
    nodes.pop();
    const b = await startTestNode({ dataDir });
    nodes.push(b);
    await postJson(`${b.url}/api/registry/register.json`, {
      instances: [instance({ instanceId: 'blue-1', groupId: 'blue' }), instance({ instanceId: 'green-1', groupId: 'green' })],
    });
    const after = await lookup(b.url);
    expect(weights(after)).toEqual([80, 20]);
    expect(ids(after)).toEqual(['blue-1']);
  });
});

describe('logical instances (SQLite)', () => {
  const nodes: RunningNode[] = [];
  const sockets: TestSocket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.stop();
  });

  it('pulling a logical instance out or in pushes reload, and discovery follows', async () => {
    const a = await startTestNode();
    nodes.push(a);
    const sub = await TestSocket.open(wsUrl(a.url, '/ws/discovery/instance-change'));
    sockets.push(sub);
    sub.send({ serviceId: 'demo.order' });
    await new Promise((r) => setTimeout(r, 20));
    const logical = {
      serviceId: 'demo.order', instanceId: 'logic-1', ip: '10.9.9.9', machineName: 'host-l', metadata: {}, port: 80, protocol: 'http',
      regionId: 'SHA', zoneId: 'sha-z1', healthCheckUrl: 'http://10.9.9.9/health', url: 'http://10.9.9.9/', groupId: 'blue',
    };
    await postJson(`${a.url}${G}/insert-service-instances.json`, { serviceInstances: [logical], ...AUDIT }, { headers: ADMIN_HEADERS });
    await nextOfType(sub, 'reload');
    const logicIds = async () => ((await lookup(a.url)).logicInstances as Array<{ instanceId: string }>).map((i) => i.instanceId);
    expect(await logicIds()).toEqual(['logic-1']);

    const operate = (complete: boolean) => ({ instanceKey: { regionId: 'SHA', serviceId: 'demo.order', instanceId: 'logic-1' }, operation: 'pullout', operationComplete: complete, operatorId: 'alice', token: 't' });
    await postJson(`${a.url}/api/management/operate-instance.json`, operate(false), { headers: ADMIN_HEADERS });
    await nextOfType(sub, 'reload');
    expect(await logicIds()).toEqual([]);
    await postJson(`${a.url}/api/management/operate-instance.json`, operate(true), { headers: ADMIN_HEADERS });
    await nextOfType(sub, 'reload');
    expect(await logicIds()).toEqual(['logic-1']);
  });
});

describe('route rules shared through Redis', async () => {
  const { url, start } = await redisNodes('groups');

  it.skipIf(url === undefined)('a rule created and released on node A is published by node B', async () => {
    const a = await start();
    const b = await start();
    await postJson(`${b.url}/api/registry/register.json`, { instances: [instance({ instanceId: 'blue-1', groupId: 'blue' })] });
    await postJson(`${a.url}${G}/create-route-rule.json`, createRule, { headers: ADMIN_HEADERS });
    await postJson(`${a.url}${G}/release-route-rule-groups.json`, release, { headers: ADMIN_HEADERS });
    const acked = Date.now();
    const seen = await waitFor(async (): Promise<unknown> => {
      const service = await lookup(b.url);
      return weights(service).join() === '80,20' ? service : undefined;
    }, { message: 'node B to publish the released weights', timeoutMs: 2_000 });
    expect(weights(seen)).toEqual([80, 20]);
    expect(Date.now() - acked).toBeLessThan(500);
    // ids come from the shared store: B sees the ids A was given
    const onB = (await postJson(`${b.url}${G}/get-route-rule-groups.json`, {})).body.routeRuleGroups;
    expect(onB.map((l: { routeRuleGroupId: number; weight: number }) => [l.routeRuleGroupId, l.weight])).toEqual([
      [1, 80],
      [2, 20],
    ]);
  });
});
