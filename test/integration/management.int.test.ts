import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, instance, postJson, startTestNode, tempDataDir, type RunningNode } from '../helpers/node.js';
import { redisNodes } from '../helpers/redis-nodes.js';
import { waitFor } from '../helpers/wait.js';
import { TestSocket, wsUrl } from '../helpers/ws.js';

const KEY = { regionId: 'SHA', serviceId: 'demo.order', instanceId: '10.1.2.3:8080' };
const operate = (complete: boolean) => ({ instanceKey: KEY, operation: 'pullout', operationComplete: complete, operatorId: 'alice', token: 't' });
const lookupBody = { discoveryConfigs: [{ serviceId: 'demo.order' }], regionId: 'SHA', zoneId: 'sha-z1' };

async function lookupIds(url: string): Promise<string[]> {
  const res = await postJson(`${url}/api/discovery/lookup.json`, lookupBody);
  return (res.body.services[0].instances as Array<{ instanceId: string }>).map((i) => i.instanceId);
}

describe('pull-out and pull-in on one node (SQLite)', () => {
  const dataDir = tempDataDir();
  const nodes: RunningNode[] = [];
  const sockets: TestSocket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.stop();
  });

  it('hides the instance at once, pushes delete/new, survives a restart and logs every step', async () => {
    const a = await startTestNode({ dataDir });
    nodes.push(a);
    const sub = await TestSocket.open(wsUrl(a.url, '/ws/discovery/instance-change'));
    sockets.push(sub);
    sub.send({ serviceId: 'demo.order' });
    await new Promise((r) => setTimeout(r, 20));
    await postJson(`${a.url}/api/registry/register.json`, { instances: [instance()] });
    expect((await sub.next()).changeType).toBe('new');

    expect((await postJson(`${a.url}/api/management/operate-instance.json`, operate(false), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(a.url)).toEqual([]);
    const del = await sub.next();
    expect([del.changeType, del.instance.instanceId]).toEqual(['delete', '10.1.2.3:8080']);

    // a heartbeat-driven re-register of a pulled-out instance is not pushed as new
    await postJson(`${a.url}/api/registry/register.json`, { instances: [instance()] });
    expect(await sub.quietFor(60)).toBe(true);

    await a.stop();
    nodes.pop();
    const b = await startTestNode({ dataDir });
    nodes.push(b);
    await postJson(`${b.url}/api/registry/register.json`, { instances: [instance()] });
    expect(await lookupIds(b.url)).toEqual([]);
    expect((await postJson(`${b.url}/api/management/operate-instance.json`, operate(true), { headers: ADMIN_HEADERS })).body.responseStatus.status).toBe('success');
    expect(await lookupIds(b.url)).toEqual(['10.1.2.3:8080']);
    const logs = await postJson(`${b.url}/api/management/log/instance-operation-logs.json`, { instanceId: '10.1.2.3:8080' });
    expect(logs.body.logs.map((l: { complete: boolean }) => l.complete)).toEqual([false, true]);
  });

  it('keeps the reason of an instance or server write in its log row, as extensions {"reason": …}', async () => {
    const a = await startTestNode();
    nodes.push(a);
    await postJson(`${a.url}/api/management/operate-instance.json`, { ...operate(false), reason: 'kernel update' }, { headers: ADMIN_HEADERS });
    await postJson(`${a.url}/api/management/operate-instance.json`, operate(true), { headers: ADMIN_HEADERS });
    await postJson(`${a.url}/api/management/operate-server.json`, { serverKey: { regionId: 'SHA', serverId: '10.1.2.3' }, operation: 'pullout', operatorId: 'alice', token: 't', reason: 'rack move' }, { headers: ADMIN_HEADERS });
    const instanceLogs = await postJson(`${a.url}/api/management/log/instance-operation-logs.json`, { instanceId: '10.1.2.3:8080' });
    expect(instanceLogs.body.logs.map((l: { extensions: string }) => JSON.parse(l.extensions) as unknown)).toEqual([{ reason: 'kernel update' }, {}]);
    const serverLogs = await postJson(`${a.url}/api/management/log/server-operation-logs.json`, { serverId: '10.1.2.3' });
    expect(serverLogs.body.logs.map((l: { extensions: string }) => JSON.parse(l.extensions) as unknown)).toEqual([{ reason: 'rack move' }]);
    const tooLong = await postJson(`${a.url}/api/management/operate-instance.json`, { ...operate(false), reason: 'x'.repeat(100_000) }, { headers: ADMIN_HEADERS });
    expect(tooLong.body.responseStatus.errorCode).toBe('bad-request');
  });
});

describe('two nodes sharing one Redis', async () => {
  const { url, start } = await redisNodes('management');

  it.skipIf(url === undefined)('a pull-out on node A reaches discovery on node B within 200 ms', async () => {
    const a = await start();
    const b = await start();
    await postJson(`${b.url}/api/registry/register.json`, { instances: [instance()] });
    expect(await lookupIds(b.url)).toEqual(['10.1.2.3:8080']);
    const started = Date.now();
    await postJson(`${a.url}/api/management/operate-instance.json`, operate(false), { headers: ADMIN_HEADERS });
    const acked = Date.now();
    const seen = await waitFor(() => lookupIds(b.url), { until: (ids) => ids.length === 0, timeoutMs: 2_000, intervalMs: 5, message: 'B to hide the instance' });
    const elapsed = Date.now() - acked;
    console.log(`pull-out on A: acknowledged in ${acked - started} ms, hidden on B ${elapsed} ms after the acknowledgement`);
    expect(seen).toEqual([]);
    expect(elapsed).toBeLessThan(200);
    await postJson(`${a.url}/api/management/operate-instance.json`, operate(true), { headers: ADMIN_HEADERS });
    expect(await waitFor(() => lookupIds(b.url), { until: (ids) => ids.length === 1, timeoutMs: 2_000, intervalMs: 5, message: 'B to list the instance again' })).toEqual(['10.1.2.3:8080']);
  });
});
